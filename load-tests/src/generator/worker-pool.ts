import type { Worker } from 'node:worker_threads';
import type { MonotonicClock } from './clock.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { spawnWorker } from './worker-spawn.js';

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/**
 * The generator's worker threads and their mailboxes: the main thread broadcasts a phase and then waits for
 * every worker's answer, so a crashed or silent worker fails the run instead of hanging it.
 */
export class WorkerPool {
  readonly workers: Worker[] = [];
  private readonly inbox: FromWorker[][] = [];
  private readonly waiters: (() => void)[] = [];
  private crashedWith: Error | undefined;

  constructor(
    private readonly clock: MonotonicClock,
    workerCount: number,
    init: Omit<WorkerInit, 'workerIndex' | 'workerCount'>,
  ) {
    for (let i = 0; i < workerCount; i++) this.spawn(i, { ...init, workerIndex: i, workerCount });
  }

  /** Throws the first worker crash, if any. */
  throwIfCrashed(): void {
    if (this.crashedWith) throw this.crashedWith;
  }

  broadcast(message: ToWorker): void {
    for (const w of this.workers) w.postMessage(message);
  }

  /** Waits until every worker has sent a message of `type`, or fails on a crash or timeout. */
  async all<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Reply<T>[]> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      this.throwIfCrashed();
      const got = this.inbox.map((box) => box.find((m) => m.type === type));
      if (got.every((m) => m !== undefined)) return got as Reply<T>[];
      const left = deadline - this.clock.now();
      if (left <= 0)
        throw new Error(`load-test workers did not report "${type}" within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private spawn(i: number, init: WorkerInit): void {
    const worker = spawnWorker(init);
    this.inbox.push([]);
    worker.on('message', (m: FromWorker) => {
      this.inbox[i]!.push(m);
      this.notify();
    });
    worker.on('error', (error) => {
      this.crashedWith = new Error(`load-test worker ${i} crashed: ${error.message}`, { cause: error });
      this.notify();
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !this.crashedWith)
        this.crashedWith = new Error(`load-test worker ${i} exited with code ${code}`);
      this.notify();
    });
    this.workers.push(worker);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
