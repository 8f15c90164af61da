import type { Timers } from '@chat/backend/domain';

/** The run went past its bounds (events or virtual time): a bug or a scenario too large, never a result. */
export class SimulationLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationLimitError';
  }
}

export interface SchedulerLimits {
  /** Events resolved at most. */
  maxEvents: number;
  /** Virtual milliseconds at most. */
  maxVirtualMs: number;
}

interface Wakeup {
  time: number;
  seq: number;
  resolve: () => void;
}

const before = (a: Wakeup, b: Wakeup): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);

/** A binary min-heap of wake-ups by (time, seq): equal times resolve in the order they were scheduled. */
class WakeupQueue {
  private readonly heap: Wakeup[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(item: Wakeup): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Wakeup;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  pop(): Wakeup | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Wakeup, heap[left] as Wakeup) ? right : left;
      if (!before(heap[child] as Wakeup, last)) break;
      heap[i] = heap[child] as Wakeup;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

/** Lets every pending promise continuation run: setImmediate fires only once the microtask queue is empty. */
const drainMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Discrete-event scheduler in virtual time. Code under simulation waits with `sleep` (the domain's Timers
 * port); `run` repeatedly lets all promise continuations settle, then jumps the clock to the earliest pending
 * wake-up and resolves it. Nothing waits in real time, so a 12 s fan-out simulates in however long its
 * events take to process, and the same inputs always give the same order of events.
 */
export class VirtualScheduler implements Timers {
  private clock = 0;
  private seq = 0;
  private resolved = 0;
  private readonly queue = new WakeupQueue();

  constructor(private readonly limits: SchedulerLimits = { maxEvents: 50_000_000, maxVirtualMs: 3_600_000 }) {}

  /** Virtual milliseconds since the start of the run. */
  now(): number {
    return this.clock;
  }

  /** Wake-ups resolved so far. */
  get events(): number {
    return this.resolved;
  }

  sleep(ms: number): Promise<void> {
    if (!Number.isFinite(ms)) return Promise.reject(new RangeError(`sleep(${ms}): not a finite duration`));
    return this.until(this.clock + Math.max(0, ms));
  }

  /** Resolves at virtual time `time` (now, after the wake-ups already due, when `time` is in the past). */
  until(time: number): Promise<void> {
    return new Promise((resolve) => this.queue.push({ time: Math.max(time, this.clock), seq: this.seq++, resolve }));
  }

  /**
   * Runs the simulation until nothing is scheduled, then returns what `main` settled with. Throws
   * SimulationLimitError past the limits, and an Error when `main` is still pending with nothing scheduled
   * (it waits on something outside virtual time, such as a real timer).
   */
  async run<T>(main: Promise<T>): Promise<T> {
    let settled = false;
    const outcome = main.then(
      (value) => {
        settled = true;
        return value;
      },
      (error: unknown) => {
        settled = true;
        throw error;
      },
    );
    // Keep an early rejection from being reported as unhandled while the loop is still running.
    outcome.catch(() => undefined);
    for (;;) {
      await drainMicrotasks();
      const next = this.queue.pop();
      if (next === undefined) break;
      if (next.time > this.limits.maxVirtualMs) {
        throw new SimulationLimitError(
          `virtual time passed ${this.limits.maxVirtualMs} ms with ${this.queue.size + 1} wake-ups pending`,
        );
      }
      if (this.resolved >= this.limits.maxEvents) {
        throw new SimulationLimitError(
          `more than ${this.limits.maxEvents} events by ${this.clock.toFixed(3)} ms virtual time`,
        );
      }
      this.resolved += 1;
      this.clock = next.time;
      next.resolve();
    }
    if (!settled)
      throw new Error(
        'simulation stalled: nothing is scheduled but the run has not finished (a wait outside virtual time?)',
      );
    return outcome;
  }
}
