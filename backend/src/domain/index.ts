/**
 * The fan-out logic for other workspaces: the load-test simulator runs this exact code against modelled AWS
 * services, so what it predicts is what the Lambdas do.
 */
export { AdaptiveLimit } from './adaptive-limit.js';
export { deliver, mergeResults, pacing, planJobs, type DeliveryDeps } from './delivery.js';
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
  Clock,
  ConnectionGateway,
  ConnectionStore,
  FanoutDispatcher,
  FanoutJob,
  Membership,
  RoomInfo,
  Timers,
} from './ports.js';
export { TokenBucket } from './token-bucket.js';
export { fullJitterDelay, type BackoffOptions } from './backoff.js';
