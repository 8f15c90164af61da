import { availableParallelism, cpus } from 'node:os';
import { spread, type Spread } from '../post-cost/measure.js';
import { BASELINE, type BundleInitRun, type Sample } from './run.js';

/** Issue 12's goals for every bundle: zipped size, and import plus first invocation on this machine. */
export const GOALS = { zipKB: 400, initMs: 150 } as const;

export interface BundleFigures {
  functionName: string;
  /** Undefined for the baseline, which is no artifact. */
  zipKB: number | undefined;
  bootMs: Spread;
  importMs: Spread;
  invokeMs: Spread;
  totalMs: Spread;
  importCpuMs: Spread;
  invokeCpuMs: Spread;
  /** Median total over the baseline's median total, in the same run. */
  vsBaseline: number;
  /** Median total within GOALS.initMs and zip within GOALS.zipKB. */
  meetsGoals: boolean;
}

export interface BundleInitReport {
  date: string;
  command: string;
  node: string;
  machine: { cpu: string; cores: number; loadAverage: BundleInitRun['loadAverage'] };
  runs: number;
  goals: typeof GOALS;
  bundles: BundleFigures[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const rounded = (s: Spread): Spread => ({ median: round1(s.median), min: round1(s.min), max: round1(s.max) });

/** Medians (and min, max) over the runs, per function, the baseline first. */
export function summarize(run: BundleInitRun, command: string, now = new Date()): BundleInitReport {
  const byFunction = new Map<string, Sample[]>();
  for (const sample of run.samples.flat()) {
    byFunction.set(sample.functionName, [...(byFunction.get(sample.functionName) ?? []), sample]);
  }
  const baseline = byFunction.get(BASELINE);
  if (baseline === undefined) throw new Error('no baseline samples');
  const baselineTotal = spread(baseline.map((s) => s.totalMs)).median;
  const bundles = [...byFunction].map(([functionName, samples]): BundleFigures => {
    const bytes = run.bundles.find((b) => b.functionName === functionName)?.zipBytes;
    const zipKB = bytes === undefined ? undefined : round1(bytes / 1024);
    const totalMs = spread(samples.map((s) => s.totalMs));
    return {
      functionName,
      zipKB,
      bootMs: rounded(spread(samples.map((s) => s.bootMs))),
      importMs: rounded(spread(samples.map((s) => s.importMs))),
      invokeMs: rounded(spread(samples.map((s) => s.invokeMs))),
      totalMs: rounded(totalMs),
      importCpuMs: rounded(spread(samples.map((s) => s.importCpuMs))),
      invokeCpuMs: rounded(spread(samples.map((s) => s.invokeCpuMs))),
      vsBaseline: Math.round((totalMs.median / baselineTotal) * 100) / 100,
      meetsGoals: totalMs.median <= GOALS.initMs && (zipKB ?? 0) <= GOALS.zipKB,
    };
  });
  return {
    date: now.toISOString(),
    command,
    node: process.version,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), loadAverage: run.loadAverage },
    runs: run.samples.length,
    goals: GOALS,
    bundles,
  };
}

/** The Markdown table docs/PERFORMANCE.md quotes. */
export function formatReport(report: BundleInitReport): string {
  const ms = (s: Spread) => `${s.median} (${s.min}–${s.max})`;
  const rows = report.bundles.map((b) => {
    const verdict = b.functionName === BASELINE ? '–' : b.meetsGoals ? 'yes' : '**no**';
    const cpu = `${b.importCpuMs.median} / ${b.invokeCpuMs.median}`;
    return `| ${b.functionName} | ${b.zipKB ?? '–'} | ${ms(b.importMs)} | ${ms(b.invokeMs)} | ${ms(b.totalMs)} | ${cpu} | ${b.vsBaseline}x | ${verdict} |`;
  });
  const missed = report.bundles.filter((b) => b.functionName !== BASELINE && !b.meetsGoals).map((b) => b.functionName);
  return [
    `# Bundle init times (${report.date.slice(0, 10)})`,
    '',
    `\`${report.command}\`: ${report.runs} runs, each function in a fresh Node ${report.node} process per run, against`,
    `the local stack; ${report.machine.cores} cores, ${report.machine.cpu}, 1-minute load average`,
    `${report.machine.loadAverage.start.toFixed(1)} before and ${report.machine.loadAverage.end.toFixed(1)} after. Milliseconds, median (min–max).`,
    'Import: require() of the bundle. First invocation: the handler with the AWS-shaped event, to its answer (its',
    "store and @connections calls included). CPU: the child's CPU time (medians), without waiting for I/O or a core.",
    `Goals: at most ${report.goals.zipKB} KB zipped, import + first invocation at most ${report.goals.initMs} ms.`,
    '',
    '| Bundle | Zipped KB | Import ms | First invocation ms | Total ms | CPU ms import / invocation | Total vs baseline | Goals met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    missed.length === 0 ? 'Every bundle meets both goals.' : `Missing a goal: ${missed.join(', ')}.`,
    '',
  ].join('\n');
}
