import { newHistogram, recordMs, summarize } from '../stats.js';
import type { PostLedger } from './aws/gateway.js';
import type { LambdaModel } from './aws/lambda.js';
import { messageCost, type MessageCost } from './cost.js';
import type { SimParams } from './params.js';
import type { RoomOutcome } from './results.js';
import type { RoomRun } from './room-run.js';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A room's deliveries, timed from its own send. */
export function outcomeOf(room: RoomRun): RoomOutcome {
  const { ledger, model } = room;
  const histogram = newHistogram();
  let last = Number.NEGATIVE_INFINITY;
  for (const at of ledger.deliveredAt) {
    if (Number.isNaN(at)) continue;
    recordMs(histogram, at - room.sentAtMs);
    last = Math.max(last, at - room.sentAtMs);
  }
  const delivered = histogram.totalCount;
  let membersLeft = 0;
  for (let i = 0; i < model.size; i += 1) if (model.isMember(i)) membersLeft += 1;
  return {
    room: model.name,
    sentAtMs: room.sentAtMs,
    timeToLastRecipientMs: delivered > 0 ? last : null,
    deliveryMs: summarize(histogram),
    delivered,
    expected: model.size - model.gone.size,
    duplicates: ledger.duplicates,
    attempts: ledger.attempts,
    throttled: ledger.throttled,
    retries: ledger.retries,
    mostAttempts: ledger.mostAttempts,
    failures: room.failed.length + room.workerErrors.length,
    workerErrors: room.workerErrors.map(message),
    goneAnswers: ledger.goneAnswers,
    membersLeft,
    workers: room.invocations,
    sendLambdaMs: room.sendLambdaMs,
  };
}

/** Admitted posts a second between the first admission and the last of these ledgers; null with fewer than two. */
export function admittedRate(ledgers: PostLedger[]): number | null {
  const admitted = ledgers.reduce((n, l) => n + l.admitted, 0);
  const withAdmissions = ledgers.filter((l) => l.admitted > 0);
  const span =
    Math.max(...withAdmissions.map((l) => l.lastAdmitMs)) - Math.min(...withAdmissions.map((l) => l.firstAdmitMs));
  return admitted >= 2 && span > 0 ? ((admitted - 1) * 1000) / span : null;
}

/** (posts that took a token - burst) / rps: no scheduling can admit the last of them sooner. */
export const quotaFloorMs = (params: SimParams, ledgers: PostLedger[]): number =>
  (Math.max(0, ledgers.reduce((n, l) => n + l.admitted + l.goneAnswers, 0) - params.callbackBurst) * 1000) /
  params.callbackRps;

/** The worker function's invocations; the send Lambdas' `reserved` concurrency is not theirs. */
export const workerStats = (lambda: LambdaModel, reserved: number) => ({
  invocations: lambda.invocations,
  cold: lambda.cold,
  peakConcurrent: lambda.invocations > 0 ? lambda.peakConcurrent - reserved : 0,
  maxDurationMs: lambda.maxDurationMs,
  maxCpuMs: lambda.maxCpuMs,
});

/** The room's message at list prices: its send invocation, its worker invocations and the meter's counts. */
export function costOf(room: RoomRun, params: SimParams): MessageCost {
  const { inboundMessages, outboundMessages, reads, readUnits, writes, writeUnits } = room.usage;
  return messageCost({
    send: { memoryMb: params.sendMemoryMb, durationsMs: [room.sendLambdaMs] },
    fanout: { memoryMb: params.memoryMb, durationsMs: room.workerMs },
    inboundMessages,
    outboundMessages,
    reads,
    readUnits,
    writes,
    writeUnits,
  });
}
