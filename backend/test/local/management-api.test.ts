import path from 'node:path';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { startGateway, type Gateway } from '../../src/local/gateway.js';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';
import { records } from './fixtures/handlers/recorder.js';
import { eventually, openClient, silentLogger, type OpenClient } from './helpers.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');

let gateway: Gateway;
let sdk: ApiGatewayManagementApiClient;
const clients: OpenClient[] = [];

async function connect(): Promise<{ client: OpenClient; connectionId: string }> {
  const before = records().length;
  const client = await openClient(`${gateway.wsUrl}/?name=mgmt`, { headers: { 'User-Agent': 'mgmt-test' } });
  clients.push(client);
  const connectionId = records()
    .slice(before)
    .find((r) => r.fn === 'connect')!.event.requestContext.connectionId as string;
  return { client, connectionId };
}

beforeAll(async () => {
  const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
  gateway = await startGateway({ config, serverlessFile: FIXTURE, port: 0, logger: silentLogger });
  sdk = new ApiGatewayManagementApiClient({
    endpoint: gateway.managementUrl,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  sdk?.destroy();
  for (const client of clients) client.ws.terminate();
  await gateway?.close();
});

beforeEach(() => {
  records().length = 0;
});

describe('@connections with the real AWS SDK', () => {
  it('PostToConnection delivers a text frame', async () => {
    const { client, connectionId } = await connect();
    const output = await sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"type":"pong"}' }));
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(await client.next()).toBe('{"type":"pong"}');
  });

  it('GetConnection returns connectedAt, identity and lastActiveAt', async () => {
    const { client, connectionId } = await connect();
    const connectedAt = records().find((r) => r.fn === 'connect')!.event.requestContext.connectedAt as number;
    client.ws.send('{"action":"echo"}');
    await client.next();

    const output = await sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(output.ConnectedAt?.getTime()).toBe(connectedAt);
    expect(output.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'mgmt-test' });
    expect(output.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(connectedAt);
  });

  it('DeleteConnection closes the socket (204), runs $disconnect with 1000, then the id is gone (410)', async () => {
    const { client, connectionId } = await connect();
    const output = await sdk.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(output.$metadata.httpStatusCode).toBe(204);
    expect((await client.closed).code).toBe(1000);
    const disconnect = await eventually(() => records().find((r) => r.fn === 'disconnect')?.event, '$disconnect');
    expect(disconnect.requestContext).toMatchObject({
      connectionId,
      disconnectStatusCode: 1000,
      disconnectReason: 'Connection Closed Normally',
    });

    const error = await sdk
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneException);
    expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
  });

  it.each([
    ['PostToConnection', () => new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' })],
    ['GetConnection', () => new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' })],
    ['DeleteConnection', () => new DeleteConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' })],
  ])('%s on an unknown id raises GoneException with httpStatusCode 410', async (_name, command) => {
    const error = await sdk.send(command() as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneException);
    expect((error as GoneException).name).toBe('GoneException');
    expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
  });

  it('PostToConnection over 128 KB raises PayloadTooLargeException (413) and delivers nothing', async () => {
    const { client, connectionId } = await connect();
    const error = await sdk
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x'.repeat(128 * 1024 + 1) }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeException);
    expect((error as PayloadTooLargeException).$metadata.httpStatusCode).toBe(413);

    await sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x'.repeat(128 * 1024) }));
    expect(await client.next()).toHaveLength(128 * 1024);
  });
});

describe('@connections over plain HTTP', () => {
  it('accepts %40connections and a /{stage} prefix', async () => {
    const { client, connectionId } = await connect();
    const id = encodeURIComponent(connectionId);
    expect((await fetch(`${gateway.managementUrl}/%40connections/${id}`, { method: 'POST', body: 'one' })).status).toBe(
      200,
    );
    expect(
      (await fetch(`${gateway.managementUrl}/test/@connections/${id}`, { method: 'POST', body: 'two' })).status,
    ).toBe(200);
    expect([await client.next(), await client.next()]).toEqual(['one', 'two']);
  });

  it('answers 410 with x-amzn-ErrorType: GoneException', async () => {
    const res = await fetch(`${gateway.managementUrl}/@connections/unknown`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(410);
    expect(res.headers.get('x-amzn-errortype')).toBe('GoneException');
    expect(await res.json()).toEqual({ message: null });
  });

  it('answers 413 with x-amzn-ErrorType: PayloadTooLargeException', async () => {
    const res = await fetch(`${gateway.managementUrl}/@connections/unknown`, {
      method: 'POST',
      body: 'x'.repeat(128 * 1024 + 1),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('x-amzn-errortype')).toBe('PayloadTooLargeException');
  });

  it('counts @connections posts as activity (lastActiveAt moves)', async () => {
    const { connectionId } = await connect();
    const first = await sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x' }));
    const second = await sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(second.LastActiveAt!.getTime()).toBeGreaterThan(first.LastActiveAt!.getTime());
  });
});
