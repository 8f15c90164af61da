import type { User } from '../protocol/index.js';
import type { RetryPolicy } from './fanout.js';
import type {
  ActionLimit,
  ChatObserver,
  Clock,
  ConnectionGateway,
  ConnectionStore,
  FanoutClaims,
  FanoutDispatcher,
  IdGenerator,
  LimitedAction,
  MessageStore,
  RateLimiter,
  Timers,
} from './ports.js';

/** Who is acting: the connection and the identity the $connect authorizer attached to it. */
export interface Caller {
  connectionId: string;
  user: User;
}

/** What sending frames to rooms needs (RoomFanout, and the fan-out worker built on it). */
export interface RoomFanoutDeps {
  connections: ConnectionStore;
  gateway: ConnectionGateway;
  clock: Clock;
  timers?: Timers;
  /** Jitter source for backoff, [0, 1); default Math.random. */
  random?: () => number;
  fanoutConcurrency: number;
  /** Hands large rooms to parallel fan-out workers; without it every room is fanned out inline. */
  dispatcher?: FanoutDispatcher;
  /** Rooms with more members than this are fanned out by workers (when there is a dispatcher). */
  fanoutInlineMax?: number;
  /** The account's @connections quota (posts/s), shared out among a large room's workers as their pace. */
  callbackRateBudget?: number;
  /** Who runs a fan-out job: workers and the inline fallback claim theirs first. */
  claims: FanoutClaims;
  /** Posts from route handlers (29 s timeout). Default DEFAULT_RETRY. */
  retry?: RetryPolicy;
  /** Posts from fan-out workers (120 s timeout): 429s retried for longer. Default WORKER_RETRY. */
  workerRetry?: RetryPolicy;
  /** Told about failures that have nobody to answer to (failed deliveries, dispatch, hand-on, after-reply work). */
  observer?: ChatObserver;
  limits: {
    /**
     * Presence and typing frames go only to rooms of at most this many connections, and `joined` lists at most
     * this many members. In a room of n, every join would cost n posts (n² to fill it) and every keystroke
     * burst n more; larger rooms get messages and a sample of members only.
     */
    ephemeralMaxMembers: number;
  };
}

export interface ChatDeps extends RoomFanoutDeps {
  messages: MessageStore;
  ids: IdGenerator;
  rateLimiter: RateLimiter;
  limits: RoomFanoutDeps['limits'] & {
    /** Per action, per connection and per user. */
    rates: Record<LimitedAction, ActionLimit>;
    roomsPerConnection: number;
  };
}
