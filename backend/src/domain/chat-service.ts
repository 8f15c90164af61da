import {
  HISTORY_DEFAULT_LIMIT,
  type ErrorFrame,
  type HistoryFrame,
  type Message,
  type SendFrame,
  type ServerFrame,
  type User,
} from '../protocol/index.js';
import { ConnectionGoneError, DispatchError, NotMemberError, RateLimitedError } from './errors.js';
import { deliver, jobKey, pacing, type DeliveryDeps } from './delivery.js';
import { fanOut, postWithRetry, WORKER_RETRY, type FanoutDeps, type FanoutOptions, type FanoutResult, type RetryPolicy } from './fanout.js';
import { bytesOf, FRAME_BUDGET_BYTES, newestThatFit } from './frame-budget.js';
import type {
  Clock,
  ConnectionGateway,
  ConnectionStore,
  FanoutDispatcher,
  FanoutJob,
  IdGenerator,
  Membership,
  MessageStore,
  RateLimit,
  RateLimiter,
  RoomInfo,
  Timers,
} from './ports.js';

/**
 * A shard is handed on at most this often: each worker covers at least ~100 s (a 120 s timeout less the margin),
 * so this is about an hour of sustained throttling, past which a message is no longer worth delivering.
 */
export const MAX_HAND_ONS = 32;

/** Who is acting: the connection and the identity the $connect authorizer attached to it. */
export interface Caller {
  connectionId: string;
  user: User;
}

export interface ChatDeps {
  connections: ConnectionStore;
  messages: MessageStore;
  gateway: ConnectionGateway;
  clock: Clock;
  ids: IdGenerator;
  fanoutConcurrency: number;
  /** Hands large rooms to parallel fan-out workers; without it every room is fanned out inline. */
  dispatcher?: FanoutDispatcher;
  /** Rooms with more members than this are fanned out by workers (when there is a dispatcher). */
  fanoutInlineMax?: number;
  /** The account's @connections quota (posts/s), shared out among a large room's workers as their pace. */
  callbackRateBudget?: number;
  /** Posts from route handlers (29 s timeout). Default DEFAULT_RETRY. */
  retry?: RetryPolicy;
  /** Posts from fan-out workers (120 s timeout): 429s retried for longer. Default WORKER_RETRY. */
  workerRetry?: RetryPolicy;
  timers?: Timers;
  rateLimiter: RateLimiter;
  limits: {
    send: RateLimit;
    typing: RateLimit;
    roomsPerConnection: number;
    /**
     * Presence and typing frames go only to rooms of at most this many connections, and `joined` lists at most
     * this many members. In a room of n, every join would cost n posts (n² to fill it) and every keystroke
     * burst n more; larger rooms get messages and a sample of members only.
     */
    ephemeralMaxMembers: number;
  };
  /** Told about deliveries that failed for reasons other than 410, so they are logged, not swallowed. */
  onFanoutProblems?: (room: string, result: FanoutResult) => void;
  /** Told when a large room's job could not be handed to a worker and was fanned out inline instead. */
  onDispatchFailure?: (job: FanoutJob, error: unknown) => void;
  /**
   * Told when a worker out of time could not hand the rest of its shard on. The job then fails, so its event
   * lands in the failure queue (from where driving it again repeats the whole job).
   */
  onUnfinishedJob?: (job: FanoutJob, error: unknown) => void;
}

/**
 * The chat rules, independent of Lambda and AWS: every route handler is a thin call into one method here.
 * Replies go to the caller through the gateway (API Gateway routes have no route responses configured), and
 * the sender's identity always comes from the connection, never from the frame.
 */
export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  async connect(caller: Caller, connectedAt: number): Promise<void> {
    await this.deps.connections.saveConnection({ connectionId: caller.connectionId, user: caller.user, connectedAt });
  }

  /** Removes every trace of the connection and tells its rooms that it left. Safe to run twice. */
  async disconnect(caller: Caller): Promise<void> {
    const rooms = await this.deps.connections.removeConnection(caller.connectionId);
    await Promise.all(rooms.map((room) => this.announce(room, caller, 'left')));
  }

  /**
   * The store's join write enforces the room limit and tells a re-join apart, so concurrent joins cannot pass
   * the limit; the membership write is idempotent, so a re-join also heals a membership lost to a crash.
   */
  async join(caller: Caller, room: string): Promise<void> {
    const { already, room: info } = await this.deps.connections.addMembership(
      { room, connectionId: caller.connectionId, user: caller.user, joinedAt: this.deps.clock.now() },
      { maxRooms: this.deps.limits.roomsPerConnection },
    );
    const [members, page] = await Promise.all([
      this.members(room, info),
      this.deps.messages.page(room, { limit: HISTORY_DEFAULT_LIMIT }),
    ]);
    const empty = { type: 'joined' as const, room, members: members.users, history: [] };
    const history = newestThatFit(page.messages, FRAME_BUDGET_BYTES - bytesOf(empty)).messages;
    await this.reply(caller, { ...empty, history });
    // Over the cap the fan-out would skip presence anyway; knowing it already saves its member read.
    if (!already && !members.overCap) await this.announce(room, caller, 'joined');
  }

  async leave(caller: Caller, room: string): Promise<void> {
    const wasMember = await this.deps.connections.removeMembership(room, caller.connectionId);
    if (!wasMember) throw new NotMemberError(room);
    await this.reply(caller, { type: 'left', room });
    await this.announce(room, caller, 'left');
  }

  /**
   * Stores first, acks second, fans out last: an ack means the message is durable, and a retry with the same
   * clientMsgId after a lost ack is acked again without a second copy or a second delivery. The room's shards
   * are read after the message is stored: a joiner who opens a new shard before that read is fanned out to,
   * and one who opens it later reads the message in its `joined` history.
   */
  async send(caller: Caller, frame: SendFrame): Promise<void> {
    await this.requireAllowance(caller, 'send');
    await this.requireMember(frame.room, caller);
    const ts = this.deps.clock.now();
    const draft: Message = {
      room: frame.room,
      id: this.deps.ids.messageId(ts),
      ts,
      sender: caller.user,
      text: frame.text,
      clientMsgId: frame.clientMsgId,
    };
    const { message, created } = await this.deps.messages.append(draft);
    // A stored message is delivered even when its ack cannot be: the sender may have dropped right after
    // sending, and its retry (created: false) would not fan out either.
    let ackFailure: { error: unknown } | undefined;
    try {
      await this.reply(caller, { type: 'ack', clientMsgId: message.clientMsgId, id: message.id, ts: message.ts });
    } catch (error) {
      ackFailure = { error };
    }
    if (created) {
      const room = await this.deps.connections.room(frame.room);
      const result = await deliver(this.deliveryDeps(), frame.room, room, { type: 'message', ...message });
      this.report(frame.room, result);
      await this.announceGone(frame.room, result);
    }
    if (ackFailure && !(ackFailure.error instanceof ConnectionGoneError)) throw ackFailure.error;
  }

  /**
   * A fan-out worker's job: one shard of a large room, or the rest of one after `startAfter`. It is claimed
   * first, so an event Lambda delivers twice is sent once ('duplicate'). With a deadline (the Lambda's remaining
   * time less a margin) the worker stops starting posts in time and hands the rest of its shard to a new job,
   * which a timeout would drop (workers are not retried by Lambda). Connections found gone are removed without
   * announcing them: rooms large enough for workers get no presence, as long as FANOUT_INLINE_MAX is at least
   * PRESENCE_MAX_MEMBERS (500 and 100 by default).
   */
  async fanOutJob(job: FanoutJob, options: { deadline?: number } = {}): Promise<FanoutResult | 'duplicate'> {
    const key = jobKey(job);
    if (key !== undefined && !(await this.deps.messages.claimFanoutJob(key))) return 'duplicate';
    try {
      const result = await fanOut({ ...this.fanoutDeps(), retry: this.deps.workerRetry ?? WORKER_RETRY }, job.room, job.frame, {
        shard: job.shard,
        ...pacing(job),
        ...(job.exceptConnectionId !== undefined ? { exceptConnectionId: job.exceptConnectionId } : {}),
        ...(job.startAfter !== undefined ? { startAfter: job.startAfter } : {}),
        ...(job.retry !== undefined ? { retry: job.retry.map((member) => ({ ...member, room: job.room, shard: job.shard })) } : {}),
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      });
      this.report(job.room, result);
      const { unfinished } = result;
      if (unfinished !== undefined) {
        const { startAfter: _previous, retry: _retried, ...same } = job;
        await this.handOn({
          ...same,
          ...(unfinished.startAfter !== undefined ? { startAfter: unfinished.startAfter } : {}),
          ...(unfinished.retry.length > 0
            ? { retry: unfinished.retry.map(({ connectionId, user, joinedAt }) => ({ connectionId, user, joinedAt })) }
            : {}),
          handOns: (job.handOns ?? 0) + 1,
        });
      }
      return result;
    } catch (error) {
      // The job fails and its event goes to the failure queue; giving the claim back lets it be driven again from
      // there. That repeats the members reached before the failure, which clients drop by message id.
      if (key !== undefined) await this.deps.messages.releaseFanoutJob(key).catch(() => undefined);
      throw error;
    }
  }

  private async handOn(rest: FanoutJob): Promise<void> {
    try {
      if (this.deps.dispatcher === undefined) throw new DispatchError('No fan-out dispatcher to hand the rest of the shard to');
      if ((rest.handOns ?? 0) > MAX_HAND_ONS) throw new DispatchError(`Shard handed on ${MAX_HAND_ONS} times already; giving up`);
      await this.deps.dispatcher.dispatch(rest);
    } catch (error) {
      this.deps.onUnfinishedJob?.(rest, error);
      throw error;
    }
  }

  async history(caller: Caller, frame: HistoryFrame): Promise<void> {
    await this.requireMember(frame.room, caller);
    const page = await this.deps.messages.page(frame.room, {
      ...(frame.before !== undefined ? { before: frame.before } : {}),
      limit: frame.limit ?? HISTORY_DEFAULT_LIMIT,
    });
    const empty = { type: 'history' as const, room: frame.room, messages: [], hasMore: true };
    const fitted = newestThatFit(page.messages, FRAME_BUDGET_BYTES - bytesOf(empty));
    await this.reply(caller, { ...empty, messages: fitted.messages, hasMore: page.hasMore || fitted.cut });
  }

  async typing(caller: Caller, room: string): Promise<void> {
    await this.requireAllowance(caller, 'typing');
    await this.requireMember(room, caller);
    await this.broadcast(room, { type: 'typing', room, user: caller.user }, { except: caller.connectionId, ephemeral: true });
  }

  async ping(caller: Caller): Promise<void> {
    await this.reply(caller, { type: 'pong' });
  }

  /** Error frames to a caller that already left are dropped: there is nobody to tell. */
  async sendError(connectionId: string, frame: ErrorFrame): Promise<void> {
    try {
      await postWithRetry(this.fanoutDeps(), connectionId, frame);
    } catch (error) {
      if (!(error instanceof ConnectionGoneError)) throw error;
    }
  }

  private async reply(caller: Caller, frame: ServerFrame): Promise<void> {
    await postWithRetry(this.fanoutDeps(), caller.connectionId, frame);
  }

  /** Checked before anything is stored, so a refused frame leaves no trace. */
  private async requireAllowance(caller: Caller, action: 'send' | 'typing'): Promise<void> {
    const policy = this.deps.limits[action];
    if (!(await this.deps.rateLimiter.tryConsume(caller.connectionId, action, policy))) {
      throw new RateLimitedError(action, policy);
    }
  }

  private async requireMember(room: string, caller: Caller): Promise<void> {
    if (!(await this.deps.connections.isMember(room, caller.connectionId))) throw new NotMemberError(room);
  }

  /**
   * Distinct users of the room (a user with two tabs is listed once), at most `ephemeralMaxMembers`: a room up
   * to that size gets the full list and live presence; a larger one (`overCap`) gets a sample, read with one
   * short Query.
   */
  private async members(room: string, info: RoomInfo): Promise<{ users: User[]; overCap: boolean }> {
    const max = this.deps.limits.ephemeralMaxMembers;
    const users = new Map<string, User>();
    let connections = 0;
    for await (const page of this.deps.connections.members(room, { pageSize: max + 1, shards: info.shards })) {
      for (const { user } of page) {
        connections += 1;
        if (connections > max) return { users: [...users.values()], overCap: true };
        users.set(user.userId, user);
      }
    }
    return { users: [...users.values()], overCap: false };
  }

  private async announce(room: string, who: Caller, state: 'joined' | 'left'): Promise<void> {
    await this.announceGone(room, await this.presence(room, who, state));
  }

  /**
   * Presence is per user, not per connection: a second tab joining, or one of two tabs leaving, changes
   * nothing for the others, so it is not announced.
   */
  private presence(room: string, who: Caller, state: 'joined' | 'left'): Promise<FanoutResult> {
    return this.fanOutOnce(room, { type: 'presence', room, user: who.user, state }, {
      except: who.connectionId,
      ephemeral: true,
      unless: (others) => others.some((m) => m.user.userId === who.user.userId),
    });
  }

  /** Fans out, then announces the connections that turned out to be gone (410). */
  private async broadcast(room: string, frame: ServerFrame, options: { except?: string; ephemeral?: boolean } = {}): Promise<void> {
    await this.announceGone(room, await this.fanOutOnce(room, frame, options));
  }

  /**
   * Tells the room that each 410-removed connection left. These announcements do not announce further
   * removals themselves, so one dead socket cannot start a cascade.
   */
  private async announceGone(room: string, result: FanoutResult): Promise<void> {
    await Promise.all(result.gone.map((gone: Membership) => this.presence(room, gone, 'left')));
  }

  private fanoutDeps(): FanoutDeps {
    const { connections, gateway, fanoutConcurrency, retry, timers, clock } = this.deps;
    return { connections, gateway, clock, concurrency: fanoutConcurrency, ...(retry ? { retry } : {}), ...(timers ? { timers } : {}) };
  }

  private deliveryDeps(): DeliveryDeps {
    const { dispatcher, fanoutInlineMax, callbackRateBudget, onDispatchFailure, messages } = this.deps;
    return {
      ...this.fanoutDeps(),
      claim: (key) => messages.claimFanoutJob(key),
      inlineMax: fanoutInlineMax ?? Number.POSITIVE_INFINITY,
      ...(callbackRateBudget !== undefined ? { callbackRateBudget } : {}),
      ...(dispatcher ? { dispatcher } : {}),
      ...(onDispatchFailure ? { onDispatchFailure } : {}),
    };
  }

  private report(room: string, result: FanoutResult): void {
    if (result.failed.length > 0) this.deps.onFanoutProblems?.(room, result);
  }

  private async fanOutOnce(
    room: string,
    frame: ServerFrame,
    options: { except?: string; ephemeral?: boolean; unless?: FanoutOptions['unless'] },
  ): Promise<FanoutResult> {
    const result = await fanOut(
      this.fanoutDeps(),
      room,
      frame,
      {
        ...(options.except !== undefined ? { exceptConnectionId: options.except } : {}),
        ...(options.ephemeral ? { maxMembers: this.deps.limits.ephemeralMaxMembers } : {}),
        ...(options.unless ? { unless: options.unless } : {}),
      },
    );
    this.report(room, result);
    return result;
  }
}
