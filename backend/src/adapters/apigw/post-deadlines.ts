/** One request in flight: when it started, and what to do once it is past its deadline. */
export interface Deadline {
  readonly startedAt: number;
  expire(): void;
}

/**
 * The requests of one poster in flight, checked against their deadline by one timer for all of them. node:http's
 * own timeout (an agent or request `timeout`) re-arms the socket's timer and adds listeners on every request, which
 * measured about a tenth of a signed post's CPU (docs/PERFORMANCE.md#what-one-post-costs); here a post costs a Set
 * insert and delete. A request expires between `timeoutMs` and a quarter more after it started.
 */
export class Deadlines {
  private readonly inFlight = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;
  private readonly sweepEveryMs: number;

  constructor(private readonly timeoutMs: number) {
    this.sweepEveryMs = Math.max(10, Math.ceil(timeoutMs / 4));
  }

  add(deadline: Deadline): void {
    this.inFlight.add(deadline);
    // Unref'd: a request's own socket keeps the process alive while it is in flight, the sweep need not.
    this.timer ??= setInterval(() => this.sweep(), this.sweepEveryMs).unref();
  }

  delete(deadline: Deadline): void {
    this.inFlight.delete(deadline);
    if (this.inFlight.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Requests in start order: the first one still within its deadline ends the sweep. */
  private sweep(): void {
    const startedBy = Date.now() - this.timeoutMs;
    for (const deadline of this.inFlight) {
      if (deadline.startedAt > startedBy) return;
      deadline.expire();
    }
  }
}
