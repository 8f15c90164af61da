import { Worker } from 'node:worker_threads';
import type { FunctionSpec } from './lambda-runtime.js';
import { deserializeError, type InvocationRequest, type WorkerInit, type WorkerMessage } from './worker-messages.js';

/**
 * Runs invocations in worker threads, the local stand-in for Lambda's per-invocation containers: fan-out workers
 * (and, when asked, route handlers) get their own CPU instead of queueing behind the gateway's event loop. Threads start on demand (an idle warm thread is reused first, like a warm container) up to `size`; each
 * runs up to `init.concurrency` invocations so I/O-bound ones overlap; past that, invocations queue.
 */
export interface WorkerPoolOptions {
  size: number;
  init: WorkerInit;
  /** A thread reports what does not belong to one invocation (a stray rejection or throw) here. */
  onLog(message: string, error: Error | undefined): void;
}

interface Job {
  spec: FunctionSpec;
  event: unknown;
  requestId: string;
  timeoutMs?: number | undefined;
  resolve(result?: unknown): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  running: Map<number, Job>;
}

const ENTRY = new URL('./invocation-worker.cjs', import.meta.url);

export class WorkerPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Settles when the handler finished: with its result (structured-cloned), or its error if it failed. */
  run(spec: FunctionSpec, event: unknown, requestId: string, timeoutMs?: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<unknown>((resolve, reject) => {
      this.queue.push({ spec, event, requestId, timeoutMs, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts every thread and loads `specs` in each, like provisioned concurrency: the first large-room message
   * then does not pay a thread start and a TypeScript compile per thread (AWS pays a far shorter init).
   */
  async prewarm(specs: FunctionSpec[]): Promise<void> {
    while (this.threads.length < this.options.size) this.spawn();
    await Promise.all(
      this.threads.flatMap((thread) =>
        specs.map(
          (spec) =>
            new Promise<void>((resolve, reject) => {
              const id = this.nextId++;
              thread.running.set(id, { spec, event: undefined, requestId: `warm-${id}`, resolve, reject });
              const request: InvocationRequest = { id, spec, event: undefined, requestId: `warm-${id}`, warm: true };
              thread.worker.postMessage(request);
            }),
        ),
      ),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const stopped = new Error('the worker pool was closed before the invocation ran');
    for (const job of this.queue.splice(0)) job.reject(stopped);
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const thread = this.pickThread();
      if (!thread) return;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      thread.running.set(id, job);
      const request: InvocationRequest = {
        id,
        spec: job.spec,
        event: job.event,
        requestId: job.requestId,
        timeoutMs: job.timeoutMs,
      };
      thread.worker.postMessage(request);
    }
  }

  /** An idle thread, else a new one, else the least busy thread with a free slot. */
  private pickThread(): Thread | undefined {
    const idle = this.threads.find((thread) => thread.running.size === 0);
    if (idle) return idle;
    if (this.threads.length < this.options.size) return this.spawn();
    let best: Thread | undefined;
    for (const thread of this.threads) {
      if (thread.running.size < this.options.init.concurrency && (!best || thread.running.size < best.running.size))
        best = thread;
    }
    return best;
  }

  private spawn(): Thread {
    // env: a copy of the Lambda environment the gateway exported. execArgv: [] keeps the parent's --import tsx
    // (and test runner flags) out of the thread; invocation-worker.cjs registers tsx itself.
    const worker = new Worker(ENTRY, { workerData: this.options.init, execArgv: [], env: { ...process.env } });
    const thread: Thread = { worker, running: new Map() };
    this.threads.push(thread);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'log') {
        this.options.onLog(message.message, message.error && deserializeError(message.error));
        return;
      }
      const job = thread.running.get(message.id);
      thread.running.delete(message.id);
      if (message.error) job?.reject(deserializeError(message.error));
      else job?.resolve(message.result);
      this.dispatch();
    });
    const lost = (error: Error) => {
      const index = this.threads.indexOf(thread);
      if (index < 0) return;
      this.threads.splice(index, 1);
      for (const job of thread.running.values()) job.reject(error);
      thread.running.clear();
      if (!this.closed) this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`invocation worker thread exited with code ${code}`)));
    return thread;
  }
}
