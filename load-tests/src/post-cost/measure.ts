import { performance } from 'node:perf_hooks';
import type { Poster } from './posters.js';

/** One round of posts: CPU of this whole process (every thread, as Lambda bills it) and wall time. */
export interface RoundSample {
  posts: number;
  cpuUs: number;
  wallMs: number;
}

/**
 * Makes `posts` posts with at most `concurrency` in flight (fan-out's FANOUT_CONCURRENCY), to connection ids
 * that vary like a room's, and measures them. Any failed post fails the round: a cost per post is only
 * meaningful for posts that were made.
 */
export async function round(poster: Poster, posts: number, concurrency: number): Promise<RoundSample> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < posts) {
      const i = next;
      next += 1;
      await poster.post(`conn${String(i).padStart(6, '0')}AbCdE=`);
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, posts) }, worker));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { posts, cpuUs: used.user + used.system, wallMs };
}

/** Median, min and max of per-post values over rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}
