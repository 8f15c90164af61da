import {
  HISTORY_DEFAULT_LIMIT,
  type ErrorFrame,
  type HistoryFrame,
  type Message,
  type SendFrame,
  type ServerFrame,
  type User,
} from '../protocol/index.js';
import { ConnectionExpiredError, isCallerGone, NotMemberError, RateLimitedError } from './errors.js';
import type { Caller, ChatDeps } from './chat-deps.js';
import { bytesOf, FRAME_BUDGET_BYTES, newestThatFit } from './frame-budget.js';
import { MessageOutbox } from './message-outbox.js';
import { RoomFanout } from './room-fanout.js';
import { attemptToken, systemTimers } from './ids.js';
import type { LimitedAction, RoomInfo } from './ports.js';

export type { Caller, ChatDeps } from './chat-deps.js';
export { FanoutWorker, MAX_HAND_ONS } from './fanout-worker.js';
export { REDELIVERY_AFTER_MS } from './message-outbox.js';

/**
 * The chat rules, independent of Lambda and AWS: every route handler is a thin call into one method here.
 * Replies go to the caller through the gateway (API Gateway routes have no route responses configured), and
 * the sender's identity always comes from the connection, never from the frame.
 */
export class ChatService {
  /** Every frame to a room goes through it; per service (per container and API). */
  readonly rooms: RoomFanout;
  private readonly outbox: MessageOutbox;

  constructor(private readonly deps: ChatDeps) {
    this.rooms = new RoomFanout(deps);
    this.outbox = new MessageOutbox({
      messages: deps.messages,
      clock: deps.clock,
      timers: deps.timers ?? systemTimers,
      fanOut: async (message, room, held) =>
        this.rooms.deliver(
          message.room,
          { type: 'message', ...message },
          { ...(room ? { info: await room.info, recheck: room.recheck } : {}), ...(held ? { held } : {}) },
        ),
      afterReply: (work) => this.rooms.afterReply('send', work),
    });
  }

  async connect(caller: Caller, connectedAt: number): Promise<void> {
    await this.deps.connections.saveConnection({ connectionId: caller.connectionId, user: caller.user, connectedAt });
  }

  /**
   * Removes every trace of the connection and tells its rooms that it left. Safe to run twice, and beside a
   * fan-out's 410 cleanup: only the call that removed the connection announces it.
   */
  async disconnect(caller: Caller): Promise<void> {
    this.rooms.gone.add(caller.connectionId);
    const rooms = await this.deps.connections.removeConnection(caller.connectionId).catch((error: unknown) => {
      // Its items are still there: fan-outs must post to it (410) and remove it then.
      this.rooms.gone.forget(caller.connectionId);
      throw error;
    });
    const at = this.deps.clock.now();
    await this.rooms.announceDepartures([{ connectionId: caller.connectionId, user: caller.user, rooms, at }]);
  }

  /**
   * The store's join write enforces the room limit and tells a re-join apart, so concurrent joins cannot pass
   * the limit; the membership write is idempotent, so a re-join also heals a membership lost to a crash.
   */
  async join(caller: Caller, room: string): Promise<void> {
    await this.requireAllowance(caller, 'join');
    const { room: info } = await this.deps.connections
      .addMembership(
        { room, connectionId: caller.connectionId, user: caller.user, joinedAt: this.deps.clock.now() },
        { maxRooms: this.deps.limits.roomsPerConnection },
      )
      .catch((error: unknown) => {
        throw isCallerGone(error, caller.connectionId) ? new ConnectionExpiredError(caller.connectionId) : error;
      });
    const joinedAt = this.deps.clock.now();
    const [members, page] = await Promise.all([
      this.members(room, info),
      this.deps.messages.page(room, { limit: HISTORY_DEFAULT_LIMIT, maxBytes: FRAME_BUDGET_BYTES }),
    ]);
    const empty = { type: 'joined' as const, room, members: members.users, history: [] };
    const history = newestThatFit(page.messages, FRAME_BUDGET_BYTES - bytesOf(empty)).messages;
    await this.reply(caller, { ...empty, history });
    // Over the cap the fan-out would skip presence anyway; knowing it already saves its member read. A re-join is
    // announced too: it may be the retry of a join that failed after its writes, before it could announce, and a
    // `joined` for someone already listed changes nothing for a client.
    if (!members.overCap) await this.rooms.afterReply('join', () => this.announce(room, caller, 'joined', joinedAt));
  }

  async leave(caller: Caller, room: string): Promise<void> {
    await this.requireAllowance(caller, 'leave');
    const wasMember = await this.deps.connections.removeMembership(room, caller.connectionId);
    if (!wasMember) throw new NotMemberError(room);
    const leftAt = this.deps.clock.now();
    await this.reply(caller, { type: 'left', room });
    await this.rooms.afterReply('leave', () => this.announce(room, caller, 'left', leftAt));
  }

  /**
   * Stores first, then acks and fans out: an ack means the message is durable, and a retry with the same
   * clientMsgId after a lost ack is acked again without a second copy or a second delivery. The room's shards
   * are read again after the message is stored (`recheck`): a joiner who opens a new shard before that read is
   * fanned out to, and one who opens it later reads the message in its `joined` history. Three round trips come
   * before the first recipient's post: the admission checks with the idempotency claim, the append with the room
   * read, and the members Query with the ack and the recheck (test/domain/round-trips.test.ts). The other
   * members may thus get the message before the sender gets its ack; the sender's own copy comes after it.
   *
   * The id takes its time from `receivedAt`, when API Gateway received the frame (requestContext.requestTimeEpoch),
   * not from this handler's clock: one connection's frames are handled concurrently, after round trips of varying
   * length, so only the gateway's time keeps a sender's messages in the order it sent them.
   *
   * A message stays marked pending in the store until its fan-out is done; when the fan-out fails the sender
   * gets `internal`, and its retry (same clientMsgId) finds the mark and fans out again (clients drop repeats by id).
   * A repeat while the first attempt is still running waits for it (MessageOutbox.takeOver).
   */
  async send(caller: Caller, frame: SendFrame, receivedAt = this.deps.clock.now()): Promise<void> {
    const draft: Message = {
      room: frame.room,
      id: this.deps.ids.messageId(receivedAt),
      ts: receivedAt,
      sender: caller.user,
      text: frame.text,
      clientMsgId: frame.clientMsgId,
    };
    // The idempotency claim rides with the admission checks and is given back if they refuse the frame.
    const reserved = this.deps.messages.reserve(draft);
    reserved.catch(() => undefined); // Awaited below, or released if the frame is refused.
    await this.requireAllowedMember(caller, 'send', frame.room).catch(async (refusal: unknown) => {
      await reserved.then((r) => this.deps.messages.release(r)).catch(() => undefined);
      throw refusal;
    });
    const attempt = attemptToken();
    // Read beside the append, for the inline-or-workers choice and the shards to start on; `recheck` below.
    const info = this.deps.connections.room(frame.room);
    info.catch(() => undefined);
    const { message, created, pending } = await this.deps.messages.append(draft, {
      attempt,
      reservation: await reserved,
    });
    const drive = created || (pending && (await this.outbox.takeOver(message, attempt)));
    // Read after the append (see above) while the ack travels: shards opened since `info` are read too.
    const recheck = drive ? this.deps.connections.room(message.room) : undefined;
    recheck?.catch(() => undefined);
    // The fan-out starts beside the ack; only the sender's own copy waits for it. A stored message is delivered
    // even when its ack cannot be: the sender may have dropped right after sending, and its retry (created: false)
    // would not fan out either.
    const ack = this.reply(caller, { type: 'ack', clientMsgId: message.clientMsgId, id: message.id, ts: message.ts });
    const ackFailure = ack.then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    if (recheck !== undefined) {
      const held = { connectionId: caller.connectionId, until: ack };
      const result = await this.outbox.deliver(message, attempt, { info, recheck }, held);
      await this.rooms.afterReply('send', () => this.rooms.announceDepartures(result.gone));
    }
    const failed = await ackFailure;
    if (failed && !isCallerGone(failed.error, caller.connectionId)) throw failed.error;
  }

  async history(caller: Caller, frame: HistoryFrame): Promise<void> {
    await this.requireAllowedMember(caller, 'history', frame.room);
    const page = await this.deps.messages.page(frame.room, {
      before: frame.before,
      limit: frame.limit ?? HISTORY_DEFAULT_LIMIT,
      maxBytes: FRAME_BUDGET_BYTES,
    });
    const empty = { type: 'history' as const, room: frame.room, messages: [], hasMore: true };
    const fitted = newestThatFit(page.messages, FRAME_BUDGET_BYTES - bytesOf(empty));
    await this.reply(caller, { ...empty, messages: fitted.messages, hasMore: page.hasMore || fitted.cut });
  }

  async typing(caller: Caller, room: string): Promise<void> {
    await this.requireAllowedMember(caller, 'typing', room);
    await this.rooms.toRoom(
      room,
      { type: 'typing', room, user: caller.user },
      { except: caller.connectionId, ephemeral: true },
    );
  }

  async ping(caller: Caller): Promise<void> {
    await this.reply(caller, { type: 'pong' });
  }

  /** Closes the caller's socket (DeleteConnection; idempotent). */
  async closeConnection(connectionId: string): Promise<void> {
    await this.deps.gateway.close(connectionId);
  }

  /** Error frames to a caller that already left are dropped: there is nobody to tell. */
  async sendError(connectionId: string, frame: ErrorFrame): Promise<void> {
    try {
      await this.rooms.post(connectionId, frame);
    } catch (error) {
      if (!isCallerGone(error, connectionId)) throw error;
    }
  }

  private async reply(caller: Caller, frame: ServerFrame): Promise<void> {
    await this.rooms.post(caller.connectionId, frame);
  }

  /**
   * Checked before anything is stored, so a refused frame leaves no trace. The two counters are taken side by
   * side, saving a round trip; the user's is given back when the connection's refuses, so frames refused per
   * connection do not use up the user's allowance.
   */
  private async requireAllowance(caller: Caller, action: LimitedAction): Promise<void> {
    const { perConnection, perUser, windowMs } = this.deps.limits.rates[action];
    const { rateLimiter } = this.deps;
    const [connection, user] = await Promise.allSettled([
      rateLimiter.tryConsume(caller.connectionId, action, { limit: perConnection, windowMs }),
      rateLimiter.tryConsumeUser(caller.user.userId, action, { limit: perUser, windowMs }),
    ]);
    if (connection.status === 'rejected' || !connection.value) {
      if (user.status === 'fulfilled' && user.value) {
        await this.rooms.afterReply('refund', () =>
          rateLimiter.refundUser(caller.user.userId, action, { limit: perUser, windowMs }),
        );
      }
      if (connection.status === 'rejected') throw connection.reason;
      throw new RateLimitedError(action, { limit: perConnection, windowMs });
    }
    if (user.status === 'rejected') throw user.reason;
    if (!user.value) throw new RateLimitedError(`${action} (all your connections)`, { limit: perUser, windowMs });
  }

  /**
   * The allowance, then membership. The membership read (no side effect) runs alongside the rate limit's counter,
   * saving a round trip; a refused frame still gets the rate limit's error first, and still leaves no trace.
   */
  private async requireAllowedMember(caller: Caller, action: LimitedAction, room: string): Promise<void> {
    const member = this.deps.connections.isMember(room, caller.connectionId);
    member.catch(() => undefined); // Awaited below unless the allowance throws first.
    await this.requireAllowance(caller, action);
    if (!(await member)) throw new NotMemberError(room);
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

  /** `at`: when the membership changed, which orders the announcements at the clients (presence `ts`). */
  private async announce(room: string, who: Caller, state: 'joined' | 'left', at: number): Promise<void> {
    await this.rooms.announceDepartures((await this.rooms.presence(room, who, state, at)).gone);
  }
}
