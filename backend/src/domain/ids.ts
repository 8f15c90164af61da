import { randomBytes } from 'node:crypto';
import type { Clock, IdGenerator, Timers } from './ports.js';

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Message ids are the zero-padded epoch milliseconds plus 10 random base-32 characters, so the DynamoDB sort
 * key orders a room's history by time and two messages in the same millisecond never collide.
 */
export const timeSortableIds: IdGenerator = {
  messageId(ts: number): string {
    const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
    const random = [...randomBytes(10)].map((b) => alphabet[b % 32]).join('');
    return `${String(Math.trunc(ts)).padStart(13, '0')}-${random}`;
  },
};

export const systemTimers: Timers = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Names one handler's attempt at a message's fan-out (MessageStore's outbox mark), so it can tell a take-over. */
export const attemptToken = (): string => randomBytes(9).toString('base64url');

/** Names one delivery of a frame that is not a message, for its fan-out jobs' claims (FanoutJobKey.jobId). */
export const jobId = (): string => `f-${randomBytes(12).toString('base64url')}`;
