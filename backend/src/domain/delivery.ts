import type { ServerFrame } from '../protocol/index.js';
import { forEachBounded } from './bounded.js';
import { DispatchError } from './errors.js';
import { emptyFanoutResult, fanOut, type FanoutDeps, type FanoutResult } from './fanout.js';
import type { FanoutDispatcher, FanoutJob, FanoutJobKey, MessageStore, RoomInfo } from './ports.js';

export interface DeliveryDeps extends FanoutDeps {
  /** Absent: every room is fanned out inline (tests, or a stage that declares no worker function). */
  dispatcher?: FanoutDispatcher;
  /** Rooms with more members than this go to workers, one job per shard. */
  inlineMax: number;
  /** The account's @connections quota (posts/s) to share among a message's jobs; absent = workers unpaced. */
  callbackRateBudget?: number;
  /** Told when a job could not be handed over and was sent inline instead. */
  onDispatchFailure?: (job: FanoutJob, error: unknown) => void;
  /** The inline fallback claims a job too, in case its event was queued after all. */
  claims?: FanoutClaims;
}

/** MessageStore's claim methods: a job is run by whoever claims it first. */
export type FanoutClaims = Pick<MessageStore, 'claimFanoutJob' | 'releaseFanoutJob'>;

/**
 * Claims the job, runs it, and gives the claim back when it fails, so a failed run (a worker, or the inline
 * fallback for a job whose event was queued after all) never makes the job's other runs skip it as a duplicate.
 * 'duplicate' when somebody else holds the claim. Jobs without a key (not messages) just run.
 */
export async function runClaimed<T>(
  claims: FanoutClaims | undefined,
  job: FanoutJob,
  run: () => Promise<T>,
): Promise<T | 'duplicate'> {
  const key = jobKey(job);
  if (key === undefined || claims === undefined) return run();
  if (!(await claims.claimFanoutJob(key))) return 'duplicate';
  try {
    return await run();
  } catch (error) {
    await claims.releaseFanoutJob(key).catch(() => undefined);
    throw error;
  }
}

/** The claim key of a job; undefined for a frame that is not a message (jobs only ever carry messages). */
export function jobKey(job: FanoutJob): FanoutJobKey | undefined {
  if (job.frame.type !== 'message') return undefined;
  return {
    room: job.room,
    shard: job.shard,
    messageId: job.frame.id,
    startAfter: job.startAfter,
    handOns: job.handOns,
  };
}

export function mergeResults(into: FanoutResult, from: FanoutResult): FanoutResult {
  into.delivered += from.delivered;
  into.gone.push(...from.gone);
  into.failed.push(...from.failed);
  into.throttled += from.throttled;
  return into;
}

/**
 * One job per shard of the room, each paced at its share of `rateBudget` when there is one, after its share of
 * a burst of half a second's budget (the shape of AWS's quota: 10,000/s with a burst of 5,000).
 */
export function planJobs(
  room: string,
  info: RoomInfo,
  frame: ServerFrame,
  exceptConnectionId?: string,
  rateBudget?: number,
): FanoutJob[] {
  return Array.from({ length: info.shards }, (_, shard) => ({
    room,
    shard,
    frame,
    exceptConnectionId,
    ...(rateBudget !== undefined
      ? { ratePerSecond: rateBudget / info.shards, burst: rateBudget / 2 / info.shards }
      : {}),
  }));
}

/**
 * Delivers a message frame to a room. A small room is fanned out here, by the caller's Lambda; a large one is split
 * by shard and handed to parallel workers, since one Lambda cannot sign a post per member of a very large room in
 * time (docs/FANOUT.md). A job that cannot be handed over is claimed and fanned out inline (an Invoke that timed out
 * may have queued its event anyway), and a failed inline shard does not stop the others. Resolves with what was
 * delivered inline (workers report their own results); rejects, after trying every shard, when a shard could
 * neither be handed over nor sent inline, so the caller keeps the message's outbox mark and a retry re-drives it
 * (claims skip the shards that were done).
 */
export async function deliver(
  deps: DeliveryDeps,
  room: string,
  info: RoomInfo,
  frame: ServerFrame,
  exceptConnectionId?: string,
): Promise<FanoutResult> {
  const except = exceptConnectionId !== undefined ? { exceptConnectionId } : {};
  const { dispatcher } = deps;
  if (dispatcher === undefined || info.members <= deps.inlineMax) {
    return fanOut(deps, room, frame, { ...except, shards: info.shards });
  }
  const result = emptyFanoutResult();
  const undelivered: Array<{ shard: number; error: unknown }> = [];
  await forEachBounded(
    planJobs(room, info, frame, exceptConnectionId, deps.callbackRateBudget),
    deps.concurrency,
    async (job) => {
      try {
        await dispatcher.dispatch(job);
      } catch (error) {
        deps.onDispatchFailure?.(job, error);
        try {
          const inline = await runClaimed(deps.claims, job, () =>
            fanOut(deps, room, frame, { ...except, shard: job.shard, ...pacing(job) }),
          );
          if (inline !== 'duplicate') mergeResults(result, inline);
        } catch (inlineError) {
          // Collected, not thrown yet: forEachBounded would stop dispatching the shards after this one.
          undelivered.push({ shard: job.shard, error: inlineError });
        }
      }
    },
  );
  if (undelivered.length > 0) {
    throw new DispatchError(`${undelivered.length} of ${info.shards} shards of ${room} could not be delivered`, {
      cause: undelivered[0]?.error,
    });
  }
  return result;
}

/** A job's pacing as fanOut options. */
export const pacing = (job: FanoutJob): { ratePerSecond?: number; burst?: number } => ({
  ratePerSecond: job.ratePerSecond,
  burst: job.burst,
});
