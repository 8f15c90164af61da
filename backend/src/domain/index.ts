/**
 * The chat and its fan-out for other workspaces: the load-test simulator runs this exact code (ChatService.send and
 * FanoutWorker) against modelled AWS services, so what it predicts is what the Lambdas do.
 */
export { AdaptiveLimit } from './adaptive-limit.js';
export { ChatService } from './chat-service.js';
export type { Caller, ChatDeps, RoomFanoutDeps } from './chat-deps.js';
export { deliver, jobKey, mergeResults, pacing, planJobs, type DeliveryDeps } from './delivery.js';
export { FanoutWorker, MAX_HAND_ONS } from './fanout-worker.js';
export { RoomFanout, type ToRoomOptions } from './room-fanout.js';
export { ConnectionGoneError, GatewayError, ThrottledError } from './errors.js';
export {
  DEFAULT_RETRY,
  WORKER_RETRY,
  emptyFanoutResult,
  fanOut,
  postWithRetry,
  type FanoutDeps,
  type FanoutOptions,
  type FanoutResult,
  type RetryPolicy,
} from './fanout.js';
export type {
  ChatEvent,
  ChatObserver,
  Clock,
  ConnectionGateway,
  ConnectionStore,
  FanoutClaims,
  FanoutDispatcher,
  FanoutJob,
  FanoutJobKey,
  HistoryPage,
  IdGenerator,
  Membership,
  MessageStore,
  RateLimit,
  RateLimiter,
  RoomInfo,
  SendReservation,
  Timers,
} from './ports.js';
export { LIMITED_ACTIONS } from './ports.js';
export { TokenBucket } from './token-bucket.js';
export { fullJitterDelay, type BackoffOptions } from './backoff.js';
