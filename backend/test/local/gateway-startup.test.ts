import { connect, Server, type AddressInfo } from 'node:net';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { startGateway } from '../../src/local/gateway.js';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';
import { silentLogger, withTimeout } from './helpers.js';

// Whether startGateway leaves anything running when it fails to start: it returns no Gateway then, so spies on
// Server.listen and Worker.postMessage find the server and threads it started.
const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');
const THROWS_AT_LOAD = path.join(import.meta.dirname, 'fixtures', 'serverless-throws-at-load.yml');

let servers: Array<{ server: Server; port: number }>;
let posted: MockInstance<Worker['postMessage']>;

beforeEach(() => {
  servers = [];
  const listen = Server.prototype.listen;
  vi.spyOn(Server.prototype, 'listen').mockImplementation(function (this: Server, ...args: unknown[]) {
    this.once('listening', () => servers.push({ server: this, port: (this.address() as AddressInfo).port }));
    return listen.apply(this, args as Parameters<Server['listen']>);
  });
  // Prewarming posts one message to every thread it starts.
  posted = vi.spyOn(Worker.prototype, 'postMessage');
});

afterEach(async () => {
  // Stops whatever a failing startGateway left running, so a regression fails the test instead of hanging the run.
  const workers = posted.mock.contexts as Worker[];
  vi.restoreAllMocks();
  await Promise.all(workers.map((worker) => worker.terminate()));
  await Promise.all(
    servers
      .filter(({ server }) => server.listening)
      .map(({ server }) => new Promise((resolve) => server.close(resolve))),
  );
});

/** 'ECONNREFUSED' once nothing listens on the port. */
function connectOutcome(port: number): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    }),
    `a connection to port ${port}`,
  );
}

describe('startGateway failing to start', () => {
  it('closes the server and the worker threads when prewarming fails, and rejects with the load error', async () => {
    const config = await loadServerlessConfig(THROWS_AT_LOAD, { stage: 'test' });
    const started = startGateway({
      config,
      serverlessFile: THROWS_AT_LOAD,
      port: 0,
      logger: silentLogger,
      asyncWorkers: 2,
      prewarmAsync: true,
    });
    await expect(started).rejects.toThrow('fixture module failed at load');

    expect(servers).toHaveLength(1);
    const [{ server, port }] = servers as [{ server: Server; port: number }];
    expect(server.listening).toBe(false);
    expect(await connectOutcome(port)).toBe('ECONNREFUSED');
    const workers = posted.mock.contexts as Worker[];
    expect(workers).toHaveLength(2);
    // A thread that is no longer running has threadId -1.
    expect(workers.map((worker) => worker.threadId)).toEqual([-1, -1]);
  });

  it.each([
    ['asyncWorkers', -1, '>= 0'],
    ['asyncWorkers', 1.5, '>= 0'],
    ['asyncWorkers', Number.NaN, '>= 0'],
    ['asyncConcurrencyPerWorker', 0, '>= 1'],
    ['asyncConcurrencyPerWorker', 2.5, '>= 1'],
    ['asyncConcurrencyPerWorker', Number.POSITIVE_INFINITY, '>= 1'],
  ])('refuses %s: %s before it binds a port (integer %s)', async (option, value, bound) => {
    const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
    const outcome = await startGateway({
      config,
      serverlessFile: FIXTURE,
      port: 0,
      logger: silentLogger,
      [option]: value,
    }).then(
      async (gateway) => {
        await gateway.close();
        return 'started';
      },
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(RangeError);
    expect((outcome as Error).message).toBe(`${option} must be an integer ${bound}, got ${value}`);
    expect(servers).toHaveLength(0);
  });
});
