import { z } from 'zod';
import type { FanoutEvent } from '../adapters/index.js';
import { serverFrameSchema } from '../protocol/index.js';
import { chatForTarget } from './lib/deps.js';
import { logger } from './lib/logger.js';

/** The event `send` builds; checked anyway, since anything with lambda:InvokeFunction can call this function. */
const fanoutEventSchema = z.object({
  room: z.string().min(1),
  shard: z.number().int().min(0),
  frame: serverFrameSchema,
  exceptConnectionId: z.string().optional(),
  ratePerSecond: z.number().positive().optional(),
  burst: z.number().positive().optional(),
  startAfter: z.string().min(1).optional(),
  retry: z
    .array(z.object({ connectionId: z.string().min(1), user: z.object({ userId: z.string(), name: z.string() }), joinedAt: z.number() }))
    .max(10_000)
    .optional(),
  handOns: z.number().int().min(0).optional(),
  target: z.object({ domainName: z.string().min(1), stage: z.string().min(1) }),
});

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

type FanoutSummary = { duplicate: true } | { delivered: number; gone: number; failed: number; throttled: number; handedOn: boolean };

/**
 * Large-room worker, invoked asynchronously by `send` once per membership shard: posts the frame to every
 * member of its shard. Throttling is retried inside; Lambda does not retry it (maximumRetryAttempts 0), and a
 * repeated delivery of the same event is recognised by the job's claim. Close to its timeout, the worker hands the
 * rest of its shard to a new invocation.
 */
export async function handler(event: FanoutEvent, context?: LambdaContext): Promise<FanoutSummary> {
  const job = fanoutEventSchema.parse(event);
  const where = {
    room: job.room,
    shard: job.shard,
    ...(job.startAfter !== undefined ? { startAfter: job.startAfter } : {}),
    ...(job.handOns !== undefined ? { handOns: job.handOns, retried: job.retry?.length ?? 0 } : {}),
  };
  const outcome = await chatForTarget(job.target).fanOutJob(
    {
      room: job.room,
      shard: job.shard,
      frame: job.frame,
      ...(job.exceptConnectionId !== undefined ? { exceptConnectionId: job.exceptConnectionId } : {}),
      ...(job.ratePerSecond !== undefined ? { ratePerSecond: job.ratePerSecond } : {}),
      ...(job.burst !== undefined ? { burst: job.burst } : {}),
      ...(job.startAfter !== undefined ? { startAfter: job.startAfter } : {}),
      ...(job.retry !== undefined ? { retry: job.retry } : {}),
      ...(job.handOns !== undefined ? { handOns: job.handOns } : {}),
    },
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
