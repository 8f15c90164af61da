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
  target: z.object({ domainName: z.string().min(1), stage: z.string().min(1) }),
});

/**
 * Large-room worker, invoked asynchronously by `send` once per membership shard: posts the frame to every
 * member of its shard. Throttling is retried inside; a failure here is logged and not retried by Lambda
 * (maximumRetryAttempts 0), since a second run would deliver the whole shard again.
 */
export async function handler(event: FanoutEvent): Promise<{ delivered: number; gone: number; failed: number; throttled: number }> {
  const job = fanoutEventSchema.parse(event);
  const result = await chatForTarget(job.target).fanOutJob({
    room: job.room,
    shard: job.shard,
    frame: job.frame,
    ...(job.exceptConnectionId !== undefined ? { exceptConnectionId: job.exceptConnectionId } : {}),
    ...(job.ratePerSecond !== undefined ? { ratePerSecond: job.ratePerSecond } : {}),
    ...(job.burst !== undefined ? { burst: job.burst } : {}),
  });
  const summary = { delivered: result.delivered, gone: result.gone.length, failed: result.failed.length, throttled: result.throttled };
  logger.info('fan-out job done', { room: job.room, shard: job.shard, ...summary });
  return summary;
}
