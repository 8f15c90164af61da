import WebSocket from 'ws';
import { parseServerFrame, type ClientFrame, type ServerFrame } from '../../src/protocol/index.js';
import { clientNow, newConnectionRecord, type ConnectionRecord } from './journal.js';

type Waiter = { match: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame | undefined) => void };

export interface ConnectionEvents {
  /** Every valid frame, after it was recorded. */
  onFrame(frame: ServerFrame): void;
  /** The socket closed, by either side, at client time `at`. */
  onClose(at: number): void;
}

/**
 * One WebSocket connection of the soak. It records what the figures need (live messages, presence) into its
 * ConnectionRecord, hands every frame to `onFrame`, and lets the caller wait, bounded, for an answer. Unlike
 * the tests' ChatClient it keeps no frame list, so hundreds of them stay cheap for a minute.
 */
export class SoakConnection {
  readonly record: ConnectionRecord;
  private readonly waiters = new Set<Waiter>();
  /** Client time the socket closed (either side), undefined while open. */
  closedAt: number | undefined;
  private readonly closed: Promise<void>;

  private constructor(
    private readonly ws: WebSocket,
    readonly name: string,
    private readonly events: ConnectionEvents,
  ) {
    this.record = newConnectionRecord(name);
    ws.on('message', (data) => this.receive(data.toString()));
    this.closed = new Promise((resolve) =>
      ws.on('close', () => {
        this.closedAt = clientNow();
        events.onClose(this.closedAt);
        for (const waiter of this.waiters) waiter.resolve(undefined);
        this.waiters.clear();
        resolve();
      }),
    );
  }

  /** Opens `?name=<name>`; resolves undefined when the handshake is refused, fails or takes over `timeoutMs`. */
  static open(
    wsUrl: string,
    name: string,
    events: ConnectionEvents,
    timeoutMs: number,
  ): Promise<SoakConnection | undefined> {
    const ws = new WebSocket(`${wsUrl}/?name=${encodeURIComponent(name)}`);
    const connection = new SoakConnection(ws, name, events);
    return new Promise((resolve) => {
      const timer = setTimeout(() => fail(), timeoutMs);
      const fail = () => {
        clearTimeout(timer);
        ws.terminate();
        resolve(undefined);
      };
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(connection);
      });
      ws.once('unexpected-response', (_request, response) => {
        response.resume();
        fail();
      });
      ws.on('error', () => fail());
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Sends `frame` and resolves with the first later frame that `match` accepts, or undefined on timeout or
   * close. The waiter is registered before sending, so no answer can slip past it.
   */
  request(
    frame: ClientFrame,
    match: (frame: ServerFrame) => boolean,
    timeoutMs: number,
  ): Promise<ServerFrame | undefined> {
    if (!this.open) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const waiter: Waiter = { match, resolve: (f) => done(f) };
      const done = (found: ServerFrame | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(found);
      };
      this.waiters.add(waiter);
      this.ws.send(JSON.stringify(frame));
    });
  }

  /** Closes with 1000, or drops the TCP connection without a close frame when `abrupt`; bounded. */
  async close(abrupt: boolean, timeoutMs = 5_000): Promise<void> {
    if (abrupt) this.ws.terminate();
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(1000);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.closed, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    if (this.closedAt === undefined) this.ws.terminate();
  }

  private receive(data: string): void {
    let frame: ServerFrame;
    try {
      frame = parseServerFrame(data);
    } catch {
      this.record.malformed += 1;
      return;
    }
    if (frame.type === 'message') this.record.received.set(frame.id, (this.record.received.get(frame.id) ?? 0) + 1);
    else if (frame.type === 'presence')
      this.record.presence.push({
        kind: 'presence',
        room: frame.room,
        userId: frame.user.userId,
        state: frame.state,
        ...(frame.ts !== undefined ? { ts: frame.ts } : {}),
      });
    else if (frame.type === 'joined')
      this.record.presence.push({ kind: 'snapshot', room: frame.room, userIds: frame.members.map((m) => m.userId) });
    this.events.onFrame(frame);
    for (const waiter of [...this.waiters]) if (waiter.match(frame)) waiter.resolve(frame);
  }
}
