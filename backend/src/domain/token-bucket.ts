/**
 * A token bucket: `ratePerSecond` tokens a second up to `burst`, full at the start. The shape of API Gateway's
 * account-wide @connections quota (10,000/s, burst 5,000), used three ways: the local gateway and the fan-out
 * simulator refuse a call with 429 when it is empty (`take`), and a fan-out worker paces its own posts to its share of
 * the quota (`reserve`). https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export class TokenBucket {
  private tokens: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private at = 0,
  ) {
    this.tokens = burst;
  }

  /** Takes a token if there is one; false (a 429) when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes a token on credit: returns how long to wait until it is due (0 when one was there). */
  reserve(now: number): number {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens < 0 ? (-this.tokens * 1000) / this.ratePerSecond : 0;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.ratePerSecond) / 1000);
    this.at = now;
  }
}
