import * as z from 'zod';
import { serverFrameSchema, userSchema } from './server-frames.js';

/**
 * One slice of a large room's fan-out: the members of one shard. `send` builds it and the `fanout` worker parses it
 * (anything with lambda:InvokeFunction can call that function), so this one schema is both the check and the type.
 */
export const fanoutJobSchema = z.object({
  room: z.string().min(1),
  shard: z.number().int().min(0),
  /**
   * Names this delivery of the frame: the message id for a message (a retried send meets its first attempt's
   * claims), a random id for any other frame. Absent on events from before it existed: a message's id stands in.
   */
  jobId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^#]+$/, 'a job id has no "#"')
    .optional(),
  frame: serverFrameSchema,
  exceptConnectionId: z.string().optional(),
  /** This job's share of the account's @connections quota (posts per second); absent = unpaced. */
  ratePerSecond: z.number().positive().optional(),
  /** Posts the job may make at once before the pace applies: its share of the quota's burst. */
  burst: z.number().positive().optional(),
  /**
   * Only the shard's members after this connection id: set on the job a worker hands on when its Lambda is about
   * to time out, so the rest of the shard is still delivered.
   */
  startAfter: z.string().min(1).optional(),
  /** Members of the shard to post to first: those whose posts the previous worker's deadline stopped. */
  retry: z
    .array(z.object({ connectionId: z.string().min(1), user: userSchema, joinedAt: z.number() }))
    .max(10_000)
    .optional(),
  /** How many workers handed this shard on before this job: part of its claim, and bounded (MAX_HAND_ONS). */
  handOns: z.number().int().min(0).optional(),
});

/** What a fan-out worker receives: the job plus the API (domain name and stage) whose connections it posts to. */
export const fanoutEventSchema = fanoutJobSchema.extend({
  target: z.object({ domainName: z.string().min(1), stage: z.string().min(1) }),
});

export type FanoutJob = z.infer<typeof fanoutJobSchema>;
export type FanoutEvent = z.infer<typeof fanoutEventSchema>;
