import type { Message } from '../protocol/index.js';
import type { FanoutResult, HeldRecipient } from './fanout.js';
import { emptyFanoutResult } from './fanout.js';
import { inRounds, type Rounds } from './retry-rounds.js';
import type { Clock, MessageStore, RoomReads, Timers } from './ports.js';

/**
 * A repeat of a send finds the message pending while its first attempt may still be fanning out (it retries for
 * REDRIVE.withinMs); an attempt whose mark is older than this, and that never recorded a failure, is taken for
 * dead. A repeat polls the mark meanwhile, which keeps its own answer inside the 29 s integration timeout.
 */
export const REDELIVERY_AFTER_MS = 12_000;
const REDELIVERY_POLL_MS = 500;

/**
 * A failed fan-out of a stored message is tried again by its send handler: a hung store call alone can take 16 s
 * (config.ts SDK_BUDGET_MS), and the handler must still answer within API Gateway's 29 s.
 */
export const REDRIVE: Rounds = { attempts: 4, backoffMs: 250, withinMs: 5_000 };

/** How long a failed fan-out waits for its failure to be recorded before it answers `internal`. */
const MARK_FAILED_WAIT_MS = 2_000;

export interface OutboxDeps {
  messages: MessageStore;
  clock: Clock;
  timers: Timers;
  /**
   * The fan-out of one message to its room (inline or through workers); throws when it did not get through. `room`:
   * the room as read for this round, when the caller read it already.
   */
  fanOut: (message: Message, room?: RoomReads, held?: HeldRecipient) => Promise<FanoutResult>;
  /** Work after the sender's reply whose failure is reported, not thrown. */
  afterReply: (work: () => Promise<void>) => Promise<void>;
}

/**
 * The outbox side of `send`: a stored message stays marked pending until its fan-out is done, and each handler
 * attempt (a token) holds the mark while it works, so a repeat of the send can tell a running attempt from a dead
 * or failed one and deliver it exactly then.
 */
export class MessageOutbox {
  constructor(private readonly deps: OutboxDeps) {}

  /**
   * A repeat of a pending message waits (bounded) for the attempt that may still be running: it either finishes
   * (the mark goes) or fails or is taken for dead, and then this repeat drives the fan-out itself. Concurrent
   * duplicates thus deliver once, and a first attempt that died after storing is never left undelivered.
   */
  async takeOver(message: Message, attempt: string): Promise<boolean> {
    const { messages, clock, timers } = this.deps;
    const giveUpAt = clock.now() + REDELIVERY_AFTER_MS + REDELIVERY_POLL_MS;
    for (let poll = 0; poll <= REDELIVERY_AFTER_MS / REDELIVERY_POLL_MS + 1; poll += 1) {
      const state = await messages.claimRedelivery(message.room, message.id, REDELIVERY_AFTER_MS, attempt);
      if (state !== 'running') return state === 'claimed';
      if (clock.now() >= giveUpAt) break;
      await timers.sleep(REDELIVERY_POLL_MS);
    }
    return false;
  }

  /**
   * Fans a stored message out and clears its outbox mark. A failure is retried here while the Lambda has time, since
   * the sender may be gone and never retry; each retry first renews the mark, and stops if a repeat of the send took
   * the message over meanwhile. A failure that outlasts that marks the message failed, for the sender's retry.
   * `room`: the first round's reads of the room, made by the caller beside its append and its ack; `held`: the
   * sender, whose copy waits for its ack in every round.
   */
  async deliver(message: Message, attempt: string, room?: RoomReads, held?: HeldRecipient): Promise<FanoutResult> {
    const { messages, clock, timers } = this.deps;
    const result = await inRounds(
      REDRIVE,
      clock,
      timers,
      async (round) => {
        if (round > 1 && !(await messages.renewDelivery(message.room, message.id, attempt))) return undefined;
        // A later round reads the room again: it may have grown meanwhile.
        return this.deps.fanOut(message, round === 1 ? room : undefined, held);
      },
      // Best effort and briefly: on a hung store this call would hang too, and the sender must still get its
      // `internal` before API Gateway's 29 s (a repeat takes over after the lease anyway).
      async () => {
        await Promise.race([
          messages.markFailed(message.room, message.id, attempt).catch(() => undefined),
          timers.sleep(MARK_FAILED_WAIT_MS),
        ]);
      },
    );
    // Taken over by a repeat of the send: that one delivers.
    if (result === undefined) return emptyFanoutResult();
    // Delivered: a mark left behind by a store blip only costs a second delivery if the sender repeats the send.
    await this.deps.afterReply(() => messages.markDelivered(message.room, message.id));
    return result;
  }
}
