import WebSocket from 'ws';
import { parseServerFrame, type ServerFrame } from '../../src/protocol/index.js';
import { WAIT_MS, withTimeout } from '../local/helpers.js';

/**
 * A wscat-like test client: keeps every frame it received (validated against the protocol schema, so a
 * malformed server frame fails the test) and waits, bounded, for frames matching a predicate.
 */
export class ChatClient {
  readonly frames: ServerFrame[] = [];
  private readonly listeners = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(parseServerFrame(data.toString()));
      for (const listener of this.listeners) listener();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(baseUrl: string, query: string): Promise<ChatClient> {
    const ws = new WebSocket(`${baseUrl}/?${query}`);
    const client = new ChatClient(ws);
    return withTimeout(
      new Promise<ChatClient>((resolve, reject) => {
        ws.once('open', () => resolve(client));
        ws.once('unexpected-response', (_req, res) => {
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
          res.resume();
          ws.terminate();
        });
        ws.once('error', reject);
      }),
      `open ${query}`,
    );
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (already received or future) of type T matching `match`. */
  waitFor<T extends ServerFrame['type']>(
    type: T,
    match: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const find = () =>
      this.frames.find(
        (f): f is Extract<ServerFrame, { type: T }> => f.type === type && match(f as Extract<ServerFrame, { type: T }>),
      );
    return withTimeout(
      new Promise((resolve) => {
        const check = () => {
          const found = find();
          if (found === undefined) return;
          this.listeners.delete(check);
          resolve(found);
        };
        this.listeners.add(check);
        check();
      }),
      `a "${type}" frame`,
      timeoutMs,
    );
  }

  /** Frames of one type received so far. */
  all<T extends ServerFrame['type']>(type: T): Array<Extract<ServerFrame, { type: T }>> {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type);
  }

  /** Proves the connection still works after an error: a ping must come back as a pong. */
  async roundTrip(): Promise<void> {
    const before = this.all('pong').length;
    this.send({ action: 'ping' });
    await this.waitFor('pong', () => this.all('pong').length > before);
  }

  async join(room: string): Promise<Extract<ServerFrame, { type: 'joined' }>> {
    this.send({ action: 'join', room });
    return this.waitFor('joined', (f) => f.room === room);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close(1000);
    return this.closed;
  }
}

/** Remembers the clients a test file opens, so one afterEach closes them all (closed ones included). */
export class ClientPool {
  private readonly clients: ChatClient[] = [];

  constructor(private readonly baseUrl: () => string) {}

  async open(query: string): Promise<ChatClient> {
    const client = await ChatClient.open(this.baseUrl(), query);
    this.clients.push(client);
    return client;
  }

  /** Opens `count` clients named `<name>-<i>` and joins each to `room`, one after another (join order is shard order). */
  async openMembers(room: string, count: number, name: string): Promise<ChatClient[]> {
    const members: ChatClient[] = [];
    for (let i = 0; i < count; i += 1) {
      const client = await this.open(`name=${name}-${i}`);
      await client.join(room);
      members.push(client);
    }
    return members;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.close()));
  }
}
