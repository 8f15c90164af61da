import type { RoomFanoutDeps } from './chat-deps.js';
import { pacing, runClaimed } from './delivery.js';
import { DispatchError } from './errors.js';
import { fanOut, type FanoutResult, WORKER_RETRY } from './fanout.js';
import type { FanoutJob } from './ports.js';
import { RoomFanout } from './room-fanout.js';

/**
 * A shard is handed on at most this often: each worker covers at least ~100 s (a 120 s timeout less the margin),
 * so this is about an hour of sustained throttling, past which a message is no longer worth delivering.
 */
export const MAX_HAND_ONS = 32;

/**
 * The fan-out worker: runs one job (one shard of a large room, or the rest of one after `startAfter`). It claims
 * the job first, so an event Lambda delivers twice is sent once ('duplicate'); fans the shard out; announces the
 * connections it removed; and, out of time, hands the rest of its shard to a new job, which a timeout would drop
 * (workers are not retried by Lambda). A run that fails gives its claim back, so the event can be driven again
 * from the failure queue.
 */
export class FanoutWorker {
  private readonly rooms: RoomFanout;

  /** `rooms`: share a chat service's (and so its knowledge of gone connections) in one container. */
  constructor(
    private readonly deps: RoomFanoutDeps,
    rooms?: RoomFanout,
  ) {
    this.rooms = rooms ?? new RoomFanout(deps);
  }

  /**
   * `deadline`: the Lambda's remaining time less a margin; past it the worker starts no post and hands the rest on.
   */
  async run(job: FanoutJob, options: { deadline?: number } = {}): Promise<FanoutResult | 'duplicate'> {
    return runClaimed(this.deps.claims, job, async () => {
      const startedAt = this.deps.clock.now();
      const result = await fanOut(this.rooms.fanoutDeps(this.deps.workerRetry ?? WORKER_RETRY), job.room, job.frame, {
        shard: job.shard,
        ...pacing(job),
        exceptConnectionId: job.exceptConnectionId,
        startAfter: job.startAfter,
        retry: job.retry?.map((member) => ({ ...member, room: job.room, shard: job.shard })),
        deadline: options.deadline,
      });
      this.rooms.report(job.room, result, 'worker', startedAt);
      await this.rooms.afterReply('fanout', () => this.rooms.announceDepartures(result.gone));
      if (result.unfinished !== undefined) await this.handOn(rest(job, result.unfinished));
      return result;
    });
  }

  private async handOn(next: FanoutJob): Promise<void> {
    try {
      if (this.deps.dispatcher === undefined)
        throw new DispatchError('No fan-out dispatcher to hand the rest of the shard to');
      if ((next.handOns ?? 0) > MAX_HAND_ONS)
        throw new DispatchError(`Shard handed on ${MAX_HAND_ONS} times already; giving up`);
      await this.deps.dispatcher.dispatch(next);
    } catch (error) {
      this.rooms.observer.observe({ type: 'unfinishedJob', job: next, error });
      throw error;
    }
  }
}

/** The job that does what a deadline left of `job`: the same delivery, later in the shard, one hand-on more. */
function rest(job: FanoutJob, unfinished: NonNullable<FanoutResult['unfinished']>): FanoutJob {
  const { startAfter: _previous, retry: _retried, ...same } = job;
  return {
    ...same,
    startAfter: unfinished.startAfter,
    ...(unfinished.retry.length > 0
      ? { retry: unfinished.retry.map(({ connectionId, user, joinedAt }) => ({ connectionId, user, joinedAt })) }
      : {}),
    handOns: (job.handOns ?? 0) + 1,
  };
}
