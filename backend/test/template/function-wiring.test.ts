import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, THIS_API_ONLY } from './packaging.js';

/*
 * The function-wiring plugin on small templates: what it derives, and that it stops packaging, naming the fault,
 * when it cannot derive something. package.test.ts and throwaway-route.test.ts check it on the real template.
 */
const { wireFunctions, LOGS_POLICY_NAME } = createRequire(import.meta.url)(
  path.join(repoRoot, 'serverless/function-wiring.cjs'),
) as {
  wireFunctions(input: { functions: object; naming: object; resources: Record<string, any>; declared?: object }): void;
  LOGS_POLICY_NAME: string;
};

/** The aws provider's naming for simple keys ("worker" -> "Worker..."). */
const upper = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;
const naming = {
  getLambdaLogicalId: (name: string) => `${upper(name)}LambdaFunction`,
  getLogGroupLogicalId: (name: string) => `${upper(name)}LogGroup`,
  getLambdaWebsocketsPermissionLogicalId: (name: string) => `${upper(name)}LambdaPermissionWebsockets`,
  getWebsocketsApiLogicalId: () => 'WebsocketsApi',
};

const lambdaRole = () => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
  },
});
const fn = (role: string) => ({ Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': [role, 'Arn'] } } });
const permission = (fnId: string) => ({
  Type: 'AWS::Lambda::Permission',
  Properties: { FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] }, Principal: 'apigateway.amazonaws.com' },
});

/** A route `say` guarded by the authorizer `auth`, and an invoke-only `worker` sharing the route's role. */
function fixture() {
  const functions = {
    say: { events: [{ websocket: { route: 'say', authorizer: { name: 'auth' } } }] },
    auth: {},
    worker: {},
  };
  const declared: Record<string, object> = { RouteRole: lambdaRole(), AuthRole: lambdaRole() };
  const resources: Record<string, any> = {
    ...structuredClone(declared),
    SayLambdaFunction: fn('RouteRole'),
    AuthLambdaFunction: fn('AuthRole'),
    WorkerLambdaFunction: fn('RouteRole'),
    SayLogGroup: { Type: 'AWS::Logs::LogGroup' },
    AuthLogGroup: { Type: 'AWS::Logs::LogGroup' },
    WorkerLogGroup: { Type: 'AWS::Logs::LogGroup' },
    WebsocketsApi: { Type: 'AWS::ApiGatewayV2::Api' },
    SayLambdaPermissionWebsockets: permission('SayLambdaFunction'),
    AuthLambdaPermissionWebsockets: permission('AuthLambdaFunction'),
  };
  return { functions, naming, resources, declared };
}

const logGroupsOf = (role: any) =>
  role.Properties.Policies.filter((p: any) => p.PolicyName === LOGS_POLICY_NAME).flatMap((p: any) =>
    p.PolicyDocument.Statement.map((s: any) => ({
      actions: s.Action,
      groups: s.Resource.map((r: any) => r['Fn::GetAtt'][0]),
    })),
  );

describe('function-wiring plugin', () => {
  it("gives each role exactly its functions' log groups and every API Gateway permission this API as SourceArn", () => {
    const input = fixture();
    wireFunctions(input);
    const { resources } = input;
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    expect(logGroupsOf(resources.RouteRole)).toEqual([{ actions: logs, groups: ['SayLogGroup', 'WorkerLogGroup'] }]);
    expect(logGroupsOf(resources.AuthRole)).toEqual([{ actions: logs, groups: ['AuthLogGroup'] }]);
    expect(resources.SayLambdaPermissionWebsockets.Properties.SourceArn).toEqual(THIS_API_ONLY);
    expect(resources.AuthLambdaPermissionWebsockets.Properties.SourceArn).toEqual(THIS_API_ONLY);
  });

  it('keeps the policies a role already has', () => {
    const input = fixture();
    const own = { PolicyName: 'invoke-worker', PolicyDocument: { Statement: [] } };
    input.resources.RouteRole.Properties.Policies = [own];
    wireFunctions(input);
    expect(input.resources.RouteRole.Properties.Policies.map((p: any) => p.PolicyName)).toEqual([
      'invoke-worker',
      LOGS_POLICY_NAME,
    ]);
  });

  const faults: Array<[string, (f: ReturnType<typeof fixture>) => void, RegExp]> = [
    ['a function without a log group', (f) => delete f.resources.WorkerLogGroup, /function worker's log group/],
    [
      'a function whose role is not in the template',
      (f) => (f.resources.WorkerLambdaFunction.Properties.Role = 'arn:aws:iam::123456789012:role/elsewhere'),
      /function worker runs as a role outside this template/,
    ],
    [
      'a role of ours that no function runs as (a rename left behind)',
      (f) => (f.declared = { ...f.declared, OldRole: lambdaRole() }),
      /role OldRole is assumed by Lambda but no function runs as it/,
    ],
    [
      "a route's invoke permission missing",
      (f) => delete f.resources.SayLambdaPermissionWebsockets,
      /no SayLambdaPermissionWebsockets/,
    ],
    [
      "an authorizer's invoke permission missing",
      (f) => delete f.resources.AuthLambdaPermissionWebsockets,
      /no AuthLambdaPermissionWebsockets/,
    ],
    [
      'an API Gateway permission that is no WebSocket route or authorizer',
      (f) => (f.resources.WorkerLambdaPermissionApiGateway = permission('WorkerLambdaFunction')),
      /WorkerLambdaPermissionApiGateway lets API Gateway invoke a function but is no WebSocket route's/,
    ],
    [
      'a hand-written policy under the generated name',
      (f) => (f.resources.AuthRole.Properties.Policies = [{ PolicyName: LOGS_POLICY_NAME }]),
      /role AuthRole already has a policy named/,
    ],
    [
      'no WebSocket API in the template',
      (f) => delete f.resources.WebsocketsApi,
      /the WebSocket API: the template has no/,
    ],
  ];
  it.each(faults)('stops packaging on %s', (_what, breakIt, message) => {
    const input = fixture();
    breakIt(input);
    expect(() => wireFunctions(input)).toThrow(message);
  });
});
