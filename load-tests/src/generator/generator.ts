import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { ScenarioOptions } from '../args.js';
import { monotonicClock } from './clock.js';
import { CpuMonitor, type CpuSample, type CpuSummary } from '../cpu/cpu-monitor.js';
import type { CpuMeter } from '../cpu/proc-cpu.js';
import { emptyErrorCounts, emptyFrameCounts, type ErrorCounts, type FromWorker, type ToWorker, type WorkerResult } from './messages.js';
import { newRunId } from './plan.js';
import { COUNTER, allocateShared, read, viewsOf } from './shared-state.js';
import { mergeEncoded, newHistogram, recordMs, type Histogram } from '../stats.js';
import { spawnWorker } from './worker-spawn.js';

export type Phase = 'connect' | 'send' | 'drain' | 'finish';

export interface Progress {
  phase: Phase;
  elapsedMs: number;
  attempted: number;
  opened: number;
  failed: number;
  joined: number;
  sent: number;
  plannedMessages: number;
  received: number;
  expected: number;
  errors: number;
  cpu: CpuSample;
}

export interface RunHooks {
  onProgress?: (progress: Progress) => void;
  onWarning?: (warning: string) => void;
  /** How often onProgress fires and CPU is sampled. */
  progressIntervalMs?: number;
  /** The server's CPU meter, read at the start of the send phase and at the end of the drain phase. */
  serverCpu?: CpuMeter;
}

/** CPU the server used from the start of the send phase to the end of the drain phase. */
export interface ServerCpuResult {
  pid: number;
  scope: CpuMeter['scope'];
  cpuMs: number;
  /** The main thread's part of cpuMs, when the meter tells it. */
  mainThreadCpuMs?: number;
  resolutionMs: number;
  notes: string[];
}

/** Everything one scenario run measured, merged over workers; reports are computed from this. */
export interface ScenarioResult {
  url: string;
  runId: string;
  scenario: ScenarioOptions;
  startedAt: string;
  durationMs: number;
  phasesMs: Record<Exclude<Phase, 'finish'>, number>;
  connections: { attempted: number; opened: number; failed: number; joined: number; joinFailed: number; closedEarly: number };
  messages: {
    planned: number;
    sent: number;
    skipped: number;
    /** Sent by another member of the room because the planned sender had failed. */
    substituted: number;
    acked: number;
    rejected: number;
    /** Received by every member expected at send time. */
    complete: number;
    /** Sent, but some expected member never got it. */
    incomplete: number;
    /** Sent, and nobody got it. */
    lost: number;
  };
  deliveries: { expected: number; received: number; missing: number; extra: number; foreign: number; misrouted: number };
  histograms: { connect: Histogram; join: Histogram; fanout: Histogram; lastRecipient: Histogram; ack: Histogram; sendLag: Histogram };
  /** Room sizes at send time, for the cost model (sum over sent messages). */
  expectedRecipientsTotal: number;
  errors: ErrorCounts;
  framesByType: Record<string, number>;
  frames: WorkerResult['frames'];
  connectedMs: number;
  generator: CpuSummary & { workers: number; cores: number; drainTimedOut: boolean };
  /** Only with a CpuMeter (RunHooks.serverCpu). */
  server?: ServerCpuResult;
}

const addCounts = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/**
 * Runs one scenario against `url` with worker threads: connect (ramped), send (scheduled), drain
 * (until every expected delivery arrived or the drain timeout), finish (close, collect, merge).
 * Lost deliveries are counted, never dropped from the report.
 */
export async function runScenario(url: string, scenario: ScenarioOptions, hooks: RunHooks = {}): Promise<ScenarioResult> {
  const clock = monotonicClock();
  const startedAt = new Date().toISOString();
  const runId = newRunId();
  const totalMessages = scenario.senders * scenario.messagesPerSender;
  const shared = allocateShared(scenario.rooms, totalMessages);
  const views = viewsOf(shared);
  const workerCount = Math.min(scenario.workers, scenario.connections);
  const cores = availableParallelism();

  const workers: Worker[] = [];
  const inbox: FromWorker[][] = [];
  const waiters: (() => void)[] = [];
  let crashed: Error | undefined;
  const notify = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  for (let i = 0; i < workerCount; i++) {
    const worker = spawnWorker({ workerIndex: i, workerCount, url, runId, scenario, originNs: clock.originNs, shared });
    inbox.push([]);
    worker.on('message', (m: FromWorker) => {
      inbox[i]!.push(m);
      notify();
    });
    worker.on('error', (error) => {
      crashed = new Error(`load-test worker ${i} crashed: ${error.message}`, { cause: error });
      notify();
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !crashed) crashed = new Error(`load-test worker ${i} exited with code ${code}`);
      notify();
    });
    workers.push(worker);
  }

  /** Waits until every worker has sent a message of `type`, or fails on a crash or timeout. */
  const all = async <T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>[]> => {
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      if (crashed) throw crashed;
      const got = inbox.map((box) => box.find((m) => m.type === type));
      if (got.every((m) => m !== undefined)) return got as Extract<FromWorker, { type: T }>[];
      const left = deadline - clock.now();
      if (left <= 0) throw new Error(`load-test workers did not report "${type}" within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  const broadcast = (message: ToWorker): void => {
    for (const w of workers) w.postMessage(message);
  };

  let phase: Phase = 'connect';
  let ticker: NodeJS.Timeout | undefined;
  const progress = (m: CpuMonitor): Progress => ({
    phase,
    elapsedMs: clock.now(),
    attempted: read(views, COUNTER.attempted),
    opened: read(views, COUNTER.opened),
    failed: read(views, COUNTER.failed),
    joined: read(views, COUNTER.joined),
    sent: read(views, COUNTER.sent),
    plannedMessages: totalMessages,
    received: read(views, COUNTER.received),
    expected: read(views, COUNTER.expected),
    errors: read(views, COUNTER.errors),
    cpu: m.sample(phase),
  });

  try {
    await all('ready', 30_000);
    // Sampling starts after the workers loaded, so module compilation is not mistaken for saturation.
    const m = new CpuMonitor(workers, cores, (w) => hooks.onWarning?.(w));
    ticker = setInterval(() => {
      const snapshot = progress(m); // samples CPU even when nobody listens: the report needs the peaks
      hooks.onProgress?.(snapshot);
    }, hooks.progressIntervalMs ?? 1000);
    const phasesMs = { connect: 0, send: 0, drain: 0 };

    let t0 = clock.now();
    broadcast({ type: 'connect', startAtMs: t0 + 50 });
    const rampMs = (scenario.connections * 1000) / scenario.rampPerSecond;
    await all('connected', rampMs + 2 * scenario.connectTimeoutMs + 30_000);
    phasesMs.connect = clock.now() - t0;

    phase = 'send';
    const serverCpuAtSend = hooks.serverCpu?.read();
    const mainThreadCpuAtSend = hooks.serverCpu?.readMainThread?.();
    t0 = clock.now();
    broadcast({ type: 'send', startAtMs: t0 + 50 });
    const sendMs = (scenario.messagesPerSender * 1000) / scenario.ratePerSender;
    await all('sent', sendMs + 60_000);
    phasesMs.send = clock.now() - t0;

    phase = 'drain';
    t0 = clock.now();
    let drainTimedOut = false;
    let firstIncomplete = 0;
    for (;;) {
      if (crashed) throw crashed;
      firstIncomplete = firstIncompleteMessage(views.sendTimeMs, views.expected, views.received, firstIncomplete);
      if (firstIncomplete === totalMessages) break;
      if (clock.now() - t0 >= scenario.drainTimeoutMs) {
        drainTimedOut = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    phasesMs.drain = clock.now() - t0;
    const server = serverCpuOver(hooks, serverCpuAtSend, mainThreadCpuAtSend);

    phase = 'finish';
    const last = progress(m);
    hooks.onProgress?.(last);
    const cpu = m.summary();
    broadcast({ type: 'finish' });
    const results = await all('result', 30_000);
    return merge({
      url,
      runId,
      scenario,
      startedAt,
      durationMs: clock.now(),
      phasesMs,
      results,
      views,
      generator: { ...cpu, workers: workerCount, cores, drainTimedOut },
      ...(server ? { server } : {}),
    });
  } finally {
    if (ticker) clearInterval(ticker);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The meter's reading now minus `atSend`; a server that died meanwhile is a warning, not a failed run. */
function serverCpuOver(hooks: RunHooks, atSend: number | undefined, mainAtSend: number | undefined): ServerCpuResult | undefined {
  const meter = hooks.serverCpu;
  if (meter === undefined || atSend === undefined) return undefined;
  let now: number;
  let mainNow: number | undefined;
  try {
    now = meter.read();
    mainNow = mainAtSend === undefined ? undefined : meter.readMainThread?.();
  } catch (error) {
    hooks.onWarning?.(`server CPU not measured: ${(error as Error).message}`);
    return undefined;
  }
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  const cpuMs = round(now - atSend);
  return {
    pid: meter.pid,
    scope: meter.scope,
    cpuMs,
    ...(mainNow !== undefined && mainAtSend !== undefined ? { mainThreadCpuMs: round(mainNow - mainAtSend) } : {}),
    resolutionMs: meter.resolutionMs,
    notes: meter.notes,
  };
}

/**
 * Index of the first sent message still short of its expected receipts (or the total when none is), scanning
 * from `from`: messages only ever complete, so each poll resumes where the previous one stopped.
 */
function firstIncompleteMessage(sendTimeMs: Float64Array, expected: Int32Array, received: Int32Array, from: number): number {
  for (let i = from; i < sendTimeMs.length; i++) {
    if (sendTimeMs[i]! > 0 && Atomics.load(received, i) < Atomics.load(expected, i)) return i;
  }
  return sendTimeMs.length;
}

interface MergeInput {
  url: string;
  runId: string;
  scenario: ScenarioOptions;
  startedAt: string;
  durationMs: number;
  phasesMs: ScenarioResult['phasesMs'];
  results: WorkerResult[];
  views: ReturnType<typeof viewsOf>;
  generator: ScenarioResult['generator'];
  server?: ServerCpuResult;
}

function merge(input: MergeInput): ScenarioResult {
  const { results, views } = input;
  const h = {
    connect: newHistogram(),
    join: newHistogram(),
    fanout: newHistogram(),
    lastRecipient: newHistogram(),
    ack: newHistogram(),
    sendLag: newHistogram(),
  };
  const errors: ErrorCounts = emptyErrorCounts();
  const framesByType: Record<string, number> = {};
  const frames = emptyFrameCounts();
  let foreign = 0;
  let misrouted = 0;
  let acked = 0;
  let rejected = 0;
  let skipped = 0;
  let substituted = 0;
  let connectedMs = 0;
  for (const r of results) {
    mergeEncoded(h.connect, r.histograms.connect);
    mergeEncoded(h.join, r.histograms.join);
    mergeEncoded(h.fanout, r.histograms.fanout);
    mergeEncoded(h.ack, r.histograms.ack);
    mergeEncoded(h.sendLag, r.histograms.sendLag);
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
    foreign += r.foreignMessages;
    misrouted += r.misrouted;
    acked += r.acks;
    rejected += r.rejected;
    skipped += r.skippedSends;
    substituted += r.substitutedSends;
    connectedMs += r.connectedMs;
  }

  const messages = { planned: views.sendTimeMs.length, sent: 0, skipped, substituted, acked, rejected, complete: 0, incomplete: 0, lost: 0 };
  const deliveries = { expected: 0, received: 0, missing: 0, extra: 0, foreign, misrouted };
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
      if (last > 0) recordMs(h.lastRecipient, last - sentAt);
    } else {
      messages.incomplete++;
    }
  }

  const c = input.views.counters;
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
    messages,
    deliveries,
    histograms: h,
    expectedRecipientsTotal: deliveries.expected,
    errors,
    framesByType,
    frames,
    connectedMs,
    generator: input.generator,
    ...(input.server ? { server: input.server } : {}),
  };
}
