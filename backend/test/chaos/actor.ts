import type { ServerFrame } from '../../src/protocol/index.js';
import { SoakConnection } from './connection.js';
import { clientNow, type Journal, type SendRecord, type Stay } from './journal.js';
import type { Random } from './random.js';

/** Client-side bounds, close to the web client's (frontend/src/realtime/chat-client.ts). */
export const CLIENT_LIMITS = {
  connectTimeoutMs: 15_000,
  answerTimeoutMs: 10_000,
  joinAttempts: 5,
  sendAttempts: 4,
  /** Spacing of a burst's sends: well over the contract's 2 ms, so the gateway sees them apart too. */
  burstGapMs: 10,
  backoffBaseMs: 200,
  backoffMaxMs: 2_000,
} as const;

/** What the soak shares with its actors: where to connect, where to record, and when to stop. */
export interface SoakContext {
  wsUrl: string;
  journal: Journal;
  /** Mean pause between one actor's actions. */
  meanGapMs: number;
  /** False once the chaos phase is over: actors finish the action in hand and stop. */
  running(): boolean;
  /** Sleeps `ms`, or less when the chaos phase ends first. */
  pause(ms: number): Promise<void>;
  counters: ActorCounters;
}

export interface ActorCounters {
  connections: number;
  refusedHandshakes: number;
  reconnects: number;
  dropsAfterSend: number;
  leaves: number;
  failedJoins: number;
}

export const emptyCounters = (): ActorCounters => ({
  connections: 0,
  refusedHandshakes: 0,
  reconnects: 0,
  dropsAfterSend: 0,
  leaves: 0,
  failedJoins: 0,
});

/**
 * One simulated user: keeps a connection joined to its rooms and, at random, sends (sometimes a burst of a few
 * messages 10 ms apart), reconnects (cleanly or by dropping the TCP connection), drops right after a send,
 * or leaves a room and joins it again. Each connection gets its own guest name (`u<index>-<incarnation>`), so
 * presence, which the protocol reports per user, names one connection.
 */
export class Actor {
  private connection: SoakConnection | undefined;
  private incarnation = 0;
  private sequence = 0;
  private readonly stays = new Map<string, Stay>();
  /** Sends of the current connection by clientMsgId, so a late ack still counts. */
  private readonly sends = new Map<string, SendRecord>();

  constructor(
    private readonly index: number,
    private readonly rooms: readonly string[],
    private readonly random: Random,
    private readonly ctx: SoakContext,
  ) {}

  async run(): Promise<void> {
    while (this.ctx.running()) {
      if (!this.connection?.open) await this.connect();
      else if (this.stays.size === 0 || (this.stays.size < this.rooms.length && this.random.chance(0.5)))
        await this.joinMissing();
      else await this.act();
      await this.ctx.pause(this.random.exponential(this.ctx.meanGapMs));
    }
  }

  /** Closes the current connection (at the end of the soak). */
  async stop(): Promise<void> {
    await this.connection?.close(false);
  }

  private async act(): Promise<void> {
    // The server may have closed the connection since run() looked: then there is no room to act in.
    const rooms = [...this.stays.keys()];
    if (rooms.length === 0 || !this.connection?.open) return;
    const roll = this.random.next();
    if (roll < 0.12) await this.reconnect(this.random.chance(0.5));
    else if (roll < 0.17) await this.sendAndDrop(this.random.pick(rooms));
    else if (roll < 0.25) await this.leaveAndRejoin(this.random.pick(rooms));
    else await this.sendBurst(this.random.pick(rooms), this.random.chance(0.25) ? this.random.int(2, 3) : 1);
  }

  private async connect(): Promise<void> {
    for (let attempt = 0; this.ctx.running(); attempt += 1) {
      const name = `u${this.index}-${this.incarnation++}`;
      const connection = await SoakConnection.open(
        this.ctx.wsUrl,
        name,
        { onFrame: (frame) => this.onFrame(frame), onClose: (at) => this.endStays(name, at) },
        CLIENT_LIMITS.connectTimeoutMs,
      );
      if (connection !== undefined) {
        this.connection = connection;
        this.sends.clear();
        this.ctx.journal.connections.push(connection.record);
        this.ctx.counters.connections += 1;
        await this.joinMissing();
        return;
      }
      this.ctx.counters.refusedHandshakes += 1;
      await this.ctx.pause(this.backoff(attempt));
    }
  }

  private async joinMissing(): Promise<void> {
    for (const room of this.rooms) if (!this.stays.has(room)) await this.join(room);
  }

  private async join(room: string): Promise<void> {
    for (let attempt = 0; attempt < CLIENT_LIMITS.joinAttempts; attempt += 1) {
      const connection = this.connection;
      if (!connection?.open) return;
      const answer = await connection.request(
        { action: 'join', room },
        (f) => (f.type === 'joined' && f.room === room) || (f.type === 'error' && f.action === 'join'),
        CLIENT_LIMITS.answerTimeoutMs,
      );
      if (answer?.type === 'joined' && connection.open) {
        const stay: Stay = { connection: connection.name, room, joinedAt: clientNow(), endAt: Infinity };
        this.stays.set(room, stay);
        this.ctx.journal.stays.push(stay);
        return;
      }
      await this.ctx.pause(this.backoff(attempt));
    }
    this.ctx.counters.failedJoins += 1;
  }

  private async leaveAndRejoin(room: string): Promise<void> {
    const connection = this.connection!;
    this.endStay(room, clientNow());
    this.ctx.counters.leaves += 1;
    await connection.request(
      { action: 'leave', room },
      (f) => (f.type === 'left' && f.room === room) || (f.type === 'error' && f.action === 'leave'),
      CLIENT_LIMITS.answerTimeoutMs,
    );
    await this.ctx.pause(this.random.int(100, 1_500));
    await this.join(room);
  }

  private async reconnect(abrupt: boolean): Promise<void> {
    this.ctx.counters.reconnects += 1;
    await this.drop(abrupt);
    await this.ctx.pause(this.random.int(0, 1_000));
    await this.connect();
  }

  /** Sends, then drops the TCP connection before the ack can come: the message may still be stored and fanned out. */
  private async sendAndDrop(room: string): Promise<void> {
    this.ctx.counters.dropsAfterSend += 1;
    const sent = this.sendOne(room);
    await this.ctx.pause(this.random.int(0, 20));
    await this.drop(true);
    await sent;
  }

  private async drop(abrupt: boolean): Promise<void> {
    const connection = this.connection!;
    this.endStays(connection.name, clientNow());
    await connection.close(abrupt);
  }

  private async sendBurst(room: string, count: number): Promise<void> {
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < count; i += 1) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, CLIENT_LIMITS.burstGapMs));
      sends.push(this.sendOne(room));
    }
    await Promise.all(sends);
  }

  /** Sends one message, retrying with the same clientMsgId after an error or a silence, a bounded number of times. */
  private async sendOne(room: string): Promise<void> {
    const connection = this.connection!;
    const clientMsgId = `${connection.name}.${this.sequence++}`;
    const at = clientNow();
    const record: SendRecord = { sender: connection.name, room, clientMsgId, firstAt: at, lastAt: at, attempts: 0 };
    this.ctx.journal.sends.push(record);
    this.sends.set(clientMsgId, record);
    for (
      let attempt = 0;
      attempt < CLIENT_LIMITS.sendAttempts && connection.open && record.ack === undefined;
      attempt += 1
    ) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.backoff(attempt - 1)));
      if (!connection.open || record.ack !== undefined) return;
      record.lastAt = clientNow();
      record.attempts += 1;
      await connection.request(
        { action: 'send', room, text: `chaos ${clientMsgId}`, clientMsgId },
        (f) => (f.type === 'ack' || f.type === 'error') && f.clientMsgId === clientMsgId,
        CLIENT_LIMITS.answerTimeoutMs,
      );
    }
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.type === 'error' && frame.code === 'internal' && frame.clientMsgId !== undefined) {
      this.redriveAfterAck(frame.clientMsgId);
      return;
    }
    if (frame.type !== 'ack') return;
    const record = this.sends.get(frame.clientMsgId);
    if (record !== undefined && record.ack === undefined) record.ack = { id: frame.id, at: clientNow() };
  }

  /**
   * `internal` after an `ack` means the message is stored but its fan-out failed (docs/PROTOCOL.md): a repeat with the
   * same clientMsgId re-drives it, as the web client does. Bounded by the same attempt count.
   */
  private redriveAfterAck(clientMsgId: string): void {
    const record = this.sends.get(clientMsgId);
    const connection = this.connection;
    if (record?.ack === undefined || connection === undefined || record.attempts >= CLIENT_LIMITS.sendAttempts) return;
    record.attempts += 1;
    record.lastAt = clientNow();
    setTimeout(
      () => {
        void connection.request(
          { action: 'send', room: record.room, text: `chaos ${clientMsgId}`, clientMsgId },
          () => false,
          0,
        );
      },
      this.backoff(record.attempts - 1),
    );
  }

  private endStay(room: string, at: number): void {
    const stay = this.stays.get(room);
    if (stay === undefined) return;
    stay.endAt = Math.min(stay.endAt, at);
    this.stays.delete(room);
  }

  private endStays(connection: string, at: number): void {
    for (const [room, stay] of this.stays) if (stay.connection === connection) this.endStay(room, at);
  }

  /** Full-jitter exponential backoff, like the web client's reconnects. */
  private backoff(attempt: number): number {
    return this.random.next() * Math.min(CLIENT_LIMITS.backoffMaxMs, CLIENT_LIMITS.backoffBaseMs * 2 ** attempt);
  }
}
