import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/local/gateway.js';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';
import { startBarrier, type Barrier } from './barrier.js';
import { eventually, silentLogger } from './helpers.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');
/** Long enough for cold thread starts (tsx + the SDK) on a loaded CI machine. */
const THREAD_WAIT_MS = 20_000;

let gateway: Gateway | undefined;
let lambda: LambdaClient | undefined;
let barrier: Barrier;

async function start(options: Partial<GatewayOptions>): Promise<Gateway> {
  const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
  gateway = await startGateway({ config, serverlessFile: FIXTURE, port: 0, logger: silentLogger, ...options });
  lambda = new LambdaClient({
    endpoint: gateway.managementUrl,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  return gateway;
}

async function invokeEvent(tag: string): Promise<string> {
  const Payload = Buffer.from(JSON.stringify({ url: barrier.url, tag }));
  const output = await lambda!.send(
    new InvokeCommand({ FunctionName: 'fixture-test-report', InvocationType: 'Event', Payload }),
  );
  expect(output.StatusCode).toBe(202);
  return output.$metadata.requestId!;
}

const arrivals = (count: number) =>
  eventually(
    () => (barrier.arrived.length >= count ? [...barrier.arrived] : undefined),
    `${count} arrivals`,
    THREAD_WAIT_MS,
  );
const finished = (count: number) =>
  eventually(
    () => (barrier.done.length >= count ? [...barrier.done] : undefined),
    `${count} finished invocations`,
    THREAD_WAIT_MS,
  );

beforeEach(async () => {
  barrier = await startBarrier();
});

afterEach(async () => {
  lambda?.destroy();
  await gateway?.close();
  await barrier.close();
  gateway = undefined;
});

describe('Event invocations in worker threads', () => {
  it('run in a worker thread with the Lambda environment and context', async () => {
    const gw = await start({ asyncWorkers: 1 });
    const requestId = await invokeEvent('first');
    const [report] = await arrivals(1);
    expect(report).toMatchObject({
      tag: 'first',
      requestId,
      functionName: 'fixture-test-report',
      lambdaEndpoint: gw.managementUrl,
      greeting: 'hello-test',
    });
    expect(Number(report!.thread)).toBeGreaterThan(0);
    // The function's own 5 s timeout.
    expect(Number(report!.remaining)).toBeGreaterThan(1_000);
    expect(Number(report!.remaining)).toBeLessThanOrEqual(5_000);
    barrier.release();
    await finished(1);
  });

  it('keep module state per thread: a warm thread reuses its module, the main thread has its own', async () => {
    await start({ asyncWorkers: 1 });
    barrier.release();
    await invokeEvent('a');
    await finished(1);
    await invokeEvent('b');
    const [a, b] = await finished(2);
    expect(b!.thread).toBe(a!.thread);
    expect([a!.invocations, b!.invocations]).toEqual(['1', '2']);

    // RequestResponse runs in-process (thread 0) and has never loaded the module before.
    const Payload = Buffer.from(JSON.stringify({ url: barrier.url, tag: 'sync' }));
    const output = await lambda!.send(new InvokeCommand({ FunctionName: 'report', Payload }));
    expect(output.FunctionError).toBeUndefined();
    expect(barrier.done.find((r) => r.tag === 'sync')).toMatchObject({ thread: '0', invocations: '1' });
  });

  it('spread over up to asyncWorkers threads and queue when every slot is busy', async () => {
    await start({ asyncWorkers: 2, asyncConcurrencyPerWorker: 1 });
    for (const tag of ['q1', 'q2', 'q3']) await invokeEvent(tag);
    const running = await arrivals(2);
    expect(new Set(running.map((r) => r.thread)).size).toBe(2);
    // Give the third a fair chance to start, which it must not: both slots are held at the barrier.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(barrier.arrived).toHaveLength(2);

    barrier.release();
    const done = await finished(3);
    expect(done.map((r) => r.tag).sort()).toEqual(['q1', 'q2', 'q3']);
    const third = done.find((r) => !running.some((s) => s.tag === r.tag))!;
    expect(running.map((r) => r.thread)).toContain(third.thread);
  });

  it('overlap up to asyncConcurrencyPerWorker invocations in one thread', async () => {
    await start({ asyncWorkers: 1, asyncConcurrencyPerWorker: 2 });
    for (const tag of ['c1', 'c2', 'c3']) await invokeEvent(tag);
    const running = await arrivals(2);
    expect(running[0]!.thread).toBe(running[1]!.thread);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(barrier.arrived).toHaveLength(2);
    barrier.release();
    await finished(3);
  });

  it('survive a handler that throws in a timer in the same thread: only the thrower fails, like its own container', async () => {
    const logged: string[] = [];
    const record = (message: string, error?: unknown) =>
      logged.push(error instanceof Error ? `${message}: ${error.message}` : message);
    await start({
      asyncWorkers: 1,
      asyncConcurrencyPerWorker: 4,
      logger: { info: record, warn: record, error: record },
    });
    const outcome = (requestId: string) =>
      eventually(
        () => logged.find((line) => line.includes(`(${requestId}) `)),
        `the outcome of ${requestId}`,
        THREAD_WAIT_MS,
      );

    const sleepers: string[] = [];
    for (const tag of ['s1', 's2', 's3']) sleepers.push(await invokeEvent(tag));
    const running = await arrivals(3);
    expect(new Set(running.map((r) => r.thread)).size).toBe(1);

    const thrower = await lambda!.send(new InvokeCommand({ FunctionName: 'strayThrow', InvocationType: 'Event' }));
    // It never settles, so its own 1 s timeout fails it; the stray throw itself is only logged.
    expect(await outcome(thrower.$metadata.requestId!)).toMatch(/failed/);
    expect(logged).toContain('invocation worker: uncaught exception in a handler: thrown in a timer');

    barrier.release();
    for (const requestId of sleepers) expect(await outcome(requestId)).toMatch(/done$/);
    expect((await finished(3)).map((r) => r.tag).sort()).toEqual(['s1', 's2', 's3']);
  });

  it('are awaited by gateway.close()', async () => {
    const gw = await start({ asyncWorkers: 1 });
    await invokeEvent('closing');
    await arrivals(1);
    const closed = gw.close();
    gateway = undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(barrier.done).toHaveLength(0);
    barrier.release();
    await closed;
    expect(barrier.done.map((r) => r.tag)).toEqual(['closing']);
  });
});

describe('prewarmed worker threads', () => {
  it('start every thread and import the invoke-only functions before the gateway serves, none of the routes', async () => {
    barrier.release();
    process.env.LOAD_PROBE_URL = barrier.url;
    try {
      await start({ asyncWorkers: 2, prewarmAsync: true });
    } finally {
      delete process.env.LOAD_PROBE_URL;
    }
    const loads = await eventually(
      () => (barrier.arrived.length >= 2 ? barrier.arrived : undefined),
      'two module loads',
      THREAD_WAIT_MS,
    );
    expect(loads.map((r) => r.tag)).toEqual(['loaded', 'loaded']);
    expect(new Set(loads.map((r) => r.thread)).size).toBe(2);
    expect(loads.every((r) => r.thread !== '0')).toBe(true);
  });
});
