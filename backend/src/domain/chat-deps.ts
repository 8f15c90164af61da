import type { User } from '../protocol/index.js';
import type { FanoutResult, RetryPolicy } from './fanout.js';
import type {
  ActionLimit,
  Clock,
  ConnectionGateway,
  ConnectionStore,
  FanoutDispatcher,
  FanoutJob,
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
    /** Per action, per connection and per user. */
    rates: Record<LimitedAction, ActionLimit>;
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
  /**
   * Told when work after the caller's reply failed (a presence announcement after `joined` or `left`): the reply
   * stands, so the failure is logged rather than sent as a second, contradicting answer.
   */
  onAfterReplyFailure?: (action: string, error: unknown) => void;
}
