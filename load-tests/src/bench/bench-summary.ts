import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { cpuPerDeliveryText, type LoadTestReport } from '../report/report.js';

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

/** One room size of a bench: its report, or why there is none. */
export interface BenchRow {
  roomSize: number;
  messages: number;
  report?: LoadTestReport;
  error?: string;
  /** Report files, relative to the summary. */
  files: string[];
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
  rows: BenchRow[];
  /** Set when Ctrl-C or an error ended the bench early. */
  interrupted?: string;
}

/** 3 significant figures as the READMEs write them: 0.84, 5.1, 59.4, 165, 1,072. */
export function fmtMs(ms: number): string {
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

const pair = (a: number, b: number): string => `${fmtMs(a)} / ${fmtMs(b)}`;
const ratio = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${x.toFixed(1)}x`);

/** Whether a run measured the whole fan-out: everyone connected, every message sent, every delivery received. */
export function complete(report: LoadTestReport): boolean {
  return (
    report.connections.failed === 0 &&
    report.deliveries.missing === 0 &&
    report.messages.sent === report.messages.planned
  );
}

function notes(row: BenchRow): string {
  if (row.report === undefined)
    return `**failed**: ${row.error ?? 'no report'}`.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const r = row.report;
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

function tableRow(row: BenchRow): string {
  const r = row.report;
  const size = row.roomSize.toLocaleString('en-US');
  if (r === undefined) return `| ${size} | ${row.messages} | – | – | – | – | – | – | – | ${notes(row)} |`;
  const b = r.baseline;
  return (
    `| ${size} | ${row.messages} | ${pair(r.fanoutMs.p50, r.fanoutMs.p99)} | ${pair(r.lastRecipientMs.p50, r.lastRecipientMs.p99)} | ` +
    `${b ? pair(b.lastRecipientMs.p50, b.lastRecipientMs.p99) : 'n/a'} | ${ratio(r.vsBaseline?.lastRecipientP99)} | ` +
    `${cpuPerDeliveryText(r.server, r.deliveries.received) ?? 'n/a'}${threadSplit(r)} | ${(b && cpuPerDeliveryText(b.server, b.deliveries.received)) ?? 'n/a'} | ` +
    `${r.deliveries.received.toLocaleString('en-US')} / ${r.deliveries.expected.toLocaleString('en-US')} | ${notes(row)} |`
  );
}

const envList = (env: Record<string, string>): string =>
  Object.keys(env).length === 0
    ? 'none'
    : Object.entries(env)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `\`${k}=${v}\``)
        .join(', ');

/** DIR/SUMMARY.md: one row per room size, the machine and the simulation settings, how to reproduce. */
export function renderSummary(s: BenchSummary): string {
  const m = s.machine;
  const lines = [
    `# Fan-out bench: ${s.label}`,
    '',
    `Started ${s.startedAt}. Local stack (\`backend/src/local/main.ts\`, a fresh child process per room size) and the`,
    'generator on one machine; each room size runs the raw `ws` baseline (in-process) first, then the stack.',
    'One room, one sender; latencies in ms; CPU is server CPU time from the start of the send phase to the end of the',
    "drain phase divided by deliveries received (stack: every thread of its process; baseline: the generator's main",
    'thread, where the baseline server runs). /proc counts CPU in 10 ms ticks: per-delivery CPU means something only',
    'over thousands of deliveries.',
    '',
    ...(s.interrupted ? [`**Incomplete: ${s.interrupted}**`, ''] : []),
    '| Room size | Messages | Fan-out p50 / p99 | Last recipient p50 / p99 | Baseline last recipient p50 / p99 | Last-recipient p99 vs baseline | Stack CPU µs / delivery | Baseline CPU µs / delivery | Deliveries received / expected | Notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...s.rows.map(tableRow),
    '',
    '## Setup',
    '',
    `- Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}`,
    `- Node ${m.node}`,
    ...(s.code ? [`- Code: ${s.code}`] : []),
    `- LOCAL_* from the environment (passed to the stack): ${envList(s.callerLocalEnv)}`,
    `- LOCAL_* set by the bench: ${envList(s.benchLocalEnv)}`,
    ...s.rows
      .filter((r) => r.report)
      .map((r) => {
        const sc = r.report!.run.scenario;
        return `- Room ${r.roomSize}: ${sc.connections} connections, ${sc.messagesPerSender} messages at ${sc.ratePerSender}/s, ramp ${sc.rampPerSecond}/s, ${sc.workers} generator workers, drain up to ${sc.drainTimeoutMs / 1000} s; reports ${r.files.map((f) => `[${f}](${f})`).join(', ')}`;
      }),
    '',
    '```sh',
    s.command,
    '```',
    '',
  ];
  return lines.join('\n');
}
