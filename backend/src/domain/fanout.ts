import type { ServerFrame } from '../protocol/index.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { fullJitterDelay } from './backoff.js';
import { TokenBucket } from './token-bucket.js';
import { ConnectionGoneError, GatewayError, ThrottledError } from './errors.js';
import type { GoneConnections } from './gone-connections.js';
import { systemClock, systemTimers } from './ids.js';
import type { Clock, ConnectionGateway, ConnectionStore, Membership, Timers } from './ports.js';

/** A member whose post answered 410, with the rooms it was removed from (empty past the deadline: not removed). */
export type GoneMember = Membership & {
  rooms: string[];
  /** When it was removed (clock ms): its departure's presence time. */
  at?: number;
};

export interface FanoutResult {
  delivered: number;
  /**
   * Connections that answered 410 and that this fan-out removed with all their memberships (`rooms`), so it is the
   * one to announce them; past the deadline they are only listed (rooms empty), the removal left to the next
   * message's 410, since in a DynamoDB brownout it could use up the time the hand-on needs.
   */
  gone: GoneMember[];
  /** Deliveries that failed for another reason, after retries (logged by the caller). */
  failed: Array<{ connectionId: string; error: unknown }>;
  /** 429 answers (each retried after a backoff while the retry policy and the deadline allow). */
  throttled: number;
  /**
   * Set when the deadline stopped the fan-out: what is left for another job to do. `startAfter` is where the
   * shard's Query stopped (the last member started; absent when none was), `retry` the members whose posts
   * were stopped between throttled attempts or never started, so the next job reaches them too.
   */
  unfinished?: { startAfter?: string; retry: Membership[] };
}

/** How a post answered 429 or failed on the way is repeated. */
export interface RetryPolicy {
  /** Attempts per recipient when throttled (429), the first included; with throttleBudgetMs only a safety cap. */
  maxAttempts: number;
  /**
   * Keep retrying a throttled post until this long after its first attempt: under contention (several large
   * rooms at once) the quota stays overloaded for as long as their posts need, so a deadline slows a message
   * down where a fixed count would drop recipients.
   */
  throttleBudgetMs?: number;
  /** Attempts per recipient after a network error or a 5xx: fewer, since each may have waited for a timeout. */
  transientAttempts: number;
  /** Full-jitter exponential backoff: a random wait in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))]. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * For route handlers (replies, small rooms, the inline fallback): the backoff of 16 throttled attempts ends well
 * inside the 29 s integration timeout. Why 16, and not fewer: docs/PERFORMANCE.md.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 16, transientAttempts: 2, baseDelayMs: 50, maxDelayMs: 2_000 };

/**
 * For fan-out workers (120 s Lambda timeout): a throttled post is retried on a 60 s deadline rather than a count,
 * because several large rooms at once keep the account's quota overloaded for as long as their posts need.
 * The simulated runs behind it: docs/PERFORMANCE.md.
 */
export const WORKER_RETRY: RetryPolicy = { ...DEFAULT_RETRY, maxAttempts: 1_000, throttleBudgetMs: 60_000 };

export interface FanoutDeps {
  connections: ConnectionStore;
  gateway: ConnectionGateway;
  /** Posts in flight at most; lowered while the management API throttles. */
  concurrency: number;
  retry?: RetryPolicy;
  timers?: Timers;
  /** For pacing (ratePerSecond). */
  clock?: Clock;
  /** Jitter source, [0, 1). */
  random?: () => number;
  /** Connections known to be gone, skipped without a post; 410s found here are added. */
  gone?: GoneConnections;
}

export interface FanoutOptions {
  exceptConnectionId?: string;
  /** Only this shard of the room (a fan-out worker's slice); otherwise every shard. */
  shard?: number;
  /** The room's shard count when the caller already read it. */
  shards?: number;
  /**
   * With `shards`: the shard count read again later (RoomReads.recheck); shards beyond `shards` are read after
   * those, so members of a shard opened between the two reads are reached too.
   */
  laterShards?: Promise<number>;
  /** A recipient whose post waits for `until` to settle. */
  held?: HeldRecipient;
  /** Send to nobody when the room has more connections than this (read with pages of maxMembers + 1). */
  maxMembers?: number;
  /** With maxMembers: send to nobody when this returns true for the recipients (the room minus the exception). */
  unless?: (recipients: readonly Membership[]) => boolean;
  /** Spaces post attempts (retries included) to at most this many per second: a worker's share of the quota. */
  ratePerSecond?: number;
  /** With ratePerSecond: attempts allowed at once before the pace applies (default 1). */
  burst?: number;
  /** With shard: only members after this connection id (a job handed on by a worker that ran out of time). */
  startAfter?: string;
  /** Posted to before the shard's Query: members a previous job's deadline stopped (see FanoutResult.unfinished). */
  retry?: readonly Membership[];
  /**
   * Clock time after which no post is started and no throttled post retried: a fan-out worker's Lambda timeout
   * less a margin. What was not done is reported in `unfinished`; at least one member is started per call, so
   * handing the rest on always makes progress.
   */
  deadline?: number;
}

/**
 * The sender's copy of its message follows its ack (docs/PROTOCOL.md), while the other members' posts go out
 * beside the ack.
 */
export interface HeldRecipient {
  connectionId: string;
  until: Promise<unknown>;
}

export const emptyFanoutResult = (): FanoutResult => ({ delivered: 0, gone: [], failed: [], throttled: 0 });

/** Transient failures (no HTTP status: network, timeout; or 5xx) are worth another attempt; 403 and 413 are not. */
function attemptsFor(error: unknown, retry: RetryPolicy): number {
  if (error instanceof GatewayError && (error.statusCode === undefined || error.statusCode >= 500))
    return retry.transientAttempts;
  return 1;
}

/**
 * The members a fan-out posts to, in order: first `retry` (taken off `retryQueue` as they are yielded, so a deadline
 * can put back the rest), then the room's partition pages; each marked with whether it came from the Query (and so
 * moves the position a hand-on resumes after).
 */
async function* fanoutTargets(
  deps: Pick<FanoutDeps, 'connections'>,
  room: string,
  options: FanoutOptions,
  retryQueue: Membership[],
): AsyncGenerator<{ member: Membership; queried: boolean }> {
  while (retryQueue.length > 0) yield { member: retryQueue.shift()!, queried: false };
  for await (const member of queriedMembers(deps, room, options)) yield { member, queried: true };
}

/** The Query part; with a cap, members are held back until the room is known to be small enough (at most maxMembers). */
async function* queriedMembers(
  deps: Pick<FanoutDeps, 'connections'>,
  room: string,
  options: FanoutOptions,
): AsyncGenerator<Membership> {
  const { exceptConnectionId, maxMembers, unless } = options;
  const held: Membership[] = [];
  let seen = 0;
  const pageSize = maxMembers !== undefined ? { pageSize: maxMembers + 1 } : {};
  for await (const page of memberPages(deps, room, options, pageSize)) {
    for (const member of page) {
      seen += 1;
      if (maxMembers !== undefined && seen > maxMembers) return;
      if (member.connectionId === exceptConnectionId) continue;
      if (maxMembers === undefined) yield member;
      else held.push(member);
    }
  }
  if (!unless?.(held)) yield* held;
}

/**
 * The room's pages: the shards asked for, then any that `laterShards` adds. The later count is awaited before the
 * first page goes out (both reads are in flight together), so a failed read fails the fan-out before its first
 * post, and a retry of it posts nobody twice.
 */
async function* memberPages(
  deps: Pick<FanoutDeps, 'connections'>,
  room: string,
  options: FanoutOptions,
  pageSize: { pageSize?: number },
): AsyncGenerator<Membership[]> {
  const { shard, shards, startAfter } = options;
  const laterShards = shard === undefined && shards !== undefined ? options.laterShards : undefined;
  let later: number | undefined;
  for await (const page of deps.connections.members(room, { ...pageSize, shard, shards, startAfter })) {
    later ??= await laterShards;
    yield page;
  }
  later ??= await laterShards;
  for (let next = shards ?? 1; later !== undefined && next < later; next += 1) {
    yield* deps.connections.members(room, { ...pageSize, shard: next });
  }
}

/**
 * Sends `frame` to every member of `room` (or of one shard), reading the room's partitions page by page (never
 * a Scan) and posting with bounded, adaptive concurrency. A 410 removes the TARGET connection (not the sender,
 * a classic bug of SDK v3 ports) and its memberships, so dead sockets stop costing a post per message. A 429
 * halves the concurrency and retries the post after a jittered backoff.
 */
export async function fanOut(
  deps: FanoutDeps,
  room: string,
  frame: ServerFrame,
  options: FanoutOptions = {},
): Promise<FanoutResult> {
  const result = emptyFanoutResult();
  const retryQueue = [...(options.retry ?? [])];
  const targets = fanoutTargets(deps, room, options, retryQueue);

  const limit = new AdaptiveLimit(deps.concurrency);
  const clock = deps.clock ?? systemClock;
  const { deadline } = options;
  const pastDeadline = (): boolean => deadline !== undefined && clock.now() >= deadline;
  const pace = pacer(options.ratePerSecond, options.burst ?? 1, clock, deps.timers ?? systemTimers);
  const hooks = {
    deadline,
    beforeAttempt: pace,
    onSuccess: () => limit.onSuccess(),
    onThrottle: () => {
      result.throttled += 1;
      limit.onThrottle();
    },
  };
  async function deliver(member: Membership): Promise<void> {
    if (deps.gone?.has(member.connectionId)) return;
    if (options.held?.connectionId === member.connectionId) await options.held.until.catch(() => undefined);
    // Another fan-out's post to this member may be about to learn it is gone: wait for its answer first.
    const endTurn = (await deps.gone?.turn(member.connectionId)) ?? (() => undefined);
    try {
      if (deps.gone?.has(member.connectionId)) return;
      await postWithRetry(deps, member.connectionId, frame, hooks);
      result.delivered += 1;
    } catch (error) {
      if (error instanceof ConnectionGoneError) {
        // Past the deadline nothing is removed, so the next message must still post to it (and remove it then).
        if (pastDeadline()) result.gone.push({ ...member, rooms: [] });
        else {
          deps.gone?.add(member.connectionId);
          endTurn();
          await removeGone(member);
        }
      } else if (error instanceof CutByDeadline) cutOff.push(member);
      else result.failed.push({ connectionId: member.connectionId, error });
    } finally {
      endTurn();
    }
  }
  /** Only the removal that deleted the connection reports it, so a departure is announced once. */
  async function removeGone(member: Membership): Promise<void> {
    try {
      const rooms = await deps.connections.removeConnection(member.connectionId, { room, shard: member.shard });
      if (rooms.length > 0) result.gone.push({ ...member, rooms, at: clock.now() });
    } catch (cleanupError) {
      // Not cleaned up: the next fan-out must post to it again, and remove it then.
      deps.gone?.forget(member.connectionId);
      result.failed.push({ connectionId: member.connectionId, error: cleanupError });
    }
  }

  const inFlight = new Set<Promise<void>>();
  const cutOff: Membership[] = [];
  let position = options.startAfter;
  let stopped = false;
  let started = false;
  for await (const { member, queried: fromQuery } of targets) {
    await limit.acquire();
    if (started && pastDeadline()) {
      limit.release();
      // A retry member not started goes back on the list with the rest of it; the Query resumes after `position`.
      if (!fromQuery) cutOff.push(member, ...retryQueue.splice(0));
      stopped = true;
      break;
    }
    started = true;
    if (fromQuery) position = member.connectionId;
    const task: Promise<void> = deliver(member).finally(() => {
      limit.release();
      inFlight.delete(task);
    });
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  if (stopped || cutOff.length > 0) result.unfinished = { startAfter: position, retry: cutOff };
  return result;
}

/** A post the deadline stopped between attempts: not failed, left for the job the worker hands on. */
export class CutByDeadline extends Error {
  constructor(cause: unknown) {
    super('post stopped by the deadline between attempts', { cause });
    this.name = 'CutByDeadline';
  }
}

/**
 * Posts one frame, repeating it after a jittered exponential backoff while the management API throttles (429)
 * or fails transiently; throws the last error, or CutByDeadline when the retry would start after `hooks.deadline`.
 * Used for every post, so a reply under load is retried too.
 */
export async function postWithRetry(
  deps: Pick<FanoutDeps, 'gateway' | 'retry' | 'timers' | 'clock' | 'random'>,
  connectionId: string,
  frame: ServerFrame,
  hooks: {
    beforeAttempt?: () => Promise<void>;
    onSuccess?: () => void;
    onThrottle?: () => void;
    deadline?: number;
  } = {},
): Promise<void> {
  const retry = deps.retry ?? DEFAULT_RETRY;
  const timers = deps.timers ?? systemTimers;
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const started = clock.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      await hooks.beforeAttempt?.();
      await deps.gateway.post(connectionId, frame);
      hooks.onSuccess?.();
      return;
    } catch (error) {
      if (error instanceof ThrottledError) hooks.onThrottle?.();
      const again =
        error instanceof ThrottledError
          ? attempt < retry.maxAttempts &&
            (retry.throttleBudgetMs === undefined || clock.now() - started < retry.throttleBudgetMs)
          : attempt < attemptsFor(error, retry);
      if (!again) throw error;
      const delay = fullJitterDelay(attempt - 1, { baseMs: retry.baseDelayMs, maxMs: retry.maxDelayMs }, random);
      if (hooks.deadline !== undefined && clock.now() + delay >= hooks.deadline) throw new CutByDeadline(error);
      await timers.sleep(delay);
    }
  }
}

/**
 * A token bucket in front of the posts (reservations may take it below zero; each waits for its turn): when the
 * send Lambda splits a large room into n workers, each posts at its 1/n of the account quota, after its 1/n of
 * the burst. Without it 200 workers ask for many times the quota at once and most attempts come back 429, each
 * a wasted round trip and ~0.4 ms of Lambda CPU; AIMD and backoff then only correct what pacing did not prevent
 * (other traffic on the same account).
 */
function pacer(
  ratePerSecond: number | undefined,
  burst: number,
  clock: Clock,
  timers: Timers,
): (() => Promise<void>) | undefined {
  if (ratePerSecond === undefined || !(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) return undefined;
  const bucket = new TokenBucket(ratePerSecond, Math.max(1, burst), clock.now());
  return async () => {
    const wait = bucket.reserve(clock.now());
    if (wait > 0) await timers.sleep(wait);
  };
}
