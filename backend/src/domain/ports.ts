import type { FanoutJob } from '../protocol/fanout-event.js';
import type { Message, ServerFrame, User } from '../protocol/index.js';
import type { FanoutResult } from './fanout.js';

/** A live WebSocket connection and who it belongs to (from the $connect authorizer). */
export interface ConnectionRecord {
  connectionId: string;
  user: User;
  connectedAt: number;
}

/** One connection's membership of one room; the unit fan-out iterates over. */
export interface Membership {
  room: string;
  connectionId: string;
  user: User;
  joinedAt: number;
  /**
   * Which of the room's membership partitions holds it. A room's members are spread over `shards` partitions of
   * at most a few hundred each, so a 100k room stays under DynamoDB's per-partition limits and each fan-out
   * worker reads one partition. Assigned by the store on join.
   */
  shard: number;
}

/** What fan-out needs to know about a room before reading it. */
export interface RoomInfo {
  /**
   * Members counted on join and leave: an estimate (a crash between two writes can skew it) that steers shard
   * choice and whether a message goes to fan-out workers, never whether someone may join or receive.
   */
  members: number;
  /** Membership partitions 0..shards-1 to read; it only grows while the room lives. */
  shards: number;
}

/**
 * The room as `send` reads it: beside its append (`info`: size and the shards to start on), and after the append
 * (`recheck`: shards opened meanwhile, whose members the fan-out must reach too).
 */
export interface RoomReads {
  info: Promise<RoomInfo>;
  recheck: Promise<RoomInfo>;
}

/**
 * Connections and room memberships. Implemented by DynamoDB (cloud and local via dynalite) and by an
 * in-memory fake; both must pass test/contracts/connection-store.contract.ts.
 */
export interface ConnectionStore {
  saveConnection(record: ConnectionRecord): Promise<void>;
  getConnection(connectionId: string): Promise<(ConnectionRecord & { rooms: string[] }) | undefined>;
  /**
   * Deletes the connection and every membership it holds, by key (no Scan). Idempotent, so a 410 during
   * fan-out and the later $disconnect can both call it; only the call that removed the connection gets its rooms
   * back (the others get []), so a departure is counted and announced once. `seen` is a membership the caller
   * found for it, deleted in any case (a join that raced the removal can leave one behind).
   */
  removeConnection(connectionId: string, seen?: { room: string; shard: number }): Promise<string[]>;
  /**
   * Adds a membership in a shard the store picks and returns the room as it is after the join. Throws
   * ConnectionGoneError when the connection no longer exists, TooManyRoomsError when it is already in
   * `maxRooms` other rooms. Idempotent: a re-join (`already`) keeps, and heals, the membership in its shard
   * and is not counted twice.
   */
  addMembership(
    membership: Omit<Membership, 'shard'>,
    options?: { maxRooms?: number },
  ): Promise<{ already: boolean; room: RoomInfo }>;
  /** Returns whether this call ended a membership (a racing second leave gets false). */
  removeMembership(room: string, connectionId: string): Promise<boolean>;
  isMember(room: string, connectionId: string): Promise<boolean>;
  /** Size and shard count of a room; `{ members: 0, shards: 1 }` for a room nobody joined. */
  room(room: string): Promise<RoomInfo>;
  /**
   * Members page by page (one Query page each), so fan-out to a large room streams instead of buffering.
   * `shard` reads that partition only (a fan-out worker's slice); otherwise every shard is read in turn, with
   * `shards` saving the room read when the caller already has it. `pageSize` lets a caller that needs only
   * the first few read only those. With `shard`, `startAfter` resumes after that connection id: members come
   * in connection id order (UTF-8 bytes) within a shard.
   */
  members(
    room: string,
    options?: { pageSize?: number; shard?: number; shards?: number; startAfter?: string },
  ): AsyncIterable<Membership[]>;
}

export interface HistoryPage {
  /** Oldest first. */
  messages: Message[];
  hasMore: boolean;
}

/** A claim on a send's idempotency key, taken by MessageStore.reserve. */
export interface SendReservation {
  room: string;
  userId: string;
  clientMsgId: string;
  /** The id (and so the time) the key was claimed for by this reservation. */
  messageId: string;
  /** True when this call made the claim; false when one existed (a repeat of the send). */
  fresh: boolean;
}

/** Room history. Implemented by DynamoDB and an in-memory fake; contract: message-store.contract.ts. */
export interface MessageStore {
  /**
   * Stores the message once per (room, sender.userId, clientMsgId). A repeat returns the message stored
   * the first time with `created: false`, so retries after a lost ack are safe. A new message is stored marked
   * `pending` (an outbox mark) until markDelivered: a repeat that finds the mark still there re-drives the fan-out
   * that failed or never finished.
   */
  append(
    message: Message,
    options?: { attempt?: string; reservation?: SendReservation },
  ): Promise<{ message: Message; created: boolean; pending: boolean }>;
  /**
   * Claims (room, sender.userId, clientMsgId) for this message's id and time, so that `send` can take the claim
   * beside its rate limit and membership checks and `append` (given the reservation) then costs one write. Not
   * `fresh` when the key was claimed already: a repeat of the send, which `append` resolves as before.
   */
  reserve(message: Message): Promise<SendReservation>;
  /**
   * Gives a fresh reservation back when its send was refused, so a refused frame leaves no trace. Keeps it when a
   * repeat of the send adopted it meanwhile (that repeat stores the message under the reserved id).
   */
  release(reservation: SendReservation): Promise<void>;
  /**
   * Takes over a pending message's fan-out for `attempt` when its last attempt failed (markFailed) or was last renewed
   * more than `staleAfterMs` ago (its handler died or could not record the failure): 'claimed' for one caller;
   * 'running' while another attempt may still be fanning out; 'delivered' once the mark is gone.
   */
  claimRedelivery(
    room: string,
    messageId: string,
    staleAfterMs: number,
    attempt: string,
  ): Promise<'claimed' | 'running' | 'delivered'>;
  /**
   * Renews the mark for `attempt` before it fans out again; false when another attempt took the message over (or it
   * was delivered), so two handlers never keep delivering one message side by side.
   */
  renewDelivery(room: string, messageId: string, attempt: string): Promise<boolean>;
  /** Records that `attempt` failed, so the next repeat re-drives the message at once. */
  markFailed(room: string, messageId: string, attempt: string): Promise<void>;
  /** Clears the outbox mark once the message was fanned out (or handed to workers). Idempotent. */
  markDelivered(room: string, messageId: string): Promise<void>;
  /** Newest `limit` messages strictly older than `before` (a message id), returned oldest first. */
  /**
   * With `maxBytes`, reading stops once the messages read pass that many bytes of JSON (the one that passes it is
   * included, and `hasMore` is true): only what fits in one frame is read, not `limit` long messages.
   */
  page(room: string, options: { before?: string; limit: number; maxBytes?: number }): Promise<HistoryPage>;
}

/**
 * What identifies a fan-out job: the frame's delivery (`jobId`, the message id for a message, so a retried send
 * meets the claims of its first attempt), a shard of its room, and where in the shard the job starts.
 */
export interface FanoutJobKey {
  room: string;
  shard: number;
  jobId: string;
  startAfter?: string;
  handOns?: number;
}

/**
 * Who runs a fan-out job: whoever claims it first. Lambda delivers an asynchronous event at least once, and an
 * Invoke that timed out may have queued its event anyway, so a worker (or the inline fallback) claims its job
 * before posting: a shard never gets the same frame twice. Implemented by DynamoDB and an in-memory fake;
 * contract: fanout-claims.contract.ts.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 */
export interface FanoutClaims {
  /** True for the first claim of a job, false ever after (until released). */
  claimFanoutJob(job: FanoutJobKey): Promise<boolean>;
  /**
   * Gives back a claim this instance made (and nobody else's): a worker that failed before finishing its job lets
   * the event be driven again from the failure queue instead of being skipped as a duplicate.
   */
  releaseFanoutJob(job: FanoutJobKey): Promise<void>;
}

/** Delivers frames to live connections; implemented by API Gateway's management API (cloud and local). */
export interface ConnectionGateway {
  /** Throws ConnectionGoneError when the connection is gone (410). */
  post(connectionId: string, frame: ServerFrame): Promise<void>;
  close(connectionId: string): Promise<void>;
}

/** How many actions of one kind a connection may take per fixed window. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** Every action that touches the store is limited; ping is not (it only answers). */
export const LIMITED_ACTIONS = ['join', 'leave', 'send', 'history', 'typing'] as const;
export type LimitedAction = (typeof LIMITED_ACTIONS)[number];

/**
 * One action's allowance per window, for each connection and for each user across all their connections (a
 * user with ten tabs, or ten scripted connections, gets `perUser`, not ten times `perConnection`).
 */
export interface ActionLimit {
  perConnection: number;
  perUser: number;
  windowMs: number;
}

/**
 * Per-connection rate limits. Lambdas are stateless and many run at once, so the count lives in the store
 * (the connection's item), not in memory. Contract: rate-limiter.contract.ts.
 */
export interface RateLimiter {
  /**
   * Counts one action in the current window; false when the window's allowance is used up. Throws
   * ConnectionExpiredError when the connection is gone (a limit could never be lifted for it).
   */
  tryConsume(connectionId: string, bucket: string, policy: RateLimit): Promise<boolean>;
  /** The same for a user across connections; the user's counters expire on their own (TTL). */
  tryConsumeUser(userId: string, bucket: string, policy: RateLimit): Promise<boolean>;
  /**
   * Gives back one action taken by tryConsumeUser in the current window, for a frame its connection's own limit
   * refused: the two counters are taken side by side, and the user's must not pay for the connection's refusals.
   */
  refundUser(userId: string, bucket: string, policy: RateLimit): Promise<void>;
}

export interface Clock {
  now(): number;
}

/** Waiting, behind a port so retries and backoff run in virtual time in tests and in the fan-out simulator. */
export interface Timers {
  sleep(ms: number): Promise<void>;
}

/** One slice of a large room's fan-out (its schema is the type: protocol/fanout-event.ts). */
export type { FanoutJob } from '../protocol/fanout-event.js';

/**
 * Hands fan-out jobs to parallel workers (an asynchronous Lambda invocation each in AWS and locally), so a
 * large room is covered by many senders at once instead of one Lambda posting to every member in turn.
 */
export interface FanoutDispatcher {
  /** Resolves once the job is accepted (queued), not when it is done; rejects when it could not be handed over. */
  dispatch(job: FanoutJob): Promise<void>;
}

/** Makes message ids that sort by time (the contract promises that ids sort by time). */
export interface IdGenerator {
  messageId(ts: number): string;
}

/**
 * What the chat reports besides its answers: failures that must be logged, not swallowed, and that have nobody to
 * answer to. Implemented once, by the handlers' logger (handlers/lib/observer.ts).
 */
export type ChatEvent =
  /** Deliveries of a fan-out that failed for reasons other than 410. */
  | { type: 'fanoutProblems'; room: string; result: FanoutResult }
  /** A fan-out finished, inline or in a worker (its shard): what it delivered and how long it took. */
  | { type: 'fanoutDone'; room: string; where: 'inline' | 'worker'; result: FanoutResult; durationMs: number }
  /** A large room's job could not be handed to a worker and was fanned out inline instead. */
  | { type: 'dispatchFailed'; job: FanoutJob; error: unknown }
  /** A worker out of time could not hand the rest of its shard on: the job fails, to the failure queue. */
  | { type: 'unfinishedJob'; job: FanoutJob; error: unknown }
  /** Work after the caller's reply failed (a presence announcement): the reply stands. */
  | { type: 'afterReplyFailed'; action: string; error: unknown };

export interface ChatObserver {
  observe(event: ChatEvent): void;
}

export const silentObserver: ChatObserver = { observe: () => undefined };
