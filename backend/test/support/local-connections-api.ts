import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { ConnectionRegistry, LiveConnection } from '../../src/local/connection-registry.js';
import { AWS_LIMITS } from '../../src/local/limits.js';
import { handleManagementRequest } from '../../src/local/management-api.js';
import { parseServerFrame, type ServerFrame } from '../../src/protocol/index.js';
import { eventually, withTimeout } from '../local/helpers.js';

/** Sent straight down a socket by flush(), never by the code under test. */
const FLUSH = '__flush__';

/** A real `ws` client of the local gateway, keeping every text frame it got. */
class Client {
  readonly texts: string[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.texts.push(data.toString('utf8'));
      for (const waiter of this.waiters) waiter();
    });
  }

  /** Resolves once `count` flush markers have arrived (bounded by withTimeout). */
  untilFlushes(count: number): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.texts.filter((text) => text === FLUSH).length < count) return;
          this.waiters.delete(check);
          resolve();
        };
        this.waiters.add(check);
        check();
      }),
      'the flush marker',
    );
  }
}

/**
 * The local gateway's @connections API (src/local/management-api.ts, its connection registry and live connections)
 * on 127.0.0.1 and a free port, with real `ws` clients connecting as `?id=<connectionId>`: what the contract needs
 * to run a ConnectionGateway against the local gateway without the route handlers and the store behind $connect.
 */
export class LocalConnectionsApi {
  readonly registry = new ConnectionRegistry();
  endpoint = '';
  private readonly clients = new Map<string, Client>();
  private readonly closed = new Map<string, Promise<void>>();
  private readonly flushes = new Map<string, number>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private server: Server | undefined;

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      if (!handleManagementRequest(req, res, { registry: this.registry, maxPostBytes: AWS_LIMITS.maxPostBytes })) {
        res.writeHead(404).end();
      }
    });
    server.on('upgrade', (req, socket, head) => {
      const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('id') ?? '';
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = new LiveConnection(
          { connectionId: id, connectedAt: Date.now(), identity: { sourceIp: '127.0.0.1' } },
          ws,
          AWS_LIMITS,
        );
        this.registry.add(connection);
        this.closed.set(id, new Promise((resolve) => ws.once('close', () => resolve())));
        ws.once('close', () => this.registry.delete(id));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** A client connects and is registered under `connectionId`. */
  async open(connectionId: string): Promise<void> {
    const ws = new WebSocket(`${this.endpoint.replace('http', 'ws')}/?id=${encodeURIComponent(connectionId)}`);
    this.clients.set(connectionId, new Client(ws));
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      `open ${connectionId}`,
    );
    await eventually(() => this.registry.getOpen(connectionId), `register ${connectionId}`);
  }

  /** The client's socket dies without a close frame; resolves once the gateway has noticed. */
  async drop(connectionId: string): Promise<void> {
    this.clients.get(connectionId)?.ws.terminate();
    await withTimeout(this.closed.get(connectionId) ?? Promise.resolve(), `drop ${connectionId}`);
  }

  /**
   * The frames the client received so far, parsed: a marker sent down the same socket after them comes back
   * last, so everything the API wrote before this call has arrived when it resolves.
   */
  async received(connectionId: string): Promise<ServerFrame[]> {
    const client = this.clients.get(connectionId);
    const connection = this.registry.getOpen(connectionId);
    if (client === undefined) return [];
    if (connection !== undefined) {
      const count = (this.flushes.get(connectionId) ?? 0) + 1;
      this.flushes.set(connectionId, count);
      connection.socket.send(FLUSH);
      await client.untilFlushes(count);
    }
    return client.texts.filter((text) => text !== FLUSH).map((text) => parseServerFrame(text));
  }

  async stop(): Promise<void> {
    for (const client of this.clients.values()) client.ws.terminate();
    for (const connection of this.registry.all()) connection.dispose();
    const server = this.server;
    this.wss.close();
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
