import { fanoutEventSchema, type FanoutEvent } from '../protocol/index.js';
import { workerForTarget } from './lib/deps.js';
import { logger } from './lib/logger.js';

/**
 * Time kept back from the Lambda timeout: posts already in flight end (5 s request timeout on AWS) and the rest
 * of the shard is handed to a new job (an Invoke) before Lambda stops the function.
 */
export const HAND_ON_MARGIN_MS = 20_000;

/**
 * When to stop starting posts. The margin is at most a quarter of the time left, so a function deployed with a
 * short timeout still works most of it instead of handing on after every post.
 */
export function postingDeadline(remainingMs: number, now = Date.now()): number {
  return now + remainingMs - Math.min(HAND_ON_MARGIN_MS, remainingMs / 4);
}

/** The part of the Lambda context this handler reads. */
interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

type FanoutSummary =
  { duplicate: true } | { delivered: number; gone: number; failed: number; throttled: number; handedOn: boolean };

/**
 * Large-room worker, invoked asynchronously by `send` once per membership shard: posts the frame to every
 * member of its shard. Throttling is retried inside; Lambda does not retry it (maximumRetryAttempts 0), and a
 * repeated delivery of the same event is recognised by the job's claim. Close to its timeout, the worker hands the
 * rest of its shard to a new invocation.
 */
export async function handler(event: FanoutEvent, context?: LambdaContext): Promise<FanoutSummary> {
  // Checked although `send` built it: anything with lambda:InvokeFunction can call this function.
  const job = fanoutEventSchema.parse(event);
  const where = {
    room: job.room,
    jobId: job.jobId,
    shard: job.shard,
    startAfter: job.startAfter,
    handOns: job.handOns,
    retried: job.retry?.length,
  };
  const { target, ...fields } = job;
  const outcome = await workerForTarget(target).run(
    fields,
    context !== undefined ? { deadline: postingDeadline(context.getRemainingTimeInMillis()) } : {},
  );
  if (outcome === 'duplicate') {
    logger.info('fan-out job skipped: already claimed', where);
    return { duplicate: true };
  }
  const summary = {
    delivered: outcome.delivered,
    gone: outcome.gone.length,
    failed: outcome.failed.length,
    throttled: outcome.throttled,
    handedOn: outcome.unfinished !== undefined,
  };
  logger.info('fan-out job done', { ...where, ...summary });
  return summary;
}
