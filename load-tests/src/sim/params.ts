import { WORKER_RETRY, type RetryPolicy } from '@chat/backend/domain';
import type { Spread } from './random.js';

/**
 * Full-core CPU of one post on the production path, as `npm run post-cost -w load-tests` measures it (its `adapter`
 * row: the signed posts). Update it with the figure in docs/PERFORMANCE.md.
 */
export const MEASURED_POST_CPU_US = 70;

/**
 * Full-core CPU of any other SDK call (a store call, an Invoke): the same run's `sdk-adapter` row, one signed call
 * through the AWS SDK's client stack.
 */
export const MEASURED_SDK_CALL_CPU_US = 333;

/** Everything a run depends on; the same parameters (seed included) give the same result. */
export interface SimParams {
  /** Connections in the room; the sender is one of them and receives its own message, as in the send Lambda. */
  members: number;
  /** Share of members whose socket is gone (410), removed by fan-out. */
  goneFraction: number;
  /** Account-wide @connections quota (API Gateway's account throttle: 10,000 rps, burst 5,000 by default). */
  callbackRps: number;
  callbackBurst: number;
  /** Round trip of one PostToConnection from a Lambda in the region. */
  postLatency: Spread;
  /** Full-core CPU of one SDK v3 call (measured for PostToConnection); every SDK call is charged the same. */
  postCpuUs: number;
  /** Full-core CPU of one other SDK call (store, Invoke). */
  sdkCallCpuUs: number;
  /** ChatDeps.limits.ephemeralMaxMembers (PRESENCE_MAX_MEMBERS): presence for departures only in rooms this small. */
  ephemeralMaxMembers: number;
  /** Memberships per shard (store); one worker job per shard. */
  shardSize: number;
  /** Rooms up to this many members are fanned out by the send Lambda itself. */
  inlineMax: number;
  /** FanoutDeps.concurrency: posts in flight per fan-out, and Invoke calls in flight in the send Lambda. */
  concurrency: number;
  /** DeliveryDeps.callbackRateBudget (posts/s shared out as the workers' pace); 0 = unpaced. */
  rateBudget: number;
  /** Fan-out worker memory; its CPU share is memory / 1,769 MB. */
  memoryMb: number;
  /** Send Lambda memory (serverless.yml). */
  sendMemoryMb: number;
  /** Round trip of one asynchronous Lambda Invoke. */
  invokeLatency: Spread;
  /** From an accepted async event to a worker starting it. */
  asyncQueueDelay: Spread;
  coldStartMs: number;
  coldFraction: number;
  /** One DynamoDB Query page (also the send Lambda's room read). */
  queryLatency: Spread;
  /** One DynamoDB delete (410 cleanup). */
  writeLatency: Spread;
  /** Lambda account concurrency. */
  lambdaConcurrency: number;
  retry: RetryPolicy;
  seed: number;
  /** Run bounds: a run past them is an error, not a result. */
  maxEvents: number;
  maxVirtualMs: number;
}

export const DEFAULT_PARAMS: SimParams = {
  members: 10_000,
  goneFraction: 0,
  callbackRps: 10_000,
  callbackBurst: 5_000,
  postLatency: { meanMs: 20, jitterMs: 10 },
  postCpuUs: MEASURED_POST_CPU_US,
  sdkCallCpuUs: MEASURED_SDK_CALL_CPU_US,
  ephemeralMaxMembers: 100,
  shardSize: 500,
  inlineMax: 500,
  concurrency: 64,
  rateBudget: 10_000,
  memoryMb: 1024,
  sendMemoryMb: 512,
  invokeLatency: { meanMs: 15, jitterMs: 5 },
  asyncQueueDelay: { meanMs: 30, jitterMs: 20 },
  coldStartMs: 300,
  coldFraction: 0,
  queryLatency: { meanMs: 10, jitterMs: 5 },
  writeLatency: { meanMs: 8, jitterMs: 4 },
  lambdaConcurrency: 1000,
  // The fan-out workers' policy (FanoutWorker); it also covers the send Lambda's posts here.
  retry: WORKER_RETRY,
  seed: 1,
  maxEvents: 50_000_000,
  maxVirtualMs: 15 * 60_000,
};

/** Several rooms, each sent one message, sharing the account's quota and Lambda concurrency. */
export interface Contention {
  /** Rooms of `params.members` members each. */
  rooms: number;
  /** Virtual ms between one room's send and the next (0: all at the same moment). */
  staggerMs: number;
}
