import type { ServerFrame, User } from '../protocol/index.js';
import type { RoomFanoutDeps } from './chat-deps.js';
import { deliver, type DeliveryDeps } from './delivery.js';
import {
  fanOut,
  postWithRetry,
  type FanoutDeps,
  type FanoutOptions,
  type FanoutResult,
  type GoneMember,
  type HeldRecipient,
  type RetryPolicy,
} from './fanout.js';
import { GoneConnections } from './gone-connections.js';
import { systemTimers } from './ids.js';
import { REDRIVE } from './message-outbox.js';
import { silentObserver, type ChatObserver, type RoomInfo } from './ports.js';
import { inRounds } from './retry-rounds.js';

export interface ToRoomOptions {
  /** A connection not to send to (the sender of a typing frame). */
  except?: string;
  /**
   * For frames only small rooms get (presence, typing): sent inline, and to nobody when the room has more than
   * `ephemeralMaxMembers` connections. Without it, a room above `fanoutInlineMax` goes to the fan-out workers.
   */
  ephemeral?: boolean;
  /** With `ephemeral`: send to nobody when this returns true for the recipients. */
  unless?: FanoutOptions['unless'];
  /** The room's size and shards when the caller already read them. */
  info?: RoomInfo;
  /** With `info`: the room read again after a stored message was written (RoomReads.recheck). */
  recheck?: Promise<RoomInfo>;
  /** A recipient whose post waits (the sender's copy of a message waits for its ack). */
  held?: HeldRecipient;
}

/** Who joined or left, as presence tells it. */
interface Arrival {
  connectionId: string;
  user: User;
}

/**
 * The one way to send a frame to a room's members: `toRoom` picks inline or the fan-out workers, reports failed
 * deliveries to the observer and announces the connections it found gone (410). Stored messages go through
 * `send`'s outbox (message-outbox.ts), which uses `deliver` underneath. Per container and API: `gone` is what
 * this container learnt about gone connections.
 */
export class RoomFanout {
  readonly gone = new GoneConnections();
  readonly observer: ChatObserver;

  constructor(private readonly deps: RoomFanoutDeps) {
    this.observer = deps.observer ?? silentObserver;
  }

  /** Sends `frame` to the room, then announces the connections it removed (see announceDepartures). */
  async toRoom(room: string, frame: ServerFrame, options: ToRoomOptions = {}): Promise<FanoutResult> {
    const result = await this.deliver(room, frame, options);
    await this.announceDepartures(result.gone);
    return result;
  }

  /**
   * Sends `frame` to the room without announcing departures (the caller does, after its own bookkeeping). Rejects
   * when a shard could neither be handed to a worker nor sent inline (delivery.ts).
   */
  async deliver(room: string, frame: ServerFrame, options: ToRoomOptions = {}): Promise<FanoutResult> {
    const { except, ephemeral, unless } = options;
    const startedAt = this.deps.clock.now();
    const result = ephemeral
      ? await fanOut(this.fanoutDeps(), room, frame, {
          exceptConnectionId: except,
          maxMembers: this.deps.limits.ephemeralMaxMembers,
          ...(unless ? { unless } : {}),
        })
      : await deliver(
          this.deliveryDeps(),
          room,
          options.info ?? (await this.deps.connections.room(room)),
          frame,
          except,
          {
            ...(options.info !== undefined && options.recheck ? { recheck: options.recheck } : {}),
            ...(options.held ? { held: options.held } : {}),
          },
        );
    this.report(room, result, 'inline', startedAt);
    return result;
  }

  /** One frame to one connection (a reply), retried while the management API throttles. */
  async post(connectionId: string, frame: ServerFrame): Promise<void> {
    await postWithRetry(this.fanoutDeps(), connectionId, frame);
  }

  /**
   * Presence is per user, not per connection: a second tab joining, or one of two tabs leaving, changes
   * nothing for the others, so it is not announced. A presence fan-out reads its whole (small) room before its
   * first post, so one that failed posted nothing and is tried again after a short backoff: a store blip must not
   * leave the room without a `joined` or `left`.
   */
  async presence(room: string, who: Arrival, state: 'joined' | 'left', at: number): Promise<FanoutResult> {
    return inRounds(REDRIVE, this.deps.clock, this.deps.timers ?? systemTimers, () =>
      this.deliver(
        room,
        { type: 'presence', room, user: who.user, state, ts: at },
        {
          except: who.connectionId,
          ephemeral: true,
          unless: (others) => others.some((m) => m.user.userId === who.user.userId),
        },
      ),
    );
  }

  /**
   * Tells each room a removed connection was in that it left. Only the remover of a connection gets its rooms
   * (ConnectionStore.removeConnection), so each departure is announced once; the announcements' own 410s are
   * removed and announced in turn, which ends because every connection can be removed only once.
   */
  async announceDepartures(
    departed: ReadonlyArray<Pick<GoneMember, 'connectionId' | 'user' | 'rooms' | 'at'>>,
  ): Promise<void> {
    let next = departed;
    while (next.length > 0) {
      const results = await Promise.all(
        next.flatMap((gone) =>
          gone.rooms.map((room) => this.presence(room, gone, 'left', gone.at ?? this.deps.clock.now())),
        ),
      );
      next = results.flatMap((result) => result.gone);
    }
  }

  /** Work after the caller's reply: its failure is reported to the observer, never as a second answer. */
  async afterReply(action: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.observer.observe({ type: 'afterReplyFailed', action, error });
    }
  }

  /** Every fan-out is measured; failed deliveries (other than 410) are reported too, so they are logged, not swallowed. */
  report(room: string, result: FanoutResult, where: 'inline' | 'worker', startedAt: number): void {
    const durationMs = this.deps.clock.now() - startedAt;
    this.observer.observe({ type: 'fanoutDone', room, where, result, durationMs });
    if (result.failed.length > 0) this.observer.observe({ type: 'fanoutProblems', room, result });
  }

  /** The ports and settings fanOut needs; `retry` for a fan-out worker's longer policy. */
  fanoutDeps(retry?: RetryPolicy): FanoutDeps {
    const { connections, gateway, fanoutConcurrency, timers, clock, random } = this.deps;
    const policy = retry ?? this.deps.retry;
    return {
      connections,
      gateway,
      clock,
      concurrency: fanoutConcurrency,
      gone: this.gone,
      ...(policy ? { retry: policy } : {}),
      ...(timers ? { timers } : {}),
      ...(random ? { random } : {}),
    };
  }

  private deliveryDeps(): DeliveryDeps {
    const { dispatcher, fanoutInlineMax, callbackRateBudget, claims } = this.deps;
    return {
      ...this.fanoutDeps(),
      claims,
      inlineMax: fanoutInlineMax ?? Number.POSITIVE_INFINITY,
      callbackRateBudget,
      dispatcher,
      observer: this.observer,
    };
  }
}
