import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { startGateway, type Gateway } from '../../src/local/gateway.js';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';

/** Bounded waits for real sockets: every helper rejects after `timeoutMs` instead of hanging the suite. */
export const WAIT_MS = 5_000;

export function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface OpenClient {
  ws: WebSocket;
  /** Next text frame, in arrival order. */
  next(): Promise<string>;
  nextJson<T = any>(): Promise<T>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Resolves with an open client, or rejects with the HTTP status of a refused handshake. */
export function openClient(
  url: string,
  options: WebSocket.ClientOptions & { protocols?: string[] } = {},
): Promise<OpenClient> {
  const ws = new WebSocket(url, options.protocols, options);
  const queue: string[] = [];
  const waiters: Array<(frame: string) => void> = [];
  ws.on('message', (data) => {
    const frame = data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(frame);
    else queue.push(frame);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const next = () =>
    withTimeout(
      new Promise<string>((resolve) => {
        const queued = queue.shift();
        if (queued !== undefined) resolve(queued);
        else waiters.push(resolve);
      }),
      'a frame',
    );
  return withTimeout(
    new Promise<OpenClient>((resolve, reject) => {
      ws.once('open', () => resolve({ ws, next, nextJson: async () => JSON.parse(await next()), closed }));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
        res.resume();
        ws.terminate();
      });
      ws.once('error', reject);
    }),
    `open ${url}`,
  );
}

/** The HTTP status a refused handshake got (fails the test if the socket opened). */
export async function refusedStatus(url: string): Promise<number> {
  try {
    const client = await openClient(url);
    client.ws.terminate();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== undefined) return status;
    throw error;
  }
  throw new Error(`expected ${url} to be refused, but it opened`);
}

/** Polls `check` (sync or async) until it returns a value (not undefined), bounded. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Awaited: an async check returns a promise, which is never undefined, so it used to pass at once.
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const silentLogger = { info() {}, warn() {}, error() {} };

export interface LocalMain {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Runs `npm start -w backend -- <args>` (src/local/main.ts) as a child process with `env` on top of this one's, and
 * resolves once it printed its banner (or kills it and throws). The caller stops it (SIGINT for a clean stop)
 * and must SIGKILL it in afterAll if a test failed first. In memory unless `env` or `args` say otherwise, so tests
 * never write into the repository's .local-data.
 */
export async function startLocalMain(
  env: Record<string, string>,
  timeoutMs = 20_000,
  args: string[] = [],
): Promise<LocalMain> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts', ...args], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, LOCAL_IN_MEMORY: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const main = { child, output: () => output, exited };
  const deadline = Date.now() + timeoutMs;
  while (!output.includes('Ctrl-C to stop')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`local main printed no banner within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return main;
}

/** The fixture API (test/local/fixtures/serverless.yml) that the gateway tests serve. */
export const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');

/**
 * Starts the local gateway on the fixture API before a file's tests and stops it after them, terminating the
 * clients the tests opened first.
 */
export function useFixtureGateway(): { gateway: () => Gateway; clients: OpenClient[] } {
  let gateway: Gateway | undefined;
  const clients: OpenClient[] = [];
  beforeAll(async () => {
    const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
    gateway = await startGateway({ config, serverlessFile: FIXTURE, port: 0, logger: silentLogger });
  });
  afterAll(async () => {
    for (const client of clients) client.ws.terminate();
    await gateway?.close();
  });
  return {
    gateway: () => {
      if (gateway === undefined) throw new Error('the fixture gateway starts in beforeAll');
      return gateway;
    },
    clients,
  };
}
