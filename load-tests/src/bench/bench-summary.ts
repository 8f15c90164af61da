import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { cpuPerDeliveryText, type LoadTestReport } from '../report/report.js';
import {
  fmtRatio,
  roomResult,
  VERDICT_AGGREGATE,
  type BenchRound,
  type RoomAggregate,
  type RoundFigures,
  type RoundSpread,
  type Verdict,
} from './rounds.js';

/** What the numbers of a bench depend on besides the code. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGiB: number;
}

/** CPU model from /proc/cpuinfo (`model name`, or `Model`/`cpu model` on some ARM and MIPS kernels). */
export function cpuModelFrom(cpuinfo: string): string | undefined {
  const match = /^(?:model name|Model|cpu model)\s*:\s*(.+)$/m.exec(cpuinfo);
  return match?.[1]?.trim();
}

export function machineInfo(): MachineInfo {
  let cpuModel: string | undefined;
  try {
    cpuModel = cpuModelFrom(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // not Linux
  }
  return {
    cores: availableParallelism(),
    cpuModel: cpuModel ?? cpus()[0]?.model ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

/**
 * `abc1234`, or `abc1234 + uncommitted changes in backend/, serverless.yml` naming which of the paths the bench
 * runs (`backend/`, `load-tests/`, `serverless.yml`) differ from the commit (untracked files included), or
 * undefined outside a git checkout.
 */
export function codeVersion(repoDir: string): string | undefined {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const sha = git('rev-parse', '--short', 'HEAD').trim();
    // Not trimmed: each porcelain line is "XY path", and X is a space for a change not yet staged.
    const dirty = git('status', '--porcelain', '--', 'backend', 'load-tests', 'serverless.yml');
    const dirs = [
      ...new Set(
        dirty
          .split('\n')
          .filter(Boolean)
          .map((l) => `${l.slice(3).split('/')[0]}${l.slice(3).includes('/') ? '/' : ''}`),
      ),
    ];
    return dirs.length === 0 ? sha : `${sha} + uncommitted changes in ${dirs.join(', ')}`;
  } catch {
    return undefined;
  }
}

/** One room size of a bench: its rounds, each the raw `ws` baseline then a fresh stack. */
export interface BenchRow {
  roomSize: number;
  messages: number;
  rounds: BenchRound[];
}

export interface BenchSummary {
  label: string;
  startedAt: string;
  machine: MachineInfo;
  code?: string;
  /** LOCAL_* of the caller, passed through to the stack. */
  callerLocalEnv: Record<string, string>;
  /** LOCAL_* the bench sets itself. */
  benchLocalEnv: Record<string, string>;
  command: string;
  /** Rounds per room size (--repeat). */
  repeat: number;
  /** The last-recipient p99 ratio the verdict judges against (--goal-ratio). */
  goalRatio: number;
  rows: BenchRow[];
  /** Set when Ctrl-C or an error ended the bench early. */
  interrupted?: string;
}

/** SUMMARY.json: the summary without the full reports; per room size every round's figures, the aggregate, the verdict. */
export type BenchSummaryJson = Omit<BenchSummary, 'rows'> & {
  rooms: Array<{
    roomSize: number;
    messages: number;
    rounds: Array<RoundFigures & { files: string[]; error?: string }>;
    aggregate: RoomAggregate;
    verdict: Verdict;
  }>;
};

/** 3 significant figures as the READMEs write them: 0.84, 5.1, 59.4, 165, 1,072. */
export function fmtMs(ms: number): string {
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

const pair = (a: number, b: number): string => `${fmtMs(a)} / ${fmtMs(b)}`;

function notes(round: BenchRound): string {
  if (round.report === undefined)
    return `**failed**: ${round.error ?? 'no report'}`.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const r = round.report;
  const out: string[] = [];
  if (r.connections.failed > 0) out.push(`${r.connections.failed} connections failed`);
  if (r.messages.sent < r.messages.planned) out.push(`${r.messages.planned - r.messages.sent} messages not sent`);
  if (r.generator.drainTimedOut) out.push('drain timed out');
  if (r.generator.saturated) out.push('generator saturated (latencies overstated)');
  if (r.baseline?.generator.saturated) out.push('baseline run saturated the generator');
  const frames = Object.entries(r.errors.frames).map(([k, v]) => `${v} ${k}`);
  if (frames.length > 0) out.push(`error frames: ${frames.join(', ')}`);
  return out.join('; ');
}

/** " (main 300 + other threads 555)": the stack's gateway and routes against its fan-out worker threads. */
function threadSplit(r: LoadTestReport): string {
  const t = r.server?.threads;
  if (t === undefined || t.mainCpuUsPerDelivery === null || t.otherCpuUsPerDelivery === null) return '';
  return ` (main ${Math.round(t.mainCpuUsPerDelivery)} + other threads ${Math.round(t.otherCpuUsPerDelivery)})`;
}

/** One round: the stack's figures, the same round's baseline and the ratio between the two. */
function roundRow(row: BenchRow, round: BenchRound): string {
  const r = round.report;
  const head = `| ${row.roomSize.toLocaleString('en-US')} | ${round.round} | ${row.messages}`;
  if (r === undefined) return `${head} | – | – | – | – | – | – | – | ${notes(round)} |`;
  const b = r.baseline;
  return (
    `${head} | ${pair(r.fanoutMs.p50, r.fanoutMs.p99)} | ${pair(r.lastRecipientMs.p50, r.lastRecipientMs.p99)} | ` +
    `${b ? pair(b.lastRecipientMs.p50, b.lastRecipientMs.p99) : 'n/a'} | ${fmtRatio(r.vsBaseline?.lastRecipientP99)} | ` +
    `${cpuPerDeliveryText(r.server, r.deliveries.received) ?? 'n/a'}${threadSplit(r)} | ${(b && cpuPerDeliveryText(b.server, b.deliveries.received)) ?? 'n/a'} | ` +
    `${r.deliveries.received.toLocaleString('en-US')} / ${r.deliveries.expected.toLocaleString('en-US')} | ${notes(round)} |`
  );
}

/** `8.61x (6.78x–10.34x)`, `41.4 (34.5–53.8), spread 47%`: the median first, then the range over the rounds. */
function spreadText(s: RoundSpread | null, fmt: (x: number) => string, withPct = false): string {
  if (s === null) return 'n/a';
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})${withPct ? `, spread ${s.spreadPct}%` : ''}`;
}

function aggregateRow(row: BenchRow, a: RoomAggregate): string {
  const us = (x: number): string => (x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US'));
  return (
    `| ${row.roomSize.toLocaleString('en-US')} | ${a.counted.length} of ${a.rounds} | ${spreadText(a.lastRecipientP99Ratio, fmtRatio)} | ` +
    `${spreadText(a.stackLastRecipientP99Ms, fmtMs, true)} | ${spreadText(a.baselineLastRecipientP99Ms, fmtMs, true)} | ` +
    `${spreadText(a.stackCpuUsPerDelivery, us)} |`
  );
}

/** The verdict per room size, the aggregate it is taken on, then every round's own figures. */
function resultLines(s: BenchSummary): string[] {
  const results = s.rows.map((row) => ({ row, ...roomResult(row.rounds, s.goalRatio) }));
  return [
    '## Verdict',
    '',
    `Each room size ran ${s.repeat} round${s.repeat === 1 ? '' : 's'}, each the raw \`ws\` baseline then a fresh stack. The goal,`,
    `a last-recipient p99 at most ${fmtRatio(s.goalRatio)} the raw baseline's, is judged on the`,
    `${VERDICT_AGGREGATE}, over the rounds that delivered everything; every round is listed under Rounds.`,
    '',
    ...results.map(({ row, verdict }) => `- Room ${row.roomSize.toLocaleString('en-US')}: ${verdict.text}`),
    '',
    '| Room size | Rounds counted | Last-recipient p99 vs baseline, median (min–max) | Stack last-recipient p99, median (min–max) | Baseline last-recipient p99, median (min–max) | Stack CPU µs / delivery, median (min–max) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(({ row, aggregate }) => aggregateRow(row, aggregate)),
    '',
    '## Rounds',
    '',
    '| Room size | Round | Messages | Fan-out p50 / p99 | Last recipient p50 / p99 | Baseline last recipient p50 / p99 | Last-recipient p99 vs baseline | Stack CPU µs / delivery | Baseline CPU µs / delivery | Deliveries received / expected | Notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...s.rows.flatMap((row) => row.rounds.map((round) => roundRow(row, round))),
  ];
}

const envList = (env: Record<string, string>): string =>
  Object.keys(env).length === 0
    ? 'none'
    : Object.entries(env)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `\`${k}=${v}\``)
        .join(', ');

/** `- Room 1000: 1000 connections, … ; reports [room1000-r1.json](…), …`: the scenario (the same every round) and every file. */
function scenarioLine(row: BenchRow): string[] {
  const report = row.rounds.find((r) => r.report)?.report;
  if (report === undefined) return [];
  const sc = report.run.scenario;
  const files = row.rounds.flatMap((r) => r.files).map((f) => `[${f}](${f})`);
  return [
    `- Room ${row.roomSize}: ${sc.connections} connections, ${sc.messagesPerSender} messages at ${sc.ratePerSender}/s after ${sc.warmupMessages} uncounted warm-up messages, ramp ${sc.rampPerSecond}/s, ${sc.workers} generator workers, drain up to ${sc.drainTimeoutMs / 1000} s; reports ${files.join(', ')}`,
  ];
}

/** DIR/SUMMARY.md: the verdict and its aggregate per room size, every round, the machine and settings, how to reproduce. */
export function renderSummary(s: BenchSummary): string {
  const m = s.machine;
  const lines = [
    `# Fan-out bench: ${s.label}`,
    '',
    `Started ${s.startedAt}. Local stack (\`backend/src/local/main.ts\`, a fresh child process per round) and the`,
    'generator on one machine; each round runs the raw `ws` baseline (in-process) first, then the stack.',
    'One room, one sender; latencies in ms; CPU is server CPU time from the start of the send phase to the end of the',
    "drain phase divided by deliveries received (stack: every thread of its process; baseline: the generator's main",
    'thread, where the baseline server runs). /proc counts CPU in 10 ms ticks: per-delivery CPU means something only',
    'over thousands of deliveries.',
    '',
    ...(s.interrupted ? [`**Incomplete: ${s.interrupted}**`, ''] : []),
    ...resultLines(s),
    '',
    '## Setup',
    '',
    `- Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}`,
    `- Node ${m.node}`,
    ...(s.code ? [`- Code: ${s.code}`] : []),
    `- LOCAL_* from the environment (passed to the stack): ${envList(s.callerLocalEnv)}`,
    `- LOCAL_* set by the bench: ${envList(s.benchLocalEnv)}`,
    ...s.rows.flatMap(scenarioLine),
    '',
    '```sh',
    s.command,
    '```',
    '',
  ];
  return lines.join('\n');
}

/** DIR/SUMMARY.json: what SUMMARY.md shows, for scripts; the full per-round reports stay in their own files. */
export function summaryJson(s: BenchSummary): BenchSummaryJson {
  const { rows, ...rest } = s;
  return {
    ...rest,
    rooms: rows.map((row) => {
      const result = roomResult(row.rounds, s.goalRatio);
      return {
        roomSize: row.roomSize,
        messages: row.messages,
        rounds: row.rounds.map((round, i) => ({
          ...result.figures[i]!,
          files: round.files,
          ...(round.error !== undefined ? { error: round.error } : {}),
        })),
        aggregate: result.aggregate,
        verdict: result.verdict,
      };
    }),
  };
}
