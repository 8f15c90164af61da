import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startLocalStack, type LocalStack } from '@chat/backend/local';
import { formatHandshakes } from '../../src/handshakes/report.js';
import { runHandshakes, type HandshakeOptions } from '../../src/handshakes/run.js';

const options = (url: string, connections: number, ratePerSecond: number): HandshakeOptions => ({
  url,
  connections,
  ratePerSecond,
  connectTimeoutMs: 5_000,
  namePrefix: 'hs',
  sourceIps: 0,
});

describe('handshakes against the local stack', () => {
  let stack: LocalStack;
  const connects = new Map<string, number>();
  const gatewayErrors: string[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({
      host: '127.0.0.1',
      port: 0,
      dynamoPort: 0,
      params: { logLevel: 'ERROR' },
      onInvoke: (name) => void connects.set(name, (connects.get(name) ?? 0) + 1),
      logger: { info: () => undefined, warn: () => undefined, error: (m) => gatewayErrors.push(m) },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('opens every connection through the authorizer and $connect, and times each', async () => {
    const result = await runHandshakes(options(stack.wsUrl, 30, 100));
    // Not keptUp: the stack compiles each handler on its first call, which a run this short does not amortize.
    expect(result).toMatchObject({ connections: 30, opened: 30, refused: {}, network: {} });
    expect(result.handshakeMs.count).toBe(30);
    expect(result.handshakeMs.p50).toBeGreaterThan(0);
    expect(result.spanMs).toBeGreaterThan(0);
    expect([connects.get('authorize'), connects.get('connect'), connects.get('join')]).toEqual([30, 30, undefined]);
    expect(gatewayErrors).toEqual([]);
    expect(formatHandshakes(result)).toContain('opened       30, refused none, network errors none');
  });
});

describe('handshakes against targets that refuse or queue', () => {
  let server: Server;
  let wss: WebSocketServer;
  const sockets: Socket[] = [];
  const url = () => `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const listen = async (
    verify: (name: string, done: (ok: boolean, status?: number) => void) => void,
  ): Promise<void> => {
    server = createServer();
    server.on('connection', (socket) => sockets.push(socket));
    wss = new WebSocketServer({
      server,
      verifyClient: (info, done) => verify(new URL(info.req.url!, 'http://x').searchParams.get('name')!, done),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  };
  afterEach(async () => {
    for (const client of wss?.clients ?? []) client.terminate();
    for (const socket of sockets.splice(0)) socket.destroy(); // upgrades a test left unanswered
    await new Promise((resolve) => wss?.close(resolve));
    await new Promise((resolve) => server?.close(resolve));
  });

  it('a target that answers at once keeps up', async () => {
    await listen((_name, done) => done(true));
    // 100 over about 1 s: a busy test machine may answer one late by tens of ms and still be within 95%.
    const result = await runHandshakes(options(url(), 100, 100));
    expect(result).toMatchObject({ opened: 100, refused: {}, network: {}, keptUp: true });
    expect(result.acceptedPerSecond).toBeGreaterThanOrEqual(95);
  });

  it('counts refusals by status, and a refusal means it did not keep up', async () => {
    await listen((name, done) => (name.endsWith('3') ? done(false, 401) : done(true)));
    const result = await runHandshakes(options(url(), 20, 200));
    expect(result).toMatchObject({ opened: 18, refused: { '401': 2 }, network: {}, keptUp: false });
  });

  it('a target that answers one handshake per 40 ms accepts 25/s of the 200/s offered: it did not keep up', async () => {
    let queue = Promise.resolve();
    await listen((_name, done) => {
      queue = queue.then(() => new Promise((resolve) => setTimeout(resolve, 40))).then(() => done(true));
    });
    const result = await runHandshakes(options(url(), 20, 200));
    expect(result.opened).toBe(20);
    expect(result.acceptedPerSecond).toBeLessThan(26);
    expect(result.keptUp).toBe(false);
    expect(formatHandshakes(result)).toContain('did NOT keep up');
  });

  it('a timeout is a network error, never an open', async () => {
    await listen(() => undefined); // never answers
    const result = await runHandshakes({ ...options(url(), 3, 100), connectTimeoutMs: 300 });
    expect(result.opened).toBe(0);
    expect(Object.values(result.network)).toEqual([3]);
    expect(result.keptUp).toBe(false);
  });
});
