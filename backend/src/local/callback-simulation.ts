import { performance } from 'node:perf_hooks';
import { TokenBucket } from '../domain/token-bucket.js';

export { TokenBucket };

/**
 * What the local @connections API would otherwise get wrong for load tests: it answers in microseconds and
 * never throttles, so a fan-out that is fine locally can be slow or throttled on AWS. Both are off by default.
 */
export interface SimulationOptions {
  /** Every @connections call waits a uniform random delay in [meanMs - jitterMs, meanMs + jitterMs] before it acts. */
  postLatency?: { meanMs: number; jitterMs: number };
  /**
   * Token bucket over all @connections calls: an empty bucket answers 429 LimitExceededException. The AWS
   * account default is 10,000 rps with a 5,000 burst, shared by every API of the account in a region:
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
   */
  callbackRps?: number;
  /** Default callbackRps / 2, the ratio of the AWS account quota. */
  callbackBurst?: number;
}

export function defaultBurst(rps: number): number {
  return Math.max(1, Math.floor(rps / 2));
}

/** Starts full, refills continuously; `now` is injected so the arithmetic is testable without waiting. */
export class CallbackSimulation {
  private readonly bucket: TokenBucket | undefined;
  /** @connections calls answered 429, so tests and load tests can tell that throttling really happened. */
  throttled = 0;

  constructor(
    private readonly options: SimulationOptions,
    private readonly clock: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {
    const rps = options.callbackRps;
    this.bucket = rps ? new TokenBucket(rps, options.callbackBurst ?? defaultBurst(rps), clock()) : undefined;
  }

  /** False when the call is throttled. */
  admit(): boolean {
    const admitted = this.bucket?.take(this.clock()) ?? true;
    if (!admitted) this.throttled += 1;
    return admitted;
  }

  latencyMs(): number {
    const latency = this.options.postLatency;
    if (!latency) return 0;
    return Math.max(0, latency.meanMs - latency.jitterMs + this.random() * 2 * latency.jitterMs);
  }
}
