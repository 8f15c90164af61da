import type { ErrorCode } from '@chat/backend/protocol';
import { fullJitterDelay, type BackoffOptions } from './backoff.js';
import type { OutgoingMessage, RoomHold } from './state.js';
import type { Timers } from './timers.js';

/** How the outbox reaches the rest of the client: the queue lives in the UI state, the wire in the socket. */
export interface OutboxPort {
  /** The room's own sends not stored yet, in queue order (the order the UI shows them). */
  queue(room: string): readonly OutgoingMessage[];
  /** Puts a send frame on the wire if the room is joined on an open socket; false when it cannot now. */
  transmit(out: OutgoingMessage): boolean;
  /** The send will not go out again by itself; the UI shows it failed so the user can retry or discard. */
  giveUp(out: OutgoingMessage, reason: string): void;
  /** A send got no answer in time: the connection may be dead even though the socket looks open. */
  unanswered?(): void;
  /** The room's queue waits until `until` (epoch ms) because the server refused its head with `code`. */
  held?(room: string, hold: RoomHold): void;
  /** The room's queue moves again (re-send due, stored meanwhile, or left). */
  released?(room: string): void;
}

export interface OutboxOptions {
  timers: Timers;
  /** Jitter source in [0, 1). */
  random: () => number;
  ackTimeoutMs: number;
  /** Base wait before a `rate_limited` send goes out again (one server window), plus up to a quarter more. */
  rateLimitRetryMs: number;
  maxRateLimitedResends: number;
  /** Delays between re-sends after an `internal` error; the same clientMsgId makes them safe. */
  internalBackoff: BackoffOptions;
  maxInternalResends: number;
}

interface Hold {
  clientMsgId: string;
  timer: unknown;
}

interface Resends {
  rate_limited: number;
  internal: number;
}

/**
 * Sends one message at a time per room. The server numbers a connection's messages in the order their frames
 * arrive, and frames sent back to back can be processed in any order, so the next send of a room leaves only
 * once the previous one is acknowledged or has failed for good. A send refused with `rate_limited` or
 * `internal` keeps its place at the head of the queue and goes out again later with the same clientMsgId,
 * so nothing queued behind it can overtake it. Rooms do not wait for each other.
 */
export class Outbox {
  /** room -> clientMsgId of the send on the wire, awaiting its ack. */
  private readonly inFlight = new Map<string, { clientMsgId: string; ackTimer: unknown }>();
  /** room -> the head send waiting out a re-send delay; nothing of that room goes out meanwhile. */
  private readonly held = new Map<string, Hold>();
  private readonly resends = new Map<string, Resends>();

  constructor(
    private readonly port: OutboxPort,
    private readonly options: OutboxOptions,
  ) {}

  /** Sends the room's first pending message, unless one of that room is already on the wire or held back. */
  pump(room: string): void {
    if (this.inFlight.has(room) || this.held.has(room)) return;
    const head = this.port.queue(room).find((o) => o.status === 'pending');
    if (!head || !this.port.transmit(head)) return;
    const ackTimer = this.options.timers.setTimeout(
      () => this.ackTimedOut(room, head.clientMsgId),
      this.options.ackTimeoutMs,
    );
    this.inFlight.set(room, { clientMsgId: head.clientMsgId, ackTimer });
  }

  /** The server stored this send (ack, echo or history): forget it and let the next one of the room go. */
  settled(room: string, clientMsgId: string): void {
    this.resends.delete(clientMsgId);
    if (this.inFlight.get(room)?.clientMsgId === clientMsgId) this.land(room);
    if (this.held.get(room)?.clientMsgId === clientMsgId) this.release(room);
    this.pump(room);
  }

  /**
   * An error frame named this send. `rate_limited` and `internal` hold it at the head and re-send it after a
   * delay, a bounded number of times; any other code, or too many re-sends, fails it and the queue moves on.
   * @returns true when the send will go out again by itself.
   */
  refused(out: OutgoingMessage, code: ErrorCode, message: string): boolean {
    if (this.inFlight.get(out.room)?.clientMsgId !== out.clientMsgId) {
      // Not the send on the wire (e.g. it already timed out): report it, but the queue has moved on.
      if (out.status === 'pending') this.port.giveUp(out, message);
      return false;
    }
    this.land(out.room);
    const delay = this.resendDelay(out.clientMsgId, code);
    if (delay === undefined) {
      this.resends.delete(out.clientMsgId);
      this.port.giveUp(out, message);
      this.pump(out.room);
      return false;
    }
    const timer = this.options.timers.setTimeout(() => {
      this.release(out.room);
      this.pump(out.room);
    }, delay);
    this.held.set(out.room, { clientMsgId: out.clientMsgId, timer });
    const holdCode = code === 'rate_limited' ? code : 'internal';
    this.port.held?.(out.room, { code: holdCode, message, until: this.options.timers.now() + delay });
    return true;
  }

  /** A failed send the user chose to retry or discard starts over with a fresh re-send budget. */
  reset(clientMsgId: string): void {
    this.resends.delete(clientMsgId);
  }

  /** The socket is gone: what was on the wire goes out again, in the same order, once its room is re-joined. */
  disconnected(): void {
    for (const room of [...this.inFlight.keys()]) this.land(room);
  }

  /** The room was left: nothing of it is sent any more. */
  forgetRoom(room: string, clientMsgIds: readonly string[]): void {
    if (this.inFlight.has(room)) this.land(room);
    this.release(room);
    for (const id of clientMsgIds) this.resends.delete(id);
  }

  private resendDelay(clientMsgId: string, code: ErrorCode): number | undefined {
    if (code !== 'rate_limited' && code !== 'internal') return undefined;
    const counts = this.resends.get(clientMsgId) ?? { rate_limited: 0, internal: 0 };
    const used = counts[code];
    const max = code === 'rate_limited' ? this.options.maxRateLimitedResends : this.options.maxInternalResends;
    if (used >= max) return undefined;
    this.resends.set(clientMsgId, { ...counts, [code]: used + 1 });
    const { random, rateLimitRetryMs, internalBackoff } = this.options;
    // A rate limit counts per fixed window, so one window's wait always reaches the next (the jitter only keeps
    // rooms apart); an internal error backs off like a reconnect.
    return code === 'rate_limited'
      ? rateLimitRetryMs * (1 + random() / 4)
      : fullJitterDelay(used, internalBackoff, random);
  }

  private release(room: string): void {
    const hold = this.held.get(room);
    if (!hold) return;
    this.options.timers.clearTimeout(hold.timer);
    this.held.delete(room);
    this.port.released?.(room);
  }

  private ackTimedOut(room: string, clientMsgId: string): void {
    if (this.inFlight.get(room)?.clientMsgId !== clientMsgId) return;
    this.inFlight.delete(room);
    const out = this.port.queue(room).find((o) => o.clientMsgId === clientMsgId);
    if (out?.status === 'pending') this.port.giveUp(out, 'No acknowledgement from the server');
    this.port.unanswered?.();
    this.pump(room);
  }

  private land(room: string): void {
    const flight = this.inFlight.get(room);
    if (!flight) return;
    this.options.timers.clearTimeout(flight.ackTimer);
    this.inFlight.delete(room);
  }
}
