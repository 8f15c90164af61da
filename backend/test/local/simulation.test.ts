import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulationOptions } from '../../src/local/callback-simulation.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { startGateway, type Gateway } from '../../src/local/gateway.js';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';
import { records } from './fixtures/handlers/recorder.js';
import { openClient, silentLogger, type OpenClient } from './helpers.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');

let gateway: Gateway | undefined;
let sdk: ApiGatewayManagementApiClient | undefined;
const clients: OpenClient[] = [];

async function start(simulation: SimulationOptions): Promise<Gateway> {
  const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
  gateway = await startGateway({ config, serverlessFile: FIXTURE, port: 0, logger: silentLogger, simulation });
  sdk = new ApiGatewayManagementApiClient({
    endpoint: gateway.managementUrl,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    // One attempt: the SDK would otherwise retry a 429 with backoff and hide it.
    maxAttempts: 1,
  });
  return gateway;
}

async function connect(): Promise<{ client: OpenClient; connectionId: string }> {
  const before = records().length;
  const client = await openClient(`${gateway!.wsUrl}/?name=sim`);
  clients.push(client);
  const connectionId = records()
    .slice(before)
    .find((r) => r.fn === 'connect')!.event.requestContext.connectionId as string;
  return { client, connectionId };
}

async function timed<T>(call: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

afterEach(async () => {
  sdk?.destroy();
  for (const client of clients.splice(0)) client.ws.terminate();
  await gateway?.close();
  gateway = undefined;
});

describe('@connections latency simulation', () => {
  it('delays every call by at least mean - jitter before it acts', async () => {
    await start({ postLatency: { meanMs: 150, jitterMs: 50 } });
    const { client, connectionId } = await connect();
    // Timers may fire up to a millisecond early relative to performance.now().
    const minimum = 100 - 2;

    expect(
      await timed(() => sdk!.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' }))),
    ).toBeGreaterThanOrEqual(minimum);
    expect(await client.next()).toBe('late');
    expect(
      await timed(() => sdk!.send(new GetConnectionCommand({ ConnectionId: connectionId }))),
    ).toBeGreaterThanOrEqual(minimum);
    expect(
      await timed(() => sdk!.send(new DeleteConnectionCommand({ ConnectionId: connectionId }))),
    ).toBeGreaterThanOrEqual(minimum);
    expect((await client.closed).code).toBe(1000);
  });
});

describe('@connections throttling simulation', () => {
  it('answers 429 LimitExceededException once the burst is spent, and the real SDK raises it', async () => {
    await start({ callbackRps: 1, callbackBurst: 2 });
    const { client, connectionId } = await connect();
    await sdk!.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'one' }));
    await sdk!.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'two' }));
    const error = await sdk!
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'three' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitExceededException);
    expect((error as LimitExceededException).$metadata.httpStatusCode).toBe(429);
    expect((error as Error).message).toBe('Rate exceeded');
    expect([await client.next(), await client.next()]).toEqual(['one', 'two']);
  });

  it('sends the AWS headers and body, and counts GET and DELETE too', async () => {
    await start({ callbackRps: 1, callbackBurst: 1 });
    const { connectionId } = await connect();
    await sdk!.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    const res = await fetch(`${gateway!.managementUrl}/@connections/${encodeURIComponent(connectionId)}`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-amzn-errortype')).toBe('LimitExceededException');
    expect(await res.json()).toEqual({ message: 'Rate exceeded' });
  });

  it('is off by default', async () => {
    await start({});
    const { client, connectionId } = await connect();
    for (let i = 0; i < 50; i++)
      await sdk!.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: `${i}` }));
    for (let i = 0; i < 50; i++) expect(await client.next()).toBe(`${i}`);
  });
});
