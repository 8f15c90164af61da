import { fullJitterDelay, type BackoffOptions } from './backoff.js';
import type { Timers } from './timers.js';

/** What a re-drive needs from the client: the own stored message of a clientMsgId, and the socket. */
export interface RedrivePort {
  stored(clientMsgId: string): { room: string; text: string } | undefined;
  transmit(frame: { action: 'send'; room: string; text: string; clientMsgId: string }): boolean;
}

/**
 * An `internal` error after a send was acked means the server stored the message but could not deliver it to the
 * room (docs/PROTOCOL.md#delivery). Sending the same clientMsgId again makes the server deliver it; it keeps its id,
 * so the room's order does not change. Bounded per message, with backoff.
 */
export class Redriver {
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly port: RedrivePort,
    private readonly options: { timers: Timers; random: () => number; backoff: BackoffOptions; maxAttempts: number },
  ) {}

  /** True when the error was about a stored own message and a re-drive is scheduled. */
  internalAfterAck(clientMsgId: string): boolean {
    const stored = this.port.stored(clientMsgId);
    const used = this.attempts.get(clientMsgId) ?? 0;
    if (stored === undefined || used >= this.options.maxAttempts) return false;
    this.attempts.set(clientMsgId, used + 1);
    const delay = fullJitterDelay(used, this.options.backoff, this.options.random);
    this.options.timers.setTimeout(
      () => this.port.transmit({ action: 'send', room: stored.room, text: stored.text, clientMsgId }),
      delay,
    );
    return true;
  }
}
