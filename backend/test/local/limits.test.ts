import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../src/local/gateway.js';
import { AWS_LIMITS } from '../../src/local/limits.js';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';
import { records } from './fixtures/handlers/recorder.js';
import { eventually, openClient, silentLogger, type OpenClient } from './helpers.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');
const gateways: Gateway[] = [];
const clients: OpenClient[] = [];

async function gatewayWith(idleTimeoutMs: number, maxLifetimeMs: number): Promise<Gateway> {
  const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
  const gateway = await startGateway({
    config,
    serverlessFile: FIXTURE,
    port: 0,
    logger: silentLogger,
    limits: { idleTimeoutMs, maxLifetimeMs },
  });
  gateways.push(gateway);
  return gateway;
}

async function connect(gateway: Gateway): Promise<{ client: OpenClient; connectionId: string }> {
  const before = records().length;
  const client = await openClient(`${gateway.wsUrl}/?name=limits`);
  clients.push(client);
  const connectionId = records()
    .slice(before)
    .find((r) => r.fn === 'connect')!.event.requestContext.connectionId as string;
  return { client, connectionId };
}

const disconnectOf = (connectionId: string) =>
  eventually(
    () => records().find((r) => r.fn === 'disconnect' && r.event.requestContext.connectionId === connectionId)?.event,
    '$disconnect',
  );

let shortIdle: Gateway;
let shortLife: Gateway;

beforeAll(async () => {
  shortIdle = await gatewayWith(300, 60_000);
  shortLife = await gatewayWith(60_000, 500);
  // Warm the echo handler (module import is cached process-wide) so a cold start cannot eat the idle budget.
  const { client } = await connect(await gatewayWith(60_000, 60_000));
  client.ws.send('{"action":"echo"}');
  await client.next();
  client.ws.close();
});

afterAll(async () => {
  for (const client of clients) client.ws.terminate();
  await Promise.all(gateways.map((g) => g.close()));
});

describe('API Gateway quotas', () => {
  it('defaults to the documented values', () => {
    expect(AWS_LIMITS).toEqual({
      maxMessageBytes: 131_072,
      maxFrameBytes: 32_768,
      idleTimeoutMs: 600_000,
      maxLifetimeMs: 7_200_000,
      maxPostBytes: 131_072,
      integrationTimeoutMs: 29_000,
      maxSyncPayloadBytes: 6_291_456,
      maxSyncResponseBytes: 6_291_556,
      maxAsyncPayloadBytes: 262_144,
    });
  });

  it('closes an idle connection with 1001 "Going away" and reports it to $disconnect', async () => {
    const { client, connectionId } = await connect(shortIdle);
    const started = Date.now();
    expect(await client.closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await disconnectOf(connectionId)).requestContext).toMatchObject({
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    });
  });

  it('keeps a connection alive while the client sends messages', async () => {
    const { client } = await connect(shortIdle);
    for (let i = 0; i < 8; i += 1) {
      client.ws.send('{"action":"echo"}');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
  });

  it('keeps a connection alive while the server posts to it', async () => {
    const { client, connectionId } = await connect(shortIdle);
    const managementUrl = shortIdle.wsUrl.replace('ws:', 'http:');
    for (let i = 0; i < 8; i += 1) {
      await fetch(`${managementUrl}/@connections/${encodeURIComponent(connectionId)}`, {
        method: 'POST',
        body: 'keep-alive',
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
  });

  it('closes a busy connection with 1001 once the maximum lifetime is reached', async () => {
    const { client, connectionId } = await connect(shortLife);
    const timer = setInterval(
      () => client.ws.readyState === client.ws.OPEN && client.ws.send('{"action":"nothing-routes-here"}'),
      50,
    );
    try {
      expect(await client.closed).toEqual({ code: 1001, reason: 'Going away' });
    } finally {
      clearInterval(timer);
    }
    expect((await disconnectOf(connectionId)).requestContext.disconnectStatusCode).toBe(1001);
  });

  it('closes open connections with 1001 and runs $disconnect when the gateway stops', async () => {
    const gateway = await gatewayWith(60_000, 60_000);
    const { client, connectionId } = await connect(gateway);
    await gateway.close();
    expect((await client.closed).code).toBe(1001);
    expect((await disconnectOf(connectionId)).requestContext.disconnectStatusCode).toBe(1001);
  });
});
