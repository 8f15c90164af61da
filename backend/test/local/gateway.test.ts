import WebSocket from 'ws';
import { beforeEach, describe, expect, it } from 'vitest';
import { records } from './fixtures/handlers/recorder.js';
import { eventually, type OpenClient, openClient, refusedStatus, useFixtureGateway } from './helpers.js';

const AWS_ID = /^[A-Za-z0-9]{15}=$/;
const REQUEST_TIME = /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const { gateway: fixtureGateway, clients } = useFixtureGateway();

async function connect(query = 'name=alice', headers: Record<string, string> = {}): Promise<OpenClient> {
  const client = await openClient(`${fixtureGateway().wsUrl}/?${query}`, {
    headers: { 'User-Agent': 'vitest-client', ...headers },
  });
  clients.push(client);
  return client;
}

/** Sends a frame to the echo fixture and returns the event it saw. */
async function echo(client: OpenClient, body: string) {
  client.ws.send(body);
  return client.nextJson<{ event: any; context: any; env: Record<string, string> }>();
}

const recordsOf = (fn: string) => records().filter((r) => r.fn === fn);
const disconnectOf = (connectionId: string) =>
  eventually(
    () => recordsOf('disconnect').find((r) => r.event.requestContext.connectionId === connectionId)?.event,
    '$disconnect',
  );

beforeEach(() => {
  records().length = 0;
});

describe('$connect', () => {
  it('builds the REQUEST authorizer event and the CONNECT event like API Gateway', async () => {
    // Prepare / Act
    const client = await connect('name=alice&tag=a&tag=b', { 'X-Custom': 'v1' });

    // Assess: the authorizer input
    const [auth] = recordsOf('authorize');
    const [conn] = recordsOf('connect');
    expect(auth?.event).toMatchObject({
      type: 'REQUEST',
      queryStringParameters: { name: 'alice', tag: 'b' },
      multiValueQueryStringParameters: { name: ['alice'], tag: ['a', 'b'] },
      stageVariables: {},
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage: 'test' },
    });
    expect(auth!.event.methodArn).toMatch(/^arn:aws:execute-api:us-east-1:123456789012:[a-z0-9]{10}\/test\/\$connect$/);
    expect(auth!.event.requestContext.authorizer).toBeUndefined();

    // Assess: the $connect event
    const event = conn!.event;
    const ctx = event.requestContext;
    expect(Object.keys(event).sort()).toEqual(
      [
        'headers',
        'isBase64Encoded',
        'multiValueHeaders',
        'multiValueQueryStringParameters',
        'queryStringParameters',
        'requestContext',
      ].sort(),
    );
    expect(event.isBase64Encoded).toBe(false);
    expect(event.headers).toMatchObject({
      'X-Custom': 'v1',
      'User-Agent': 'vitest-client',
      'Sec-WebSocket-Version': '13',
      'X-Forwarded-For': '127.0.0.1',
      'X-Forwarded-Proto': 'http',
    });
    expect(event.headers['Sec-WebSocket-Key']).toEqual(expect.any(String));
    expect(event.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(Object.keys(event.headers).map((h) => h.toLowerCase())).not.toContain('upgrade');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['v1']);
    expect(event.queryStringParameters).toEqual({ name: 'alice', tag: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ name: ['alice'], tag: ['a', 'b'] });
    expect(ctx).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      stage: 'test',
      identity: { sourceIp: '127.0.0.1', userAgent: 'vitest-client' },
      apiId: expect.stringMatching(/^[a-z0-9]{10}$/),
      domainName: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      // Context values arrive stringified, as API Gateway passes them to Lambda proxy integrations.
      authorizer: { principalId: 'user-alice', userId: 'u-alice', name: 'alice', admin: 'false', level: '3' },
    });
    expect(ctx.authorizer.integrationLatency).toEqual(expect.any(Number));
    expect(ctx.connectionId).toMatch(AWS_ID);
    expect(ctx.requestId).toMatch(AWS_ID);
    expect(ctx.extendedRequestId).toBe(ctx.requestId);
    expect(ctx.requestId).toBe(auth!.event.requestContext.requestId);
    expect(ctx.connectionId).toBe(auth!.event.requestContext.connectionId);
    expect(ctx.requestTime).toMatch(REQUEST_TIME);
    expect(ctx.requestTimeEpoch).toBe(ctx.connectedAt);
    expect(Math.abs(ctx.connectedAt - Date.now())).toBeLessThan(5_000);
    expect(ctx).not.toHaveProperty('messageId');
    expect(ctx).not.toHaveProperty('disconnectStatusCode');

    // Assess: the Lambda context
    expect(conn!.context).toMatchObject({
      functionName: 'fixture-test-connect',
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      callbackWaitsForEmptyEventLoop: true,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fixture-test-connect',
      awsRequestId: expect.stringMatching(UUID),
    });
    client.ws.close();
  });

  it('refuses 401 without calling the authorizer when the identity source is missing or empty', async () => {
    expect(await refusedStatus(`${fixtureGateway().wsUrl}/`)).toBe(401);
    expect(await refusedStatus(`${fixtureGateway().wsUrl}/?name=`)).toBe(401);
    expect(await refusedStatus(`${fixtureGateway().wsUrl}/?other=alice`)).toBe(401);
    expect(recordsOf('authorize')).toHaveLength(0);
    expect(recordsOf('connect')).toHaveLength(0);
  });

  it('maps authorizer outcomes to 403 (Deny), 401 (Unauthorized) and 500 (other error)', async () => {
    expect(await refusedStatus(`${fixtureGateway().wsUrl}/?name=deny`)).toBe(403);
    expect(await refusedStatus(`${fixtureGateway().wsUrl}/?name=unauthorized`)).toBe(401);
    expect(await refusedStatus(`${fixtureGateway().wsUrl}/?name=crash`)).toBe(500);
    expect(recordsOf('authorize')).toHaveLength(3);
    expect(recordsOf('connect')).toHaveLength(0);
  });

  it('refuses the upgrade with the $connect status code, or 500 when $connect throws', async () => {
    expect(await refusedStatus(`${fixtureGateway().wsUrl}/?name=bad`)).toBe(400);
    expect(await refusedStatus(`${fixtureGateway().wsUrl}/?name=crash-connect`)).toBe(500);
    expect(recordsOf('connect')).toHaveLength(2);
  });

  it('answers 410 to @connections posts made during $connect: the connection does not exist yet', async () => {
    const client = await connect('name=selfpost');
    expect(recordsOf('selfpost')[0]?.event).toEqual({ outcome: 'GoneException 410' });
    client.ws.send('{"action":"echo"}');
    await client.next();
    client.ws.close();
  });

  it('runs $disconnect (1006) when the client leaves while $connect is still running', async () => {
    const ws = new WebSocket(`${fixtureGateway().wsUrl}/?name=slowconnect`);
    ws.on('error', () => undefined);
    const connectionId = await eventually(
      () => recordsOf('connect')[0]?.event.requestContext.connectionId as string | undefined,
      '$connect',
    );
    ws.terminate();
    expect((await disconnectOf(connectionId)).requestContext).toMatchObject({ disconnectStatusCode: 1006 });
  });

  it('only accepts a requested subprotocol when $connect returns it', async () => {
    await expect(openClient(`${fixtureGateway().wsUrl}/?name=alice`, { protocols: ['chat.v1'] })).rejects.toThrow();
    const client = await openClient(`${fixtureGateway().wsUrl}/?name=alice&proto=chat.v1`, { protocols: ['chat.v1'] });
    clients.push(client);
    expect(client.ws.protocol).toBe('chat.v1');
    client.ws.close();
  });
});

describe('MESSAGE', () => {
  it('builds the MESSAGE event with the connection authorizer context and runs handlers with the Lambda env', async () => {
    const client = await connect('name=bob');
    const connectCtx = recordsOf('connect')[0]!.event.requestContext;

    const body = JSON.stringify({ action: 'echo', text: 'hi' });
    const { event, context, env } = await echo(client, body);

    const ctx = event.requestContext;
    expect(Object.keys(event).sort()).toEqual(['body', 'isBase64Encoded', 'requestContext']);
    expect(event.body).toBe(body);
    expect(event.isBase64Encoded).toBe(false);
    expect(ctx).toMatchObject({
      routeKey: 'echo',
      eventType: 'MESSAGE',
      messageDirection: 'IN',
      stage: 'test',
      connectionId: connectCtx.connectionId,
      connectedAt: connectCtx.connectedAt,
      apiId: connectCtx.apiId,
      domainName: connectCtx.domainName,
      identity: { sourceIp: '127.0.0.1', userAgent: 'vitest-client' },
      authorizer: connectCtx.authorizer,
    });
    expect(ctx.messageId).toMatch(AWS_ID);
    expect(ctx.requestId).toMatch(AWS_ID);
    expect(ctx.requestId).not.toBe(connectCtx.requestId);
    expect(ctx.extendedRequestId).toBe(ctx.requestId);
    expect(ctx.requestTime).toMatch(REQUEST_TIME);
    expect(ctx.requestTimeEpoch).toBeGreaterThanOrEqual(ctx.connectedAt);
    expect(ctx).not.toHaveProperty('disconnectStatusCode');

    expect(context).toMatchObject({
      functionName: 'fixture-test-echo',
      memoryLimitInMB: '256',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.awsRequestId).toMatch(UUID);
    expect(context.remaining).toBeGreaterThan(0);
    expect(context.remaining).toBeLessThanOrEqual(1_000);
    expect(env.FIXTURE_GREETING).toBe('hello-test');
    client.ws.close();
  });

  it.each([
    ['an action naming a route', '{"action":"echo"}', 'echo'],
    ['a nested object without action', '{"type":"echo"}', '$default'],
    ['an unknown action', '{"action":"nope"}', '$default'],
    ['a non-string action', '{"action":5}', '$default'],
    ['a special route key as action', '{"action":"$connect"}', '$default'],
    ['a JSON array', '["echo"]', '$default'],
    ['a JSON string', '"echo"', '$default'],
    ['text that is not JSON', 'hello', '$default'],
    ['an empty frame', '', '$default'],
  ])('routes %s to %s', async (_name, body, routeKey) => {
    const client = await connect();
    const { event } = await echo(client, body);
    expect(event.requestContext.routeKey).toBe(routeKey);
    expect(event.body).toBe(body);
    client.ws.close();
  });

  it('sends AWS\'s "Internal server error" frame when a route throws, and keeps the connection open', async () => {
    const client = await connect();
    client.ws.send('{"action":"boom"}');
    const frame = await client.next();
    expect(frame).toMatch(
      /^\{"message": "Internal server error", "connectionId":"[A-Za-z0-9]{15}=", "requestId":"[A-Za-z0-9]{15}="\}$/,
    );
    expect(JSON.parse(frame).connectionId).toBe(recordsOf('connect')[0]!.event.requestContext.connectionId);
    const { event } = await echo(client, '{"action":"echo"}');
    expect(event.requestContext.routeKey).toBe('echo');
    client.ws.close();
  });

  it('treats a handler outliving the function timeout as a Lambda error', async () => {
    const client = await connect();
    client.ws.send('{"action":"slow"}');
    expect(JSON.parse(await client.next())).toMatchObject({ message: 'Internal server error' });
    client.ws.close();
  });

  it('closes with 1003 on a binary frame (API Gateway does not accept them)', async () => {
    const client = await connect();
    const connectionId = recordsOf('connect')[0]!.event.requestContext.connectionId;
    client.ws.send(Buffer.from('{"action":"echo"}'), { binary: true });
    expect((await client.closed).code).toBe(1003);
    expect((await disconnectOf(connectionId)).requestContext.disconnectStatusCode).toBe(1003);
    expect(recordsOf('echo')).toHaveLength(0);
  });

  it('closes with 1009 when a single frame exceeds 32 KB, and accepts exactly 32 KB', async () => {
    const client = await connect();
    const connectionId = recordsOf('connect')[0]!.event.requestContext.connectionId;
    const { event } = await echo(client, 'x'.repeat(32 * 1024));
    expect(event.body).toHaveLength(32 * 1024);

    client.ws.send('x'.repeat(32 * 1024 + 1));
    expect((await client.closed).code).toBe(1009);
    expect((await disconnectOf(connectionId)).requestContext).toMatchObject({ disconnectStatusCode: 1009 });
    expect(recordsOf('echo')).toHaveLength(1);
  });

  it('accepts a 128 KB message split into 32 KB frames, and closes with 1009 above 128 KB', async () => {
    const client = await connect();
    const connectionId = recordsOf('connect')[0]!.event.requestContext.connectionId;
    const sendFragmented = (total: number) => {
      for (let sent = 0; sent < total; sent += 32 * 1024) {
        const size = Math.min(32 * 1024, total - sent);
        client.ws.send('x'.repeat(size), { fin: sent + size >= total });
      }
    };
    sendFragmented(128 * 1024);
    // Echoing a 128 KB body back exceeds the @connections limit, so the handler fails: the point is the message arrived.
    expect(JSON.parse(await client.next())).toMatchObject({ message: 'Internal server error' });
    expect(recordsOf('echo')[0]!.event.body).toHaveLength(128 * 1024);

    sendFragmented(128 * 1024 + 1);
    expect((await client.closed).code).toBe(1009);
    expect((await disconnectOf(connectionId)).requestContext).toMatchObject({ disconnectStatusCode: 1009 });
  });
});

describe('$disconnect', () => {
  it('builds the DISCONNECT event with the client close code and reason', async () => {
    const client = await connect('name=carol');
    const connectCtx = recordsOf('connect')[0]!.event.requestContext;
    client.ws.close(4000, 'bye');
    const event = await disconnectOf(connectCtx.connectionId);
    expect(Object.keys(event).sort()).toEqual(['headers', 'isBase64Encoded', 'multiValueHeaders', 'requestContext']);
    expect(event.headers).toEqual({
      Host: connectCtx.domainName,
      'x-api-key': '',
      'X-Forwarded-For': '',
      'x-restapi': '',
    });
    expect(event.multiValueHeaders.Host).toEqual([connectCtx.domainName]);
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('body');
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      messageDirection: 'IN',
      disconnectStatusCode: 4000,
      disconnectReason: 'bye',
      connectionId: connectCtx.connectionId,
      connectedAt: connectCtx.connectedAt,
      authorizer: connectCtx.authorizer,
      identity: connectCtx.identity,
      stage: 'test',
    });
    expect(event.requestContext.requestId).toMatch(AWS_ID);
    expect(event.requestContext.requestTime).toMatch(REQUEST_TIME);
    expect(event.requestContext).not.toHaveProperty('messageId');
  });

  it('reports 1005 when the client closes without a status code', async () => {
    const client = await connect();
    const connectionId = recordsOf('connect')[0]!.event.requestContext.connectionId;
    client.ws.close();
    expect((await disconnectOf(connectionId)).requestContext).toMatchObject({
      disconnectStatusCode: 1005,
      disconnectReason: 'Client-side close frame status not set',
    });
  });

  it('reports 1006 when the TCP connection drops without a close frame', async () => {
    const client = await connect();
    const connectionId = recordsOf('connect')[0]!.event.requestContext.connectionId;
    client.ws.terminate();
    expect((await disconnectOf(connectionId)).requestContext.disconnectStatusCode).toBe(1006);
  });
});

describe('HTTP', () => {
  it('serves a hint on GET / and 404 elsewhere', async () => {
    const root = await fetch(`${fixtureGateway().managementUrl}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain(fixtureGateway().wsUrl);
    expect((await fetch(`${fixtureGateway().managementUrl}/nope`)).status).toBe(404);
  });
});
