/** Bounds of a retry delay. */
export interface BackoffOptions {
  /** Ceiling of the first retry; doubles with each failed attempt. */
  baseMs: number;
  /** Cap, so a long outage still retries at a steady pace. */
  maxMs: number;
}

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(max, base * 2^attempt)). Spreading retries over the
 * whole window keeps many callers that failed together (posts throttled at once, clients that lost one gateway) from
 * retrying in lockstep. One implementation for the backend and the web client (it imports no other module, so it can
 * be bundled for the browser). https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 *
 * @param attempt 0 for the first retry.
 * @param random  Injected so tests can pin the jitter; must return a value in [0, 1).
 */
export function fullJitterDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, attempt), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * ceiling);
}
