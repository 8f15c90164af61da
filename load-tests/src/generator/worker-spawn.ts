import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './messages.js';

/**
 * Starts a generator worker from source. Node 20 does not run `--import` loader hooks in worker threads,
 * so a `tsx` parent's loader is not inherited; the CommonJS bootstrap registers tsx inside the thread.
 * Nothing is compiled ahead of time or downloaded.
 */
export function spawnWorker(init: WorkerInit): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker-bootstrap.cjs' : './worker.js', import.meta.url);
  return new Worker(entry, { workerData: init, execArgv: [] });
}
