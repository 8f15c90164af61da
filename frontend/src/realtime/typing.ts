import type { Timers } from './timers.js';

/**
 * The timers behind typing indicators: outgoing typing frames throttled per room, and incoming indicators
 * expired after a TTL because no "stopped typing" frame exists.
 */
export class TypingTimers {
  private readonly sentAt = new Map<string, number>();
  private readonly expiries = new Map<string, unknown>();

  constructor(
    private readonly options: {
      timers: Timers;
      throttleMs: number;
      ttlMs: number;
      expire: (room: string, userId: string) => void;
    },
  ) {}

  /** Sends through `transmit` unless a typing frame for the room went out within the throttle window. */
  notify(room: string, transmit: () => boolean): void {
    const now = this.options.timers.now();
    const last = this.sentAt.get(room);
    if (last !== undefined && now - last < this.options.throttleMs) return;
    if (transmit()) this.sentAt.set(room, now);
  }

  /** (Re)starts the expiry of a user's indicator in a room. */
  shown(room: string, userId: string): void {
    const { timers, ttlMs, expire } = this.options;
    const key = keyOf(room, userId);
    timers.clearTimeout(this.expiries.get(key));
    this.expiries.set(
      key,
      timers.setTimeout(() => expire(room, userId), ttlMs),
    );
  }

  /** The indicator went away early, e.g. the user's message arrived. */
  hidden(room: string, userId: string): void {
    const key = keyOf(room, userId);
    this.options.timers.clearTimeout(this.expiries.get(key));
    this.expiries.delete(key);
  }

  /** A new connection may send a typing frame at once: the throttle protected the old one's rate limit. */
  disconnected(): void {
    this.sentAt.clear();
  }

  stop(): void {
    for (const t of this.expiries.values()) this.options.timers.clearTimeout(t);
    this.expiries.clear();
  }
}

function keyOf(room: string, userId: string): string {
  return `${room}\n${userId}`;
}
