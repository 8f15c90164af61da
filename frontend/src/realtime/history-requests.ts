import type { ClientFrame } from '@chat/backend/protocol';
import type { HistoryRequest } from './gap-fill.js';
import type { Timers } from './timers.js';

/** How the tracker reaches the client: the socket, and the UI for a page that will not come. */
export interface HistoryPort {
  transmit(frame: ClientFrame): boolean;
  /** The page is not coming (no socket, or it timed out for good): stop showing the room as loading. */
  abandoned(room: string, req: HistoryRequest, reason: 'unsent' | 'timeout'): void;
}

const HISTORY_ATTEMPTS = 3;

/**
 * At most one history request in flight per room, each with a timeout and a few retries. History frames carry
 * no request id, so a room's page is attributed to the one request open for that room.
 */
export class HistoryRequests {
  private readonly open = new Map<string, { req: HistoryRequest; timer: unknown }>();

  constructor(
    private readonly port: HistoryPort,
    private readonly options: { timers: Timers; timeoutMs: number },
  ) {}

  has(room: string): boolean {
    return this.open.has(room);
  }

  purposeOf(room: string): HistoryRequest['purpose'] | undefined {
    return this.open.get(room)?.req.purpose;
  }

  /** Sends the request, replacing any open one of the room, and retries it if no page answers in time. */
  request(room: string, req: HistoryRequest): void {
    this.clear(room);
    const frame: ClientFrame = { action: 'history', room, limit: req.limit, before: req.before };
    if (!this.port.transmit(frame)) {
      this.port.abandoned(room, req, 'unsent');
      return;
    }
    const timer = this.options.timers.setTimeout(() => {
      this.open.delete(room);
      if (req.attempts + 1 < HISTORY_ATTEMPTS) this.request(room, { ...req, attempts: req.attempts + 1 });
      else this.port.abandoned(room, req, 'timeout');
    }, this.options.timeoutMs);
    this.open.set(room, { req, timer });
  }

  /** A page arrived for the room: closes and returns the request it answers, if one was open. */
  answered(room: string): HistoryRequest | undefined {
    const req = this.open.get(room)?.req;
    this.clear(room);
    return req;
  }

  clear(room: string): void {
    const entry = this.open.get(room);
    if (!entry) return;
    this.options.timers.clearTimeout(entry.timer);
    this.open.delete(room);
  }

  /** Closes every open request and returns their rooms, e.g. when the socket is gone or the server refused one. */
  clearAll(): string[] {
    const rooms = [...this.open.keys()];
    for (const room of rooms) this.clear(room);
    return rooms;
  }
}
