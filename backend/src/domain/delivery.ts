import type { ServerFrame } from '../protocol/index.js';
import { forEachBounded } from './bounded.js';
import { DispatchError } from './errors.js';
import { emptyFanoutResult, fanOut, type FanoutDeps, type FanoutResult, type HeldRecipient } from './fanout.js';
import { jobId as newJobId } from './ids.js';
import type { ChatObserver, FanoutClaims, FanoutDispatcher, FanoutJob, FanoutJobKey, RoomInfo } from './ports.js';

export interface DeliveryDeps extends FanoutDeps {
  /** Absent: every room is fanned out inline (tests, or a stage that declares no worker function). */
  dispatcher?: FanoutDispatcher;
  /** Rooms with more members than this go to workers, one job per shard. */
  inlineMax: number;
  /** The account's @connections quota (posts/s) to share among a message's jobs; absent = workers unpaced. */
  callbackRateBudget?: number;
  /** Told when a job could not be handed over and was sent inline instead (`dispatchFailed`). */
  observer?: ChatObserver;
  /** The inline fallback claims a job too, in case its event was queued after all. */
  claims?: FanoutClaims;
}

/**
 * Claims the job, runs it, and gives the claim back when it fails, so a failed run (a worker, or the inline
 * fallback for a job whose event was queued after all) never makes the job's other runs skip it as a duplicate.
 * 'duplicate' when somebody else holds the claim. Only a job from before job ids, not carrying a message, has no
 * key and just runs.
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

/**
 * The claim key of a job, whatever frame it carries. An event from before job ids (no `jobId`) carried a message,
 * whose id was its key then and still is.
 */
export function jobKey(job: FanoutJob): FanoutJobKey | undefined {
  const jobId = job.jobId ?? (job.frame.type === 'message' ? job.frame.id : undefined);
  if (jobId === undefined) return undefined;
  return { room: job.room, shard: job.shard, jobId, startAfter: job.startAfter, handOns: job.handOns };
}

/** A message's jobs are named by its id, so a retried send meets its first attempt's claims; others get a new id. */
export const jobIdFor = (frame: ServerFrame): string => (frame.type === 'message' ? frame.id : newJobId());

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
  jobId = jobIdFor(frame),
): FanoutJob[] {
  return Array.from({ length: info.shards }, (_, shard) => ({
    room,
    shard,
    jobId,
    frame,
    exceptConnectionId,
    ...(rateBudget !== undefined
      ? { ratePerSecond: rateBudget / info.shards, burst: rateBudget / 2 / info.shards }
      : {}),
  }));
}

/**
 * Delivers a frame to a room (callers go through RoomFanout.toRoom). A small room is fanned out here, by the
 * caller's Lambda; a large one is split by shard and handed to parallel workers, since one Lambda cannot sign a
 * post per member of a very large room in time (docs/FANOUT.md). A job that cannot be handed over is claimed and
 * fanned out inline (an Invoke that timed out may have queued its event anyway), and a failed inline shard does
 * not stop the others. Resolves with what was delivered inline (workers report their own results); rejects, after
 * trying every shard, when a shard could neither be handed over nor sent inline, so the caller keeps the message's
 * outbox mark and a retry re-drives it (claims skip the shards that were done). `recheck`: the room read again
 * after `read` (RoomReads), whose extra shards are fanned out to as well; `held`: a recipient posted to last.
 */
export async function deliver(
  deps: DeliveryDeps,
  room: string,
  read: RoomInfo,
  frame: ServerFrame,
  exceptConnectionId?: string,
  reads: { recheck?: Promise<RoomInfo>; held?: HeldRecipient } = {},
): Promise<FanoutResult> {
  const except = exceptConnectionId !== undefined ? { exceptConnectionId } : {};
  const { dispatcher } = deps;
  const { recheck, held } = reads;
  if (dispatcher === undefined || read.members <= deps.inlineMax) {
    const laterShards = recheck?.then((later) => later.shards);
    laterShards?.catch(() => undefined); // Awaited once the first shards are read; a failure fails the fan-out then.
    const more = { ...(laterShards ? { laterShards } : {}), ...(held ? { held } : {}) };
    return fanOut(deps, room, frame, { ...except, shards: read.shards, ...more });
  }
  // A worker cannot hold a post, so its jobs start once the held recipient may be posted to. They are planned
  // from the recheck: it is read while the ack travels.
  await held?.until.catch(() => undefined);
  const info = recheck === undefined ? read : { ...read, shards: Math.max(read.shards, (await recheck).shards) };
  const result = emptyFanoutResult();
  const undelivered: Array<{ shard: number; error: unknown }> = [];
  await forEachBounded(
    planJobs(room, info, frame, exceptConnectionId, deps.callbackRateBudget),
    deps.concurrency,
    async (job) => {
      try {
        await dispatcher.dispatch(job);
      } catch (error) {
        deps.observer?.observe({ type: 'dispatchFailed', job, error });
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
