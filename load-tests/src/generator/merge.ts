import type { ScenarioOptions } from '../args.js';
import { mergeEncoded, newHistogram, recordMs } from '../stats.js';
import { emptyErrorCounts, emptyFrameCounts, type ErrorCounts, type WorkerResult } from './messages.js';
import type { ScenarioResult, ServerCpuResult } from './scenario-result.js';
import { COUNTER, type SharedViews } from './shared-state.js';

const addCounts = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

export interface MergeInput {
  url: string;
  runId: string;
  scenario: ScenarioOptions;
  startedAt: string;
  durationMs: number;
  phasesMs: ScenarioResult['phasesMs'];
  results: WorkerResult[];
  views: SharedViews;
  generator: ScenarioResult['generator'];
  server?: ServerCpuResult;
}

type Histograms = ScenarioResult['histograms'];

/** One empty histogram per measure: what the workers' histograms are merged into, and a result with no samples. */
export function emptyHistograms(): Histograms {
  return {
    connect: newHistogram(),
    join: newHistogram(),
    fanout: newHistogram(),
    lastRecipient: newHistogram(),
    ack: newHistogram(),
    sendLag: newHistogram(),
  };
}

/** Sums what each worker counted on its own connections; histograms are merged from their encodings. */
function sumWorkers(results: WorkerResult[]) {
  const histograms = emptyHistograms();
  const errors: ErrorCounts = emptyErrorCounts();
  const framesByType: Record<string, number> = {};
  const frames = emptyFrameCounts();
  const totals = {
    foreign: 0,
    warmup: 0,
    misrouted: 0,
    acked: 0,
    rejected: 0,
    skipped: 0,
    substituted: 0,
    connectedMs: 0,
  };
  for (const r of results) {
    mergeEncoded(histograms.connect, r.histograms.connect);
    mergeEncoded(histograms.join, r.histograms.join);
    mergeEncoded(histograms.fanout, r.histograms.fanout);
    mergeEncoded(histograms.ack, r.histograms.ack);
    mergeEncoded(histograms.sendLag, r.histograms.sendLag);
    addCounts(errors.frames, r.errors.frames);
    addCounts(errors.gateway, r.errors.gateway);
    addCounts(errors.http, r.errors.http);
    addCounts(errors.network, r.errors.network);
    addCounts(errors.closes, r.errors.closes);
    errors.joinTimeouts += r.errors.joinTimeouts;
    errors.invalidFrames += r.errors.invalidFrames;
    errors.invalidSamples.push(...r.errors.invalidSamples.slice(0, 5 - errors.invalidSamples.length));
    addCounts(framesByType, r.framesByType);
    for (const k of Object.keys(frames) as (keyof typeof frames)[]) frames[k] += r.frames[k];
    totals.foreign += r.foreignMessages;
    totals.warmup += r.warmupReceipts;
    totals.misrouted += r.misrouted;
    totals.acked += r.acks;
    totals.rejected += r.rejected;
    totals.skipped += r.skippedSends;
    totals.substituted += r.substitutedSends;
    totals.connectedMs += r.connectedMs;
  }
  return { histograms, errors, framesByType, frames, totals };
}

/**
 * Judges every sent message against the room size shared memory saw at its send, and times the complete ones
 * to their last recipient (the latest receipt any worker saw).
 */
function tallyMessages(views: SharedViews, results: WorkerResult[], lastRecipient: Histograms['lastRecipient']) {
  const messages = { planned: views.sendTimeMs.length, sent: 0, complete: 0, incomplete: 0, lost: 0 };
  const deliveries = { expected: 0, received: 0, missing: 0, extra: 0 };
  for (let i = 0; i < views.sendTimeMs.length; i++) {
    const sentAt = views.sendTimeMs[i]!;
    if (sentAt === 0) continue;
    const expected = Atomics.load(views.expected, i);
    const received = Atomics.load(views.received, i);
    messages.sent++;
    deliveries.expected += expected;
    deliveries.received += received;
    deliveries.missing += Math.max(0, expected - received);
    deliveries.extra += Math.max(0, received - expected);
    if (received === 0 && expected > 0) messages.lost++;
    if (received >= expected) {
      messages.complete++;
      let last = 0;
      for (const r of results) last = Math.max(last, r.lastReceiptMs[i]!);
      if (last > 0) recordMs(lastRecipient, last - sentAt);
    } else {
      messages.incomplete++;
    }
  }
  return { messages, deliveries };
}

/** One ScenarioResult from the workers' results and the shared per-message counters. */
export function merge(input: MergeInput): ScenarioResult {
  const { results, views } = input;
  const { histograms, errors, framesByType, frames, totals } = sumWorkers(results);
  const tally = tallyMessages(views, results, histograms.lastRecipient);
  const { planned, sent, complete, incomplete, lost } = tally.messages;
  const { skipped, substituted, acked, rejected, foreign, warmup, misrouted } = totals;
  const c = views.counters;
  return {
    url: input.url,
    runId: input.runId,
    scenario: input.scenario,
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    phasesMs: input.phasesMs,
    connections: {
      attempted: Atomics.load(c, COUNTER.attempted),
      opened: Atomics.load(c, COUNTER.opened),
      failed: Atomics.load(c, COUNTER.failed),
      joined: Atomics.load(c, COUNTER.joined),
      joinFailed: Atomics.load(c, COUNTER.joinFailed),
      closedEarly: Atomics.load(c, COUNTER.closedEarly),
    },
    // Keys in the order the report has always listed them.
    messages: { planned, sent, skipped, substituted, acked, rejected, complete, incomplete, lost },
    deliveries: { ...tally.deliveries, foreign, misrouted, warmup },
    histograms,
    expectedRecipientsTotal: tally.deliveries.expected,
    errors,
    framesByType,
    frames,
    connectedMs: totals.connectedMs,
    generator: input.generator,
    ...(input.server ? { server: input.server } : {}),
  };
}
