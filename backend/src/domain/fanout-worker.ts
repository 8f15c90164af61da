import { pacing, runClaimed, type FanoutClaims } from './delivery.js';
import { DispatchError } from './errors.js';
import { fanOut, type FanoutDeps, type FanoutResult, WORKER_RETRY, type RetryPolicy } from './fanout.js';
import type { FanoutDispatcher, FanoutJob } from './ports.js';

/**
 * A shard is handed on at most this often: each worker covers at least ~100 s (a 120 s timeout less the margin),
 * so this is about an hour of sustained throttling, past which a message is no longer worth delivering.
 */
export const MAX_HAND_ONS = 32;

export interface FanoutWorkerDeps {
  fanout: FanoutDeps;
  claims: FanoutClaims;
  /** Where the rest of a shard goes when the worker runs out of time. */
  dispatcher?: FanoutDispatcher;
  /** Posts from fan-out workers (120 s timeout): 429s retried for longer. Default WORKER_RETRY. */
  retry?: RetryPolicy;
  /** Logs the job's failed deliveries and announces the connections it removed. */
  afterFanOut: (job: FanoutJob, result: FanoutResult) => Promise<void>;
  /** Told when the rest of a shard could not be handed on; the job then fails, to the failure queue. */
  onUnfinishedJob?: (job: FanoutJob, error: unknown) => void;
}

/**
 * A fan-out worker's job: one shard of a large room, or the rest of one after `startAfter`. It is claimed first,
 * so an event Lambda delivers twice is sent once ('duplicate'). With a deadline (the Lambda's remaining time less a
 * margin) the worker stops starting posts in time and hands the rest of its shard to a new job, which a timeout
 * would drop (workers are not retried by Lambda).
 */
export async function runFanoutJob(
  deps: FanoutWorkerDeps,
  job: FanoutJob,
  options: { deadline?: number } = {},
): Promise<FanoutResult | 'duplicate'> {
  return runClaimed(deps.claims, job, async () => {
    const result = await fanOut({ ...deps.fanout, retry: deps.retry ?? WORKER_RETRY }, job.room, job.frame, {
      shard: job.shard,
      ...pacing(job),
      exceptConnectionId: job.exceptConnectionId,
      startAfter: job.startAfter,
      retry: job.retry?.map((member) => ({ ...member, room: job.room, shard: job.shard })),
      deadline: options.deadline,
    });
    await deps.afterFanOut(job, result);
    const { unfinished } = result;
    if (unfinished !== undefined) {
      const { startAfter: _previous, retry: _retried, ...same } = job;
      await handOn(deps, {
        ...same,
        startAfter: unfinished.startAfter,
        ...(unfinished.retry.length > 0
          ? { retry: unfinished.retry.map(({ connectionId, user, joinedAt }) => ({ connectionId, user, joinedAt })) }
          : {}),
        handOns: (job.handOns ?? 0) + 1,
      });
    }
    return result;
  });
}

async function handOn(deps: FanoutWorkerDeps, rest: FanoutJob): Promise<void> {
  try {
    if (deps.dispatcher === undefined)
      throw new DispatchError('No fan-out dispatcher to hand the rest of the shard to');
    if ((rest.handOns ?? 0) > MAX_HAND_ONS)
      throw new DispatchError(`Shard handed on ${MAX_HAND_ONS} times already; giving up`);
    await deps.dispatcher.dispatch(rest);
  } catch (error) {
    deps.onUnfinishedJob?.(rest, error);
    throw error;
  }
}
