import type { LatencySummary } from '../stats.js';
import type { MessageCost } from './cost.js';
import type { Contention, SimParams } from './params.js';

export interface SimResult {
  params: SimParams;
  /** Virtual ms from the send Lambda starting (room read) to the last recipient receiving the message; null if nobody did. */
  timeToLastRecipientMs: number | null;
  /** Per recipient: ms from the send Lambda starting to receiving the message. */
  deliveryMs: LatencySummary;
  delivered: number;
  /** Members whose connection is alive. */
  expected: number;
  /** Members that received the message twice (must stay 0). */
  duplicates: number;
  /** Post attempts, 429 answers, and attempts after a member's first. */
  attempts: number;
  throttled: number;
  retries: number;
  /** Deliveries given up (FanoutResult.failed, all fan-outs) and errors thrown by worker invocations. */
  failures: number;
  workerErrors: string[];
  /** 410 answers, and members still in the store afterwards (gone ones should be removed). */
  goneAnswers: number;
  membersLeft: number;
  /** Whether the room went to workers, and how they ran. */
  dispatched: boolean;
  workers: { invocations: number; cold: number; peakConcurrent: number; maxDurationMs: number; maxCpuMs: number };
  /** The send Lambda's own time (room read, dispatch or inline fan-out). */
  sendLambdaMs: number;
  /** When the last invocation ended. */
  lastWorkerDoneMs: number;
  peakInFlightPosts: number;
  /** Admitted posts a second from the first admission to the last; null with fewer than two. */
  achievedPostsPerSecond: number | null;
  /** Lower bound the quota alone sets on the last admission: (admitted - burst) / rps. */
  quotaFloorMs: number;
  /** The message's cost per million such messages, at list prices (src/cost/aws-prices.ts). */
  cost: MessageCost;
  events: number;
  wallMs: number;
}

/** One room of a run with several: its numbers, times measured from its own send. */
export interface RoomOutcome {
  room: string;
  /** When its send Lambda started (k x staggerMs). */
  sentAtMs: number;
  /** From its send to its last recipient; null if nobody got the message. */
  timeToLastRecipientMs: number | null;
  deliveryMs: LatencySummary;
  delivered: number;
  expected: number;
  duplicates: number;
  attempts: number;
  throttled: number;
  retries: number;
  /** The most attempts one of its members needed (RetryPolicy.maxAttempts gives up). */
  mostAttempts: number;
  failures: number;
  workerErrors: string[];
  goneAnswers: number;
  membersLeft: number;
  /** Worker invocations of its jobs. */
  workers: number;
  /** Its send Lambda's own time. */
  sendLambdaMs: number;
}

/** A run of several rooms at once: each room, and the account as a whole. */
export interface ContentionResult {
  params: SimParams;
  contention: Contention;
  rooms: RoomOutcome[];
  /** Virtual ms from the first send to the last recipient of all rooms; null if nobody got a message. */
  lastRecipientMs: number | null;
  delivered: number;
  expected: number;
  /** Live members that never got their room's message (expected - delivered, summed). */
  lost: number;
  duplicates: number;
  attempts: number;
  throttled: number;
  retries: number;
  mostAttempts: number;
  failures: number;
  goneAnswers: number;
  /** Posts that took a token (admitted, or answered 410), all rooms; the ack to each sender not counted. */
  posts: number;
  /** Admitted posts a second, all rooms, from the first admission to the last. */
  achievedPostsPerSecond: number | null;
  /** Lower bound the one quota sets on the last admission of all rooms: (posts of all rooms - burst) / rps. */
  quotaFloorMs: number;
  /** Worker invocations of all rooms; peakConcurrent excludes the send Lambdas. */
  workers: { invocations: number; cold: number; peakConcurrent: number; maxDurationMs: number; maxCpuMs: number };
  events: number;
  wallMs: number;
}
