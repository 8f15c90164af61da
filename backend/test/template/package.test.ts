import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ACTIONS } from '../../src/protocol/index.js';
import {
  apiInvoked,
  declaredFunctions,
  derivedWiring,
  packageService,
  printService,
  refsIn,
  repoRoot,
  templateQueries,
  zipEntry,
  THIS_API_ONLY,
  type DeclaredFunction,
  type Resource,
  type Template,
} from './packaging.js';

/** osls's custom resource that gives API Gateway its account-level CloudWatch role (needed for access logs). */
const FRAMEWORK_LOG_ROLE_FUNCTION = 'CustomDashresourceDashapigwDashcwDashroleLambdaFunction';

let outDir: string;
let template: Template;
/** serverless.yml's functions: the expectations below are read from them, not from a second list. */
let declared: DeclaredFunction[];
let q: ReturnType<typeof templateQueries>;

const byType = (type: string) => q.byType(type);
const resource = (id: string): Resource => q.resource(id);
const ref = (value: any): string | undefined => q.ref(value);
const roleOf = (name: string): string => declared.find((fn) => fn.name === name)!.role;

beforeAll(async () => {
  declared = await declaredFunctions(path.join(repoRoot, 'serverless.yml'));
  ({ outDir, template } = await packageService(repoRoot));
  q = templateQueries(template);
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
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    }
  });

  it('lets CloudFormation name the tables and the queue, and hands the names to the handlers by Ref', () => {
    // A fixed name makes every change that replaces the resource (a new key schema) fail to deploy.
    for (const id of ['ConnectionsTable', 'MembershipsTable', 'MessagesTable'])
      expect(resource(id).Properties.TableName).toBeUndefined();
    expect(resource('FanoutFailuresQueue').Properties.QueueName).toBeUndefined();
    const env = resource('SendLambdaFunction').Properties.Environment.Variables;
    expect(env).toMatchObject({
      CONNECTIONS_TABLE: { Ref: 'ConnectionsTable' },
      MEMBERSHIPS_TABLE: { Ref: 'MembershipsTable' },
      MESSAGES_TABLE: { Ref: 'MessagesTable' },
    });
  });

  it('keeps the history: the messages table is retained on removal and replacement, protected and recoverable', () => {
    const messages = resource('MessagesTable');
    expect(messages).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(messages.Properties).toMatchObject({
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('lets only this API invoke the handlers (every API Gateway permission names it as SourceArn)', () => {
    const permissions = byType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    // The routes' functions and the authorizer: every function but the invoke-only fanout worker.
    expect(apiInvoked(declared).size).toBe(declared.length - 1);
    expect(permissions.length).toBe(apiInvoked(declared).size);
    for (const [id, permission] of permissions) {
      expect({ id, sourceArn: permission.Properties.SourceArn }).toEqual({ id, sourceArn: THIS_API_ONLY });
    }
  });

  it("derives each declared function's role, log-group permission, routes and SourceArn from its one entry under functions:", () => {
    // Besides ours, only the framework's custom resource that sets the account's API Gateway logging role.
    const others = byType('AWS::Lambda::Function')
      .map(([id]) => id)
      .filter(
        (id) => !declared.some((fn) => id === `${fn.name.charAt(0).toUpperCase()}${fn.name.slice(1)}LambdaFunction`),
      );
    expect(others).toEqual([FRAMEWORK_LOG_ROLE_FUNCTION]);
    const invoked = apiInvoked(declared);
    for (const fn of declared) {
      const { actual, expected } = derivedWiring(template, fn, invoked.has(fn.name));
      expect({ fn: fn.name, ...actual }).toEqual({ fn: fn.name, ...expected });
    }
  });

  it('grants least privilege: no Scan, only our tables, ManageConnections only on this API and stage, Invoke and SQS only where needed', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    const { inline, managed, statements, logGroupsOf } = q;
    const chatRole = roleOf('join');

    // Every chat handler: the three tables (no Scan), this API's connections, and (inline) its log groups.
    const chat = managed(chatRole);
    expect(inline(chatRole).flatMap((s) => s.Action)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    const actions = statements(chatRole).flatMap((s) => s.Action);
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
      inline(roleId)
        .filter((s) => !s.Action.some((a) => a.startsWith('logs:')))
        .map((s) => ({ actions: s.Action, resources: JSON.stringify(s.Resource) }));
    expect(managed(roleOf('send'))).toEqual(chat);
    expect(extra(roleOf('send'))).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: expect.stringContaining(':function:ws-chat-ci-fanout"') },
    ]);
    expect(managed(roleOf('fanout'))).toEqual(chat);
    expect(extra(roleOf('fanout'))).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: expect.stringContaining(':function:ws-chat-ci-fanout"') },
      { actions: ['sqs:SendMessage'], resources: JSON.stringify([{ 'Fn::GetAtt': ['FanoutFailuresQueue', 'Arn'] }]) },
    ]);

    const authorizer = statements(roleOf('authorize')).flatMap((s) => s.Action);
    expect(authorizer.length).toBeGreaterThan(0);
    expect(authorizer.every((a) => a.startsWith('logs:'))).toBe(true);

    // Logs: each role writes exactly the log groups of the functions that run as it, by ARN: no `<stage>-*`
    // wildcard that another stage shares, no other role's groups.
    const roles = [...new Set(declared.map((fn) => fn.role))];
    expect(roles.length).toBeGreaterThan(1);
    for (const role of roles) {
      const own = declared.filter((fn) => fn.role === role).map((fn) => q.logGroupId(fn.name));
      expect({ role, logGroups: logGroupsOf(role) }).toEqual({ role, logGroups: own.sort() });
      expect(JSON.stringify(statements(role))).not.toContain('log-group');
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

  it('publishes no function versions and gives the authorizer a short timeout', () => {
    expect(byType('AWS::Lambda::Version')).toEqual([]);
    expect(resource('AuthorizeLambdaFunction').Properties.Timeout).toBeLessThanOrEqual(10);
  });

  it('bundles each handler into its own artifact', async () => {
    const zips = (await readdir(outDir)).filter((f) => f.endsWith('.zip')).sort();
    expect(zips).toEqual(
      ['authorize', 'connect', 'default', 'disconnect', 'fanout', ...CLIENT_ACTIONS, 'custom-resources']
        .map((n) => `${n}.zip`)
        .sort(),
    );
    const join = await readFile(path.join(outDir, 'join.zip'));
    // Zip entry names are stored uncompressed in the headers.
    expect(join.includes(Buffer.from('backend/src/handlers/join.js'))).toBe(true);
    expect(join.includes(Buffer.from('node_modules/'))).toBe(false);
  });

  it('keeps every bundle small, the authorizer free of the clients its role may not use, and ping free of the stores', async () => {
    for (const zip of (await readdir(outDir)).filter((f) => f.endsWith('.zip'))) {
      const { size } = await stat(path.join(outDir, zip));
      expect(size, zip).toBeLessThanOrEqual(400 * 1024);
    }
    const authorize = zipEntry(await readFile(path.join(outDir, 'authorize.zip')), 'backend/src/handlers/authorize.js');
    const join = zipEntry(await readFile(path.join(outDir, 'join.zip')), 'backend/src/handlers/join.js');
    // keepNames leaves class names in the minified code: what a bundle does not name, it does not hold.
    expect(join.includes('DynamoDBClient')).toBe(true);
    // What keeps the bundles small (docs/PERFORMANCE.md#bundle-init-times): zod imported as a namespace leaves its
    // locales out (here the Dutch one), and the SDK's ES module builds leave out the commands no handler sends.
    expect(join.includes('Ongeldige invoer')).toBe(false);
    expect(join.includes('CreateTableCommand')).toBe(false);
    for (const client of ['DynamoDBClient', 'LambdaClient', 'ApiGatewayManagementApiClient'])
      expect(authorize.includes(client), client).toBe(false);
    // ping answers its caller and nothing else: the management API, no store.
    const ping = zipEntry(await readFile(path.join(outDir, 'ping.zip')), 'backend/src/handlers/ping.js');
    expect(ping.includes('ApiGatewayManagementApiClient')).toBe(true);
    for (const client of ['DynamoDBClient', 'LambdaClient']) expect(ping.includes(client), client).toBe(false);
  });
});

describe('operations', () => {
  const alarms = () => Object.fromEntries(byType('AWS::CloudWatch::Alarm'));
  const dims = (alarm: Resource) =>
    JSON.stringify(alarm.Properties.Dimensions ?? alarm.Properties.Metrics.map((m: any) => m.MetricStat?.Metric));

  it('alarms on every function (Errors, Throttles), every table (throttles, system errors), the failure queue and the API', () => {
    const all = alarms();
    for (const fn of declared) {
      const id = `${fn.name.charAt(0).toUpperCase()}${fn.name.slice(1)}`;
      for (const metric of ['Errors', 'Throttles']) {
        expect(dims(all[`${id}${metric}Alarm`]!), `${fn.name} ${metric}`).toContain(`"Ref":"${id}LambdaFunction"`);
      }
    }
    for (const table of ['ConnectionsTable', 'MembershipsTable', 'MessagesTable']) {
      for (const metric of ['ThrottledRequests', 'SystemErrors']) {
        const alarm = all[`${table}${metric}Alarm`]!;
        expect(dims(alarm)).toContain(`"Ref":"${table}"`);
        expect(alarm.Properties.Metrics.at(-1)).toMatchObject({
          Expression: expect.stringMatching(/^SUM\(/),
          ReturnData: true,
        });
      }
    }
    expect(dims(all.FanoutFailuresAlarm!)).toContain('FanoutFailuresQueue');
    expect(dims(all.ApiIntegrationErrorsAlarm!)).toContain('IntegrationError');
    // Every alarm notifies the one topic, which mails only when alarmEmail is set.
    for (const [id, alarm] of Object.entries(all))
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(resource('AlarmEmailSubscription')).toMatchObject({ Condition: 'HasAlarmEmail' });
    expect(template.Outputs.AlarmTopicArn.Value).toEqual({ Ref: 'AlarmTopic' });
  });

  it('has a dashboard of the fan-out metrics the handlers emit, the API, the functions, the tables and the queue', () => {
    const body: string = resource('OperationsDashboard').Properties.DashboardBody['Fn::Sub'];
    const widgets = JSON.parse(body.replace(/\$\{[^}]+\}/g, 'x')).widgets as Array<{ properties: { title: string } }>;
    expect(widgets.map((w) => w.properties.title)).toHaveLength(6);
    // The namespace the dashboard searches is the one the handlers write their embedded metrics to.
    const namespace = resource('SendLambdaFunction').Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE;
    expect(body).toContain(`{${namespace},roomSize,service} MetricName=\\"FanoutDuration\\"`);
    expect(template.Outputs.DashboardUrl).toBeDefined();
  });

  it("costs what docs/DEPLOY.md says when idle: its count of alarm metrics is the template's", async () => {
    const metricsOf = (alarm: Resource) =>
      (alarm.Properties.Metrics ?? [{ MetricStat: {} }]).filter((m: any) => m.MetricStat).length;
    const count = byType('AWS::CloudWatch::Alarm').reduce((sum, [, alarm]) => sum + metricsOf(alarm), 0);
    const deployDoc = await readFile(path.join(repoRoot, 'docs/DEPLOY.md'), 'utf8');
    expect(deployDoc).toContain(`${count} alarm metrics`);
    expect(byType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });

  it('writes API access logs without the query string (tokens travel there) and no execution data', () => {
    const stage = resource('WebsocketsDeploymentStage').Properties;
    const format = stage.AccessLogSettings.Format as string;
    expect(JSON.parse(format)).toMatchObject({ routeKey: '$context.routeKey', status: '$context.status' });
    expect(format).not.toMatch(/querystring|requestOverride|\$input|\$context\.authorizer\.(?!error)/i);
    expect(stage.DefaultRouteSettings.DataTraceEnabled ?? false).toBe(false);
    expect(stage.DefaultRouteSettings.LoggingLevel ?? 'OFF').toBe('OFF');
  });
  it('creates a Cognito user pool, a public code + PKCE app client and managed login only when authMode=cognito', () => {
    for (const id of ['UserPool', 'UserPoolClient', 'UserPoolDomain', 'ManagedLoginBranding'])
      expect(resource(id) as any, id).toMatchObject({ Condition: 'IsCognito' });
    expect(template.Conditions.IsCognito).toEqual({ 'Fn::Equals': ['guest', 'cognito'] });
    expect(resource('UserPoolClient').Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: expect.arrayContaining(['openid']),
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(resource('UserPoolDomain').Properties.ManagedLoginVersion).toBe(2);
    // Guest mode: the handlers refer to none of it.
    expect(JSON.stringify(resource('JoinLambdaFunction').Properties.Environment)).not.toContain('UserPool');
  });
});

describe('web hosting', () => {
  it('serves the client from a private bucket that only this distribution reads, over HTTPS only', () => {
    expect(resource('WebBucket').Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const [read, tls] = resource('WebBucketPolicy').Properties.PolicyDocument.Statement;
    expect(read).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(JSON.stringify(read.Condition)).toContain('distribution/${WebDistribution}');
    expect(tls).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': false } } });
    const config = resource('WebDistribution').Properties.DistributionConfig;
    expect(config.Origins[0].OriginAccessControlId).toEqual({ 'Fn::GetAtt': ['WebOriginAccessControl', 'Id'] });
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    // SPA fallback: a deep link that is no object gets index.html.
    expect(config.CustomErrorResponses.map((e: any) => [e.ErrorCode, e.ResponseCode, e.ResponsePagePath])).toEqual([
      [403, 200, '/index.html'],
      [404, 200, '/index.html'],
    ]);
    expect(template.Outputs.WebUrl.Value).toEqual({ 'Fn::Sub': 'https://${WebDistribution.DomainName}/' });
  });

  it("sends a CSP that lets the page reach only itself, the stage's WebSocket API and, in cognito mode, the pool", () => {
    const headers = resource('WebHeadersPolicy').Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("default-src 'self'; script-src 'self'");
    expect(csp).toContain("connect-src 'self' wss://${WebsocketsApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}");
    expect(csp).toContain('"Fn::If":["IsCognito"');
    expect(headers.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31536000);
    expect(headers.FrameOptions.FrameOption).toBe('DENY');
  });
});

describe('params that change the template', () => {
  it('authMode alone picks the identity source, and protectHistory=false lets a throwaway stage delete its history', async () => {
    // A JWT stage that still required ?name= would answer every $connect 401 before the authorizer ran.
    const jwt = await printService(repoRoot, { authMode: 'jwt', protectHistory: 'false' });
    expect(jwt.functions.connect.events[0].websocket.authorizer.identitySource).toEqual([
      'route.request.querystring.token',
    ]);
    expect(jwt.resources.Resources.MessagesTable).toMatchObject({
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    expect(String(jwt.resources.Resources.MessagesTable.Properties.DeletionProtectionEnabled)).toBe('false');
    // cognito: JWT mode whose issuer, audience and key set are the stack's own user pool and app client.
    const cognito = await printService(repoRoot, { authMode: 'cognito' });
    expect(cognito.functions.connect.events[0].websocket.authorizer.identitySource).toEqual([
      'route.request.querystring.token',
    ]);
    const env = cognito.provider.environment;
    expect(env).toMatchObject({
      AUTH_MODE: 'jwt',
      JWT_ISSUER: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}' },
      JWT_AUDIENCE: { Ref: 'UserPoolClient' },
      JWKS_URI: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}/.well-known/jwks.json' },
    });
    const unknown = await printService(repoRoot, { authMode: 'password' }).then(
      () => 'resolved',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    expect(unknown).toMatch(
      /Cannot resolve variable at "functions\.connect\.events\.0\.websocket\.authorizer\.identitySource/,
    );
  }, 240_000);

  it('fanoutMemorySize sizes the large-room workers alone (docs/PERFORMANCE.md#memory-of-send-and-fanout)', async () => {
    const service = await printService(repoRoot, { fanoutMemorySize: '512' });
    expect(Number(service.functions.fanout.memorySize)).toBe(512);
    expect(service.provider.memorySize).toBe(512); // the route handlers', unchanged by the param
    const other = Object.entries(service.functions as Record<string, { memorySize?: unknown }>).filter(
      ([name, fn]) => name !== 'fanout' && fn.memorySize !== undefined,
    );
    expect(other).toEqual([]);
  }, 120_000);
});
