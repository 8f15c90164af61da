/**
 * A concurrency cap that shrinks when the management API throttles and grows back while it does not (AIMD,
 * as in TCP congestion control). Every fan-out worker of every room draws on one account-wide @connections
 * quota: a fixed concurrency of 64 in each of a hundred workers would turn the quota into a storm of 429s,
 * each one a wasted round trip, while halving on throttling lets the workers settle on their share.
 */
export class AdaptiveLimit {
  private current: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  /** Responses since the last decrease: one burst of 429s from the same moment counts as one signal. */
  private sinceDecrease = Number.POSITIVE_INFINITY;

  constructor(
    private readonly max: number,
    private readonly min = 1,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
    this.current = max;
  }

  get limit(): number {
    return Math.floor(this.current);
  }

  async acquire(): Promise<void> {
    if (this.inFlight < this.limit) {
      this.inFlight += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Passes the slot to a waiter while the cap allows it. */
  release(): void {
    this.inFlight -= 1;
    this.wake();
  }

  /** Additive increase: one more slot per window of successes. */
  onSuccess(): void {
    this.sinceDecrease += 1;
    if (this.current < this.max) this.current = Math.min(this.max, this.current + 1 / this.current);
    this.wake();
  }

  /** Multiplicative decrease, at most once per window of in-flight calls. */
  onThrottle(): void {
    this.sinceDecrease += 1;
    if (this.sinceDecrease <= this.limit) return;
    this.sinceDecrease = 0;
    this.current = Math.max(this.min, this.current / 2);
  }

  private wake(): void {
    while (this.inFlight < this.limit && this.waiting.length > 0) {
      this.inFlight += 1;
      this.waiting.shift()?.();
    }
  }
}
