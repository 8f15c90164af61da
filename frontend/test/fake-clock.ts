import type { Timers } from '../src/realtime/timers.js';

interface Task {
  at: number;
  seq: number;
  fn: () => void;
}

/** Manual clock: time moves only through advance(), running due callbacks in time order. */
export class FakeClock implements Timers {
  private time = 1_700_000_000_000;
  private seq = 0;
  private readonly tasks = new Map<number, Task>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    this.seq += 1;
    this.tasks.set(this.seq, { at: this.time + Math.max(0, ms), seq: this.seq, fn });
    return this.seq;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.tasks.delete(handle);
  }

  /** Runs every callback due within `ms`; bounded so a timer that re-arms itself at 0 ms cannot hang a test. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let i = 0; i < 10_000; i++) {
      let next: [number, Task] | undefined;
      for (const entry of this.tasks) {
        const [, task] = entry;
        if (task.at > end) continue;
        if (!next || task.at < next[1].at || (task.at === next[1].at && task.seq < next[1].seq)) next = entry;
      }
      if (!next) {
        this.time = end;
        return;
      }
      this.tasks.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    throw new Error('FakeClock.advance: too many timers fired');
  }

  get pendingCount(): number {
    return this.tasks.size;
  }
}
