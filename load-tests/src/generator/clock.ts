/**
 * One monotonic clock for every thread of the generator.
 *
 * `process.hrtime.bigint()` reads the same CLOCK_MONOTONIC in every worker thread of a process, so a send
 * time taken in one worker and a receipt time taken in another can be subtracted. `performance.timeOrigin`
 * is per thread and anchored to the wall clock, so two threads can disagree by however much NTP moved the
 * clock between their starts; we avoid it. Times are milliseconds (float) since an origin the main thread
 * picks and passes to every worker.
 */
export interface MonotonicClock {
  /** Milliseconds since the shared origin; always > 0 after the origin. */
  now(): number;
  readonly originNs: bigint;
}

export function monotonicClock(originNs: bigint = process.hrtime.bigint()): MonotonicClock {
  return {
    originNs,
    now: () => Number(process.hrtime.bigint() - originNs) / 1e6,
  };
}
