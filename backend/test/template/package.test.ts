import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ACTIONS } from '../../src/protocol/index.js';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const osls = path.join(repoRoot, 'node_modules/.bin/osls');

type Resource = { Type: string; Properties: Record<string, any> };
let outDir: string;
let template: { Resources: Record<string, Resource>; Outputs: Record<string, any> };

/** No AWS credentials of any kind: packaging must work offline on a fresh clone. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

const byType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const resource = (id: string): Resource => {
  const r = template.Resources[id];
  if (!r) throw new Error(`template has no ${id}`);
  return r;
};
const ref = (value: any): string | undefined => value?.Ref ?? value?.['Fn::GetAtt']?.[0];
/** Every logical id a CloudFormation value refers to (Ref, GetAtt, ${Sub} names). */
const refsIn = (value: unknown): string[] => {
  const json = JSON.stringify(value);
  const out = new Set<string>();
  for (const m of json.matchAll(/"Ref":"([^"]+)"/g)) out.add(m[1]!);
  for (const m of json.matchAll(/"Fn::GetAtt":\["([^"]+)"/g)) out.add(m[1]!);
  for (const m of json.matchAll(/\$\{([A-Za-z0-9]+)\}/g)) out.add(m[1]!);
  return [...out];
};

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'ws-chat-package-'));
  await run(osls, ['package', '--stage', 'ci', '--region', 'eu-west-1', '--package', outDir], {
    cwd: repoRoot,
    env: offlineEnv(),
    timeout: 240_000,
  });
  template = JSON.parse(await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 300_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('npx osls package (offline, no credentials)', () => {
  it('declares a WebSocket API that selects routes by $request.body.action', () => {
    const [[, api]] = byType('AWS::ApiGatewayV2::Api') as [[string, Resource]];
    expect(api.Properties).toMatchObject({
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it('has exactly the contract routes, each integrated (AWS_PROXY) with its own Lambda', () => {
    const routes = byType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(
      ['$connect', '$default', '$disconnect', ...CLIENT_ACTIONS].sort(),
    );
    for (const route of routes) {
      const integrationId = JSON.stringify(route.Target).match(/"Ref":"([^"]+)"/)?.[1];
      const integration = resource(integrationId!);
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      const fnId = refsIn(integration.Properties.IntegrationUri).find((id) => id.endsWith('LambdaFunction'))!;
      const fn = resource(fnId);
      const routeName = route.RouteKey.replace('$', '');
      expect(fn.Properties.Handler).toBe(`backend/src/handlers/${routeName}.handler`);
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      const permission = byType('AWS::Lambda::Permission').find(([, p]) => ref(p.Properties.FunctionName) === fnId);
      expect(permission?.[1].Properties.Principal).toBe('apigateway.amazonaws.com');
    }
  });

  it('guards $connect with the REQUEST authorizer on the name query parameter', () => {
    const connect = byType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === '$connect')![1];
    expect(connect.Properties.AuthorizationType).toBe('CUSTOM');
    const authorizer = resource(ref(connect.Properties.AuthorizerId)!);
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.name'],
    });
    expect(refsIn(authorizer.Properties.AuthorizerUri)).toContain('AuthorizeLambdaFunction');
    const others = byType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.RouteKey !== '$connect');
    for (const [, r] of others) expect(r.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
  });

  it('creates on-demand tables keyed for Query-only fan-out and cleanup, all with TTL', () => {
    const keys = (id: string) => resource(id).Properties.KeySchema.map((k: any) => `${k.AttributeName}:${k.KeyType}`);
    expect(keys('ConnectionsTable')).toEqual(['connectionId:HASH']);
    expect(keys('MembershipsTable')).toEqual(['pk:HASH', 'connectionId:RANGE']);
    expect(keys('MessagesTable')).toEqual(['room:HASH', 'sk:RANGE']);
    for (const id of ['ConnectionsTable', 'MembershipsTable', 'MessagesTable']) {
      expect(resource(id).Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        TableName: `ws-chat-ci-${id.replace('Table', '').toLowerCase()}`,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    }
  });

  it('lets only this API invoke the handlers (every API Gateway permission names it as SourceArn)', () => {
    const permissions = byType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions.length).toBe(byType('AWS::Lambda::Function').length - 1); // every function but fanout
    for (const [id, permission] of permissions) {
      expect({ id, sourceArn: permission.Properties.SourceArn }).toEqual({
        id,
        sourceArn: {
          'Fn::Sub': 'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebsocketsApi}/*',
        },
      });
    }
  });

  it('grants least privilege: no Scan, only our tables, ManageConnections only on this API and stage, Invoke and SQS only where needed', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    type Statement = { Action: string[]; Resource: unknown[] };
    const inline = (roleId: string) =>
      (resource(roleId).Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement) as Statement[];
    const managed = (roleId: string) =>
      (resource(roleId).Properties.ManagedPolicyArns ?? []).flatMap(
        (arn: unknown) => resource(ref(arn)!).Properties.PolicyDocument.Statement,
      ) as Statement[];
    const statements = (roleId: string) => [...managed(roleId), ...inline(roleId)];

    // Every chat handler: the three tables (no Scan), this API's connections, its log groups.
    const chat = managed('ChatFunctionRole');
    expect(inline('ChatFunctionRole')).toEqual([]);
    const actions = chat.flatMap((s) => s.Action);
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions.filter((a) => !/^(dynamodb|logs|execute-api):/.test(a))).toEqual([]);
    // One statement per table, each with only what its adapter sends (dynamodb-items.test.ts checks the adapters).
    const perTable = Object.fromEntries(
      chat
        .filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')))
        .map((s) => [s.Resource.flatMap(refsIn).join(), [...s.Action].sort()]),
    );
    expect(perTable).toEqual({
      ConnectionsTable: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      MembershipsTable: [
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      MessagesTable: [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
    });
    const manage = chat.find((s) => s.Action.includes('execute-api:ManageConnections'))!;
    expect(manage.Action).toEqual(['execute-api:ManageConnections']);
    expect(JSON.stringify(manage.Resource)).toContain('${WebsocketsApi}/ci/*/@connections/*');

    // send adds invoking the fan-out worker; fanout adds that (the rest of a shard) and its failure queue.
    const extra = (roleId: string) =>
      inline(roleId).map((s) => ({ actions: s.Action, resources: JSON.stringify(s.Resource) }));
    expect(managed('SendFunctionRole')).toEqual(chat);
    expect(extra('SendFunctionRole')).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: expect.stringContaining(':function:ws-chat-ci-fanout"') },
    ]);
    expect(managed('FanoutFunctionRole')).toEqual(chat);
    expect(extra('FanoutFunctionRole')).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: expect.stringContaining(':function:ws-chat-ci-fanout"') },
      { actions: ['sqs:SendMessage'], resources: JSON.stringify([{ 'Fn::GetAtt': ['FanoutFailuresQueue', 'Arn'] }]) },
    ]);

    const authorizer = statements('AuthorizerRole').flatMap((s) => s.Action);
    expect(authorizer.every((a) => a.startsWith('logs:'))).toBe(true);

    // Logs: each role writes its own functions' log groups by ARN, no `<stage>-*` wildcard that another stage shares.
    const logGroupsOf = (roleId: string) =>
      statements(roleId)
        .filter((s) => s.Action.some((a) => a.startsWith('logs:')))
        .flatMap((s) => s.Resource.flatMap(refsIn))
        .sort();
    const logGroupOf = (handler: string) => `${handler[0]!.toUpperCase()}${handler.slice(1)}LogGroup`;
    const handlers = byType('AWS::Lambda::Function').map(
      ([, fn]) => /handlers\/(\w+)\./.exec(fn.Properties.Handler)![1]!,
    );
    expect(logGroupsOf('AuthorizerRole')).toEqual(['AuthorizeLogGroup']);
    expect(logGroupsOf('ChatFunctionRole')).toEqual(
      handlers
        .filter((h) => h !== 'authorize')
        .map(logGroupOf)
        .sort(),
    );
    expect(JSON.stringify(statements('ChatFunctionRole'))).not.toContain('log-group');
    const roleOf: Record<string, string> = {
      authorize: 'AuthorizerRole',
      send: 'SendFunctionRole',
      fanout: 'FanoutFunctionRole',
    };
    for (const [, fn] of byType('AWS::Lambda::Function')) {
      const name = /handlers\/(\w+)\./.exec(fn.Properties.Handler)![1]!;
      expect(ref(fn.Properties.Role)).toBe(roleOf[name] ?? 'ChatFunctionRole');
    }
  });

  it('declares the large-room worker: no route, no Lambda-level retry, failed events kept on a queue, its name in every function environment', () => {
    const [, fanout] = byType('AWS::Lambda::Function').find(([, fn]) => fn.Properties.Handler.includes('/fanout.'))!;
    expect(fanout.Properties).toMatchObject({ FunctionName: 'ws-chat-ci-fanout', MemorySize: 1024, Timeout: 120 });
    expect(fanout.Properties.Environment.Variables).toMatchObject({
      FANOUT_FUNCTION_NAME: 'ws-chat-ci-fanout',
      MEMBERSHIP_SHARD_SIZE: '500',
      FANOUT_INLINE_MAX: '500',
      CALLBACK_RATE_BUDGET: '10000',
    });
    const configs = byType('AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(1);
    expect(configs[0]![1].Properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 });
    expect(refsIn(configs[0]![1].Properties.DestinationConfig.OnFailure.Destination)).toEqual(['FanoutFailuresQueue']);
    expect(resource('FanoutFailuresQueue').Properties).toMatchObject({
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    expect(template.Outputs.FanoutFailuresQueueUrl.Value).toEqual({ Ref: 'FanoutFailuresQueue' });
    const integrations = JSON.stringify(byType('AWS::ApiGatewayV2::Integration'));
    expect(integrations).not.toContain('Fanout');
  });

  it('lets only the fan-out worker invoke itself past Lambda recursive loop detection (its own hand-on bound stops it)', () => {
    const recursiveLoop = Object.fromEntries(
      byType('AWS::Lambda::Function').map(([id, fn]) => [id, fn.Properties.RecursiveLoop ?? 'Terminate (default)']),
    );
    expect(recursiveLoop).toEqual(
      Object.fromEntries(
        Object.keys(recursiveLoop).map((id) => [id, id === 'FanoutLambdaFunction' ? 'Allow' : 'Terminate (default)']),
      ),
    );
  });

  it('throttles the stage and its costliest routes, and outputs the wss:// URL', () => {
    const [[, stage]] = byType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    expect(stage.Properties).toMatchObject({
      StageName: 'ci',
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      RouteSettings: {
        $connect: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
        send: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      },
    });
    expect(JSON.stringify(template.Outputs.WebSocketUrl.Value)).toContain('wss://');
  });

  it('bundles each handler into its own artifact', async () => {
    const zips = (await readdir(outDir)).filter((f) => f.endsWith('.zip')).sort();
    expect(zips).toEqual(
      ['authorize', 'connect', 'default', 'disconnect', 'fanout', ...CLIENT_ACTIONS].map((n) => `${n}.zip`).sort(),
    );
    const join = await readFile(path.join(outDir, 'join.zip'));
    // Zip entry names are stored uncompressed in the headers.
    expect(join.includes(Buffer.from('backend/src/handlers/join.js'))).toBe(true);
    expect(join.includes(Buffer.from('node_modules/'))).toBe(false);
  });
});
