import { availableParallelism } from 'node:os';
import type { ScenarioOptions } from '../args.js';
import { CpuMonitor } from '../cpu/cpu-monitor.js';
import type { CpuMeter } from '../cpu/proc-cpu.js';
import { monotonicClock, type MonotonicClock } from './clock.js';
import { merge } from './merge.js';
import { newRunId } from './plan.js';
import type { Phase, Progress, ScenarioResult, ServerCpuResult } from './scenario-result.js';
import { COUNTER, allocateShared, read, viewsOf, type SharedViews } from './shared-state.js';
import { WorkerPool } from './worker-pool.js';

export interface RunHooks {
  onProgress?: (progress: Progress) => void;
  onWarning?: (warning: string) => void;
  /** How often onProgress fires and CPU is sampled. */
  progressIntervalMs?: number;
  /** The server's CPU meter, read at the start of the send phase and at the end of the drain phase. */
  serverCpu?: CpuMeter;
}

/** The counters every progress line shows, read from shared memory. */
function progressOf(phase: Phase, clock: MonotonicClock, views: SharedViews, monitor: CpuMonitor): Progress {
  return {
    phase,
    elapsedMs: clock.now(),
    attempted: read(views, COUNTER.attempted),
    opened: read(views, COUNTER.opened),
    failed: read(views, COUNTER.failed),
    joined: read(views, COUNTER.joined),
    sent: read(views, COUNTER.sent),
    plannedMessages: views.sendTimeMs.length,
    received: read(views, COUNTER.received),
    expected: read(views, COUNTER.expected),
    errors: read(views, COUNTER.errors),
    cpu: monitor.sample(phase),
  };
}

/**
 * Waits until every sent message has all the receipts its room size at send time asked for, or the drain
 * timeout passes; returns whether it timed out. A worker crash meanwhile fails the run.
 */
async function drain(pool: WorkerPool, clock: MonotonicClock, views: SharedViews, timeoutMs: number): Promise<boolean> {
  const t0 = clock.now();
  let firstIncomplete = 0;
  for (;;) {
    pool.throwIfCrashed();
    firstIncomplete = firstIncompleteMessage(views.sendTimeMs, views.expected, views.received, firstIncomplete);
    if (firstIncomplete === views.sendTimeMs.length) return false;
    if (clock.now() - t0 >= timeoutMs) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs one scenario against `url` with worker threads: connect (ramped), send (scheduled), drain
 * (until every expected delivery arrived or the drain timeout), finish (close, collect, merge).
 * Lost deliveries are counted, never dropped from the report.
 */
export async function runScenario(
  url: string,
  scenario: ScenarioOptions,
  hooks: RunHooks = {},
): Promise<ScenarioResult> {
  const clock = monotonicClock();
  const startedAt = new Date().toISOString();
  const runId = newRunId();
  const shared = allocateShared(scenario.rooms, scenario.senders * scenario.messagesPerSender);
  const views = viewsOf(shared);
  const workerCount = Math.min(scenario.workers, scenario.connections);
  const cores = availableParallelism();
  const pool = new WorkerPool(clock, workerCount, { url, runId, scenario, originNs: clock.originNs, shared });

  let phase: Phase = 'connect';
  let ticker: NodeJS.Timeout | undefined;
  try {
    await pool.all('ready', 30_000);
    // Sampling starts after the workers loaded, so module compilation is not mistaken for saturation.
    const monitor = new CpuMonitor(pool.workers, cores, (w) => hooks.onWarning?.(w));
    ticker = setInterval(() => {
      const snapshot = progressOf(phase, clock, views, monitor); // samples CPU even when nobody listens: the report needs the peaks
      hooks.onProgress?.(snapshot);
    }, hooks.progressIntervalMs ?? 1000);
    const phasesMs = { connect: 0, warmup: 0, send: 0, drain: 0 };

    let t0 = clock.now();
    pool.broadcast({ type: 'connect', startAtMs: t0 + 50 });
    const rampMs = (scenario.connections * 1000) / scenario.rampPerSecond;
    await pool.all('connected', rampMs + 2 * scenario.connectTimeoutMs + 30_000);
    phasesMs.connect = clock.now() - t0;

    if (scenario.warmupMessages > 0) {
      phase = 'warmup';
      phasesMs.warmup = await warmUp(pool, clock, scenario);
    }

    phase = 'send';
    const serverCpuAtSend = hooks.serverCpu?.read();
    const mainThreadCpuAtSend = hooks.serverCpu?.readMainThread?.();
    t0 = clock.now();
    pool.broadcast({ type: 'send', startAtMs: t0 + 50 });
    const sendMs = (scenario.messagesPerSender * 1000) / scenario.ratePerSender;
    await pool.all('sent', sendMs + 60_000);
    phasesMs.send = clock.now() - t0;

    phase = 'drain';
    t0 = clock.now();
    const drainTimedOut = await drain(pool, clock, views, scenario.drainTimeoutMs);
    phasesMs.drain = clock.now() - t0;
    const server = serverCpuOver(hooks, serverCpuAtSend, mainThreadCpuAtSend);

    phase = 'finish';
    hooks.onProgress?.(progressOf(phase, clock, views, monitor));
    const cpu = monitor.summary();
    pool.broadcast({ type: 'finish' });
    const results = await pool.all('result', 30_000);
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
    await pool.terminate();
  }
}

/**
 * Sends the warm-up messages, then waits one send interval (at least a second) so that the last one's fan-out is
 * over before the measured sends start; returns how long it took.
 */
async function warmUp(pool: WorkerPool, clock: MonotonicClock, scenario: ScenarioOptions): Promise<number> {
  const t0 = clock.now();
  pool.broadcast({ type: 'warmup', startAtMs: t0 + 50 });
  const intervalMs = 1000 / scenario.ratePerSender;
  await pool.all('warmed', scenario.warmupMessages * intervalMs + 60_000);
  await new Promise((resolve) => setTimeout(resolve, Math.max(1000, intervalMs)));
  return clock.now() - t0;
}

/** The meter's reading now minus `atSend`; a server that died meanwhile is a warning, not a failed run. */
function serverCpuOver(
  hooks: RunHooks,
  atSend: number | undefined,
  mainAtSend: number | undefined,
): ServerCpuResult | undefined {
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
function firstIncompleteMessage(
  sendTimeMs: Float64Array,
  expected: Int32Array,
  received: Int32Array,
  from: number,
): number {
  for (let i = from; i < sendTimeMs.length; i++) {
    if (sendTimeMs[i]! > 0 && Atomics.load(received, i) < Atomics.load(expected, i)) return i;
  }
  return sendTimeMs.length;
}
