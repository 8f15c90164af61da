import { admittedRate, costOf, outcomeOf, quotaFloorMs, workerStats } from './outcome.js';
import type { Contention, SimParams } from './params.js';
import type { ContentionResult, SimResult } from './results.js';
import { runRooms, type RoomRun } from './room-run.js';

/**
 * Simulates one message sent to a room of `params.members`, running the backend's own ChatService.send in the
 * send Lambda and FanoutWorker in each worker against the modelled services, in virtual time.
 */
export async function simulate(params: SimParams): Promise<SimResult> {
  const wallStart = performance.now();
  const { rooms, lambda, events } = await runRooms(params, { rooms: 1, staggerMs: 0 });
  const room = rooms[0] as RoomRun;
  const o = outcomeOf(room);
  return {
    params,
    timeToLastRecipientMs: o.timeToLastRecipientMs,
    deliveryMs: o.deliveryMs,
    delivered: o.delivered,
    expected: o.expected,
    duplicates: o.duplicates,
    attempts: o.attempts,
    throttled: o.throttled,
    retries: o.retries,
    failures: o.failures,
    workerErrors: o.workerErrors,
    goneAnswers: o.goneAnswers,
    membersLeft: o.membersLeft,
    dispatched: lambda.invocations > 0,
    workers: workerStats(lambda, 1),
    sendLambdaMs: o.sendLambdaMs,
    lastWorkerDoneMs: lambda.lastDoneMs,
    peakInFlightPosts: room.ledger.peakInFlight,
    achievedPostsPerSecond: admittedRate([room.ledger]),
    quotaFloorMs: quotaFloorMs(params, [room.ledger]),
    cost: costOf(room, params),
    events,
    wallMs: performance.now() - wallStart,
  };
}

/**
 * Simulates `contention.rooms` rooms of `params.members` each receiving one message, sent `staggerMs` apart:
 * each room's send Lambda runs ChatService.send as in `simulate`, and every worker of every room draws on the one
 * account quota and Lambda concurrency. `send` paces each room's workers at the whole CALLBACK_RATE_BUDGET
 * (it cannot see the other rooms), so together they ask for a multiple of the quota and the bucket answers 429s.
 */
export async function simulateContention(params: SimParams, contention: Contention): Promise<ContentionResult> {
  if (!Number.isInteger(contention.rooms) || contention.rooms < 1)
    throw new RangeError('contention.rooms must be a positive integer');
  if (!(contention.staggerMs >= 0)) throw new RangeError('contention.staggerMs must be >= 0');
  const wallStart = performance.now();
  const { rooms, lambda, events } = await runRooms(params, contention);
  const outcomes = rooms.map(outcomeOf);
  const ledgers = rooms.map((r) => r.ledger);
  const sum = (
    key: 'delivered' | 'expected' | 'duplicates' | 'attempts' | 'throttled' | 'retries' | 'failures' | 'goneAnswers',
  ): number => outcomes.reduce((n, o) => n + o[key], 0);
  const lasts = outcomes.flatMap((o) =>
    o.timeToLastRecipientMs === null ? [] : [o.sentAtMs + o.timeToLastRecipientMs],
  );
  return {
    params,
    contention,
    rooms: outcomes,
    lastRecipientMs: lasts.length > 0 ? Math.max(...lasts) : null,
    delivered: sum('delivered'),
    expected: sum('expected'),
    lost: sum('expected') - sum('delivered'),
    duplicates: sum('duplicates'),
    attempts: sum('attempts'),
    throttled: sum('throttled'),
    retries: sum('retries'),
    mostAttempts: Math.max(...outcomes.map((o) => o.mostAttempts)),
    failures: sum('failures'),
    goneAnswers: sum('goneAnswers'),
    posts: ledgers.reduce((n, l) => n + l.admitted + l.goneAnswers, 0),
    achievedPostsPerSecond: admittedRate(ledgers),
    quotaFloorMs: quotaFloorMs(params, ledgers),
    workers: workerStats(lambda, contention.rooms),
    events,
    wallMs: performance.now() - wallStart,
  };
}
