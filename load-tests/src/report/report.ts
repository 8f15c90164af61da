import type { CostEstimate } from '../cost/cost.js';
import { estimateCost } from '../cost/cost.js';
import type { ScenarioResult } from '../generator/scenario-result.js';
import type { ErrorCounts } from '../generator/messages.js';
import { percentileCurve, summarize, type LatencySummary, type PercentilePoint } from '../stats.js';
import { isLoopbackUrl } from '../generator/target.js';
import type { ContractReport } from './report-schema.js';

export interface Distributions {
  fanoutMs: PercentilePoint[];
  lastRecipientMs: PercentilePoint[];
  connectMs: PercentilePoint[];
}

/** The measured side of one run, as it appears in reports (the target's at top level, the baseline's nested). */
export interface RunSection {
  connections: ScenarioResult['connections'];
  messages: ScenarioResult['messages'];
  deliveries: ScenarioResult['deliveries'];
  fanoutMs: LatencySummary;
  lastRecipientMs: LatencySummary;
  connectMs: LatencySummary;
  joinMs: LatencySummary;
  ackMs: LatencySummary;
  errors: ErrorCounts;
  framesByType: Record<string, number>;
  frames: ScenarioResult['frames'];
  run: {
    url: string;
    local: boolean;
    runId: string;
    startedAt: string;
    durationMs: number;
    phasesMs: ScenarioResult['phasesMs'];
    auth: 'guest' | 'jwt';
    scenario: Omit<ScenarioResult['scenario'], 'tokens'>;
  };
  generator: ScenarioResult['generator'] & { sendLagMs: LatencySummary };
  distributions: Distributions;
  /** The server's CPU over send + drain, when measured (--server-pid for the target; always for the baseline on Linux). */
  server?: ServerCpuReport;
}

/**
 * Server CPU from the start of the send phase to the end of the drain phase, per delivery received and per
 * message sent. Whatever else the server did in that window (acks, storage, idle timers) is included.
 */
export interface ServerCpuReport {
  pid: number;
  /** `process`: all threads of the server process; `main-thread`: the generator's main thread (in-process baseline). */
  scope: 'process' | 'main-thread';
  cpuMs: number;
  /** null without deliveries. */
  cpuUsPerDelivery: number | null;
  /** null without sent messages. */
  cpuUsPerMessage: number | null;
  /** Per delivery on the server's main thread and on its other threads (worker threads), when measured. */
  threads?: { mainCpuUsPerDelivery: number | null; otherCpuUsPerDelivery: number | null };
  /** Reading granularity (10 ms with /proc's 100 Hz ticks): per-delivery numbers need thousands of deliveries. */
  resolutionMs: number;
  notes: string[];
}

/**
 * µs per delivery as people should read it: a reading under one tick is "< (one tick / deliveries)", not 0.
 * null without deliveries.
 */
export function cpuPerDeliveryText(server: ServerCpuReport | undefined, deliveries: number, digits = 1): string | null {
  if (server === undefined || server.cpuUsPerDelivery === null || deliveries <= 0) return null;
  const fmt = (x: number): string => (x < 100 ? x.toFixed(digits) : Math.round(x).toLocaleString('en-US'));
  if (server.cpuMs < server.resolutionMs) return `< ${fmt((server.resolutionMs * 1000) / deliveries)}`;
  return fmt(server.cpuUsPerDelivery);
}

/**
 * Target / baseline, the same scenario against the in-process raw `ws` server; null when either side has no
 * samples to divide.
 */
export interface VsBaseline {
  /** Fan-out (every delivery) p50: target p50 / baseline p50. */
  fanoutP50: number | null;
  /** Fan-out (every delivery) p99: target p99 / baseline p99. */
  fanoutP99: number | null;
  /** Last recipient (per message) p50: target p50 / baseline p50. */
  lastRecipientP50: number | null;
  /** Last recipient (per message) p99: target p99 / baseline p99. */
  lastRecipientP99: number | null;
  /** Server CPU µs per delivery: target / baseline; null unless both were measured. */
  cpuUsPerDelivery: number | null;
}

export type LoadTestReport = ContractReport &
  RunSection & {
    cost: CostEstimate;
    baseline?: RunSection;
    vsBaseline?: VsBaseline;
  };

/** Tokens never reach a report file: reports get attached to issues and CI artifacts. */
function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.searchParams.has('token')) u.searchParams.set('token', 'REDACTED');
  return u.toString();
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function serverCpuReport(result: ScenarioResult): ServerCpuReport | undefined {
  const s = result.server;
  if (s === undefined) return undefined;
  const perMs = (ms: number, n: number): number | null => (n > 0 ? round3((ms * 1000) / n) : null);
  const per = (n: number): number | null => perMs(s.cpuMs, n);
  return {
    pid: s.pid,
    scope: s.scope,
    cpuMs: s.cpuMs,
    cpuUsPerDelivery: per(result.deliveries.received),
    cpuUsPerMessage: per(result.messages.sent),
    ...(s.mainThreadCpuMs !== undefined
      ? {
          threads: {
            mainCpuUsPerDelivery: perMs(s.mainThreadCpuMs, result.deliveries.received),
            otherCpuUsPerDelivery: perMs(s.cpuMs - s.mainThreadCpuMs, result.deliveries.received),
          },
        }
      : {}),
    resolutionMs: s.resolutionMs,
    notes: s.notes,
  };
}

export function runSection(result: ScenarioResult): RunSection {
  const { tokens, ...scenario } = result.scenario;
  const server = serverCpuReport(result);
  return {
    connections: result.connections,
    messages: result.messages,
    deliveries: result.deliveries,
    fanoutMs: summarize(result.histograms.fanout),
    lastRecipientMs: summarize(result.histograms.lastRecipient),
    connectMs: summarize(result.histograms.connect),
    joinMs: summarize(result.histograms.join),
    ackMs: summarize(result.histograms.ack),
    errors: result.errors,
    framesByType: result.framesByType,
    frames: result.frames,
    run: {
      url: redactUrl(result.url),
      local: isLoopbackUrl(result.url),
      runId: result.runId,
      startedAt: result.startedAt,
      durationMs: Math.round(result.durationMs),
      phasesMs: {
        connect: Math.round(result.phasesMs.connect),
        warmup: Math.round(result.phasesMs.warmup),
        send: Math.round(result.phasesMs.send),
        drain: Math.round(result.phasesMs.drain),
      },
      auth: tokens === undefined ? 'guest' : 'jwt',
      scenario,
    },
    generator: { ...result.generator, sendLagMs: summarize(result.histograms.sendLag) },
    distributions: {
      fanoutMs: percentileCurve(result.histograms.fanout),
      lastRecipientMs: percentileCurve(result.histograms.lastRecipient),
      connectMs: percentileCurve(result.histograms.connect),
    },
    ...(server ? { server } : {}),
  };
}

/** A ratio needs samples on both sides; "0x" for a target that delivered nothing would read as fast. */
function ratio(target: LatencySummary, baseline: LatencySummary, p: 'p50' | 'p99'): number | null {
  if (target.count === 0 || baseline.count === 0 || baseline[p] <= 0) return null;
  return Math.round((target[p] / baseline[p]) * 100) / 100;
}

/** A reading under one tick on either side (0 or one tick's worth of rounding) makes no meaningful ratio. */
function cpuRatio(target: ServerCpuReport | undefined, baseline: ServerCpuReport | undefined): number | null {
  if (!target || !baseline || target.cpuMs < target.resolutionMs || baseline.cpuMs < baseline.resolutionMs) return null;
  const t = target.cpuUsPerDelivery;
  const b = baseline.cpuUsPerDelivery;
  if (t === null || b === null || b <= 0) return null;
  return Math.round((t / b) * 100) / 100;
}

export function compareToBaseline(target: RunSection, baseline: RunSection): VsBaseline {
  return {
    fanoutP50: ratio(target.fanoutMs, baseline.fanoutMs, 'p50'),
    fanoutP99: ratio(target.fanoutMs, baseline.fanoutMs, 'p99'),
    lastRecipientP50: ratio(target.lastRecipientMs, baseline.lastRecipientMs, 'p50'),
    lastRecipientP99: ratio(target.lastRecipientMs, baseline.lastRecipientMs, 'p99'),
    cpuUsPerDelivery: cpuRatio(target.server, baseline.server),
  };
}

/** Room sizes after joining: connections joined round-robin, so sizes differ by at most one. */
export function evenRoomSizes(joined: number, rooms: number): number[] {
  return Array.from({ length: rooms }, (_, r) => Math.floor(joined / rooms) + (r < joined % rooms ? 1 : 0));
}

export function costOf(result: ScenarioResult): CostEstimate {
  return estimateCost({
    connectAttempts: result.connections.attempted,
    connectionsOpened: result.connections.opened,
    joins: result.connections.opened,
    messagesSent: result.messages.sent,
    recipientsTotal: result.expectedRecipientsTotal,
    roomSizes: evenRoomSizes(result.connections.joined, result.scenario.rooms),
    textSize: result.scenario.textSize,
    billedMessageUnits: result.frames.inUnits + result.frames.outUnits,
    connectedMs: result.connectedMs,
  });
}

/** The report of a target run, compared to a baseline run of the same scenario when there is one. */
export function buildReport(target: ScenarioResult, baseline?: ScenarioResult): LoadTestReport {
  const section = runSection(target);
  const report: LoadTestReport = { ...section, cost: costOf(target) };
  if (baseline !== undefined && baseline !== target) {
    report.baseline = runSection(baseline);
    report.vsBaseline = compareToBaseline(section, report.baseline);
  }
  return report;
}
