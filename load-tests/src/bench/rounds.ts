import { spread, type Spread } from '../post-cost/measure.js';
import type { LoadTestReport } from '../report/report.js';

/** One round of a room size: the raw `ws` baseline, then a fresh local stack; its report, or why there is none. */
export interface BenchRound {
  /** 1-based. */
  round: number;
  report?: LoadTestReport;
  error?: string;
  /** Report files, relative to the summary. */
  files: string[];
}

/** What the summary and the verdict compare of one round; null where the round did not measure it. */
export interface RoundFigures {
  round: number;
  /** Everyone connected, every message sent, every delivery received: only such rounds are aggregated. */
  complete: boolean;
  stackLastRecipientP99Ms: number | null;
  baselineLastRecipientP99Ms: number | null;
  /** Stack p99 / this round's baseline p99 (the report's `vsBaseline.lastRecipientP99`). */
  lastRecipientP99Ratio: number | null;
  /** null when unmeasured or under one /proc tick. */
  stackCpuUsPerDelivery: number | null;
}

/** Median, min, max, and (max − min) / median in percent: how far apart the rounds were. */
export interface RoundSpread extends Spread {
  spreadPct: number;
}

/** The rounds of one room size taken together: only complete rounds with a ratio count, every field over the same ones. */
export interface RoomAggregate {
  rounds: number;
  /** Which rounds were aggregated (1-based). */
  counted: number[];
  lastRecipientP99Ratio: RoundSpread | null;
  stackLastRecipientP99Ms: RoundSpread | null;
  baselineLastRecipientP99Ms: RoundSpread | null;
  stackCpuUsPerDelivery: RoundSpread | null;
}

/** The aggregate a verdict is taken on; named in the verdict line so a reader knows what was compared. */
export const VERDICT_AGGREGATE = 'median of the per-round last-recipient p99 ratios (stack / raw ws baseline)';

export interface Verdict {
  aggregate: typeof VERDICT_AGGREGATE;
  /** The median ratio, null when no round counted. */
  ratio: number | null;
  goal: number;
  /** ratio <= goal; null when there is nothing to judge. */
  met: boolean | null;
  /** The verdict line, as SUMMARY.md and stdout print it (markdown emphasis included). */
  text: string;
}

/** Whether a run measured the whole fan-out: everyone connected, every message sent, every delivery received. */
export function complete(report: LoadTestReport): boolean {
  return (
    report.connections.failed === 0 &&
    report.deliveries.missing === 0 &&
    report.messages.sent === report.messages.planned
  );
}

export function roundFigures(round: BenchRound): RoundFigures {
  const r = round.report;
  const server = r?.server;
  const cpuMeasured = server !== undefined && server.cpuMs >= server.resolutionMs;
  return {
    round: round.round,
    complete: r !== undefined && complete(r),
    stackLastRecipientP99Ms: r && r.lastRecipientMs.count > 0 ? r.lastRecipientMs.p99 : null,
    baselineLastRecipientP99Ms:
      r?.baseline && r.baseline.lastRecipientMs.count > 0 ? r.baseline.lastRecipientMs.p99 : null,
    lastRecipientP99Ratio: r?.vsBaseline?.lastRecipientP99 ?? null,
    stackCpuUsPerDelivery: cpuMeasured ? server.cpuUsPerDelivery : null,
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Spread of the values that exist, null when none does; rounded to 3 decimals so the JSON reads cleanly. */
export function roundSpread(values: readonly (number | null)[]): RoundSpread | null {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  const s = spread(present);
  return {
    median: round3(s.median),
    min: round3(s.min),
    max: round3(s.max),
    spreadPct: s.median > 0 ? Math.round(((s.max - s.min) / s.median) * 1000) / 10 : 0,
  };
}

export function aggregateRounds(figures: readonly RoundFigures[]): RoomAggregate {
  const counted = figures.filter((f) => f.complete && f.lastRecipientP99Ratio !== null);
  return {
    rounds: figures.length,
    counted: counted.map((f) => f.round),
    lastRecipientP99Ratio: roundSpread(counted.map((f) => f.lastRecipientP99Ratio)),
    stackLastRecipientP99Ms: roundSpread(counted.map((f) => f.stackLastRecipientP99Ms)),
    baselineLastRecipientP99Ms: roundSpread(counted.map((f) => f.baselineLastRecipientP99Ms)),
    stackCpuUsPerDelivery: roundSpread(counted.map((f) => f.stackCpuUsPerDelivery)),
  };
}

/** `8.82x`; a third decimal only where a median of an even count has one, so the verdict never reads rounded across the goal. */
export function fmtRatio(x: number | null | undefined): string {
  if (x === null || x === undefined) return 'n/a';
  const three = x.toFixed(3);
  return `${three.endsWith('0') ? x.toFixed(2) : three}x`;
}

/** The goal is judged on the median ratio; the line says so, and gives min and max and any round left out. */
export function verdictOf(aggregate: RoomAggregate, goal: number): Verdict {
  const r = aggregate.lastRecipientP99Ratio;
  const n = aggregate.counted.length;
  const left = aggregate.rounds - n;
  const leftOut = left > 0 ? `; ${left} of ${aggregate.rounds} rounds left out (incomplete or without a ratio)` : '';
  if (r === null) {
    return {
      aggregate: VERDICT_AGGREGATE,
      ratio: null,
      goal,
      met: null,
      text: `no verdict: no complete round with a last-recipient p99 ratio (goal at most ${fmtRatio(goal)})${leftOut}`,
    };
  }
  const met = r.median <= goal;
  const single = n === 1 ? '; one round only, so one baseline p99 decides (use --repeat 5)' : '';
  return {
    aggregate: VERDICT_AGGREGATE,
    ratio: r.median,
    goal,
    met,
    text:
      `last-recipient p99 vs raw ws, median of ${n} per-round ratio${n === 1 ? '' : 's'}: **${fmtRatio(r.median)}** ` +
      `(min ${fmtRatio(r.min)}, max ${fmtRatio(r.max)}); goal at most ${fmtRatio(goal)}: **${met ? 'met' : 'not met'}**${leftOut}${single}`,
  };
}

/** A room size's rounds read together: each round's figures, their aggregate and the verdict on it. */
export interface RoomResult {
  figures: RoundFigures[];
  aggregate: RoomAggregate;
  verdict: Verdict;
}

export function roomResult(rounds: readonly BenchRound[], goal: number): RoomResult {
  const figures = rounds.map(roundFigures);
  const aggregate = aggregateRounds(figures);
  return { figures, aggregate, verdict: verdictOf(aggregate, goal) };
}
