/**
 * `npm run bench -w load-tests -- [--rooms 1000,5000] [--out DIR] [--label NAME] [--messages N]`: the local
 * fan-out benchmark, reproducible. Per room size: a fresh local stack as a child process, the raw ws baseline
 * then the stack (same scenario, server CPU measured on both), JSON + HTML reports, then the stack is stopped;
 * DIR/SUMMARY.md is rewritten after every room size, so an interrupted bench keeps what it measured.
 * Exit code 0 when every room size delivered everything, 1 otherwise, 2 for bad arguments, 130 on Ctrl-C.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionsOrExit } from '../arg-values.js';
import { parseCliArgs } from '../args.js';
import { BENCH_USAGE, parseBenchArgs, type RoomPlan } from './bench-args.js';
import {
  codeVersion,
  complete,
  machineInfo,
  renderSummary,
  type BenchRow,
  type BenchSummary,
} from './bench-summary.js';
import { runLoadTest } from '../load-test.js';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack-process.js';
import { writeHtmlReport } from '../report/report-html.js';
import { writeJsonReport } from '../report/report-json.js';
import { formatSummary, stderrProgress } from '../report/report-text.js';

const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));

/** Fixed by the bench: ports from the OS (no clash with an `npm start` running), loopback only, an empty store each run. */
const BENCH_LOCAL_ENV = { LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', LOCAL_HOST: '127.0.0.1', LOCAL_IN_MEMORY: '1' };

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function callerLocalEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (k.startsWith('LOCAL_') && v !== undefined && !(k in BENCH_LOCAL_ENV)) out[k] = v;
  return out;
}

function newSummary(label: string, argv: string[]): BenchSummary {
  const fromEnv = callerLocalEnv(process.env);
  const code = codeVersion(REPO_DIR);
  return {
    label,
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    ...(code !== undefined ? { code } : {}),
    callerLocalEnv: fromEnv,
    benchLocalEnv: BENCH_LOCAL_ENV,
    command: [
      ...Object.entries(fromEnv).map(([k, v]) => `${k}=${shellQuote(v)}`),
      'npm run bench -w load-tests --',
      ...argv.map(shellQuote),
    ].join(' '),
    rows: [],
  };
}

/** The load test's arguments for one room size against a started stack: the stack's CPU is measured beside the baseline's. */
function roomArgs(plan: RoomPlan, stack: LocalStackProcess): string[] {
  return [
    '--url',
    stack.wsUrl,
    '-c',
    String(plan.roomSize),
    '-r',
    '1',
    '-s',
    '1',
    '-m',
    String(plan.messages),
    '--rate',
    String(plan.rate),
    '--drain',
    String(plan.drainS),
    '--connect-timeout',
    String(plan.connectTimeoutS),
    '--server-pid',
    String(stack.pid),
    '--baseline',
  ];
}

/** Runs one room size on the given stack and writes its reports into `row` and `dir`. */
async function measureRoom(
  plan: RoomPlan,
  stack: LocalStackProcess,
  row: BenchRow,
  dir: string,
  quiet: boolean,
): Promise<void> {
  const name = `room${plan.roomSize}`;
  process.stderr.write(`room ${plan.roomSize}: local stack pid ${stack.pid} at ${stack.wsUrl}\n`);
  const progress = stderrProgress(quiet);
  const report = await runLoadTest(parseCliArgs(roomArgs(plan, stack)), progress);
  progress.done();
  await writeJsonReport(join(dir, `${name}.json`), report);
  await writeHtmlReport(join(dir, `${name}.html`), report);
  row.report = report;
  row.files = [`${name}.json`, `${name}.html`, `${name}-stack.log`];
  process.stdout.write(`\n== room ${plan.roomSize} ==\n${formatSummary(report)}\n`);
}

async function main(argv: string[]): Promise<number> {
  const options = optionsOrExit('bench', BENCH_USAGE, () => parseBenchArgs(argv));
  if (typeof options === 'number') return options;
  const dir = options.outDir;
  await mkdir(dir, { recursive: true });
  const summary = newSummary(options.label, argv);
  const summaryFile = join(dir, 'SUMMARY.md');
  const writeSummary = (): Promise<void> => writeFile(summaryFile, renderSummary(summary));

  // Ctrl-C reaches the stack too (same process group) and it begins to stop on its own; either way the bench
  // waits for it (bounded), records what it has and exits. A second Ctrl-C does not skip the cleanup.
  let stack: LocalStackProcess | undefined;
  let current: RoomPlan | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the local stack${stack ? ` (pid ${stack.pid})` : ''}\n`);
    summary.interrupted = `${signal} during room size ${current?.roomSize ?? '?'}`;
    void (async () => {
      try {
        await stack?.stop(10_000);
        await writeSummary();
      } finally {
        process.exit(130);
      }
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  for (const plan of options.rooms) {
    current = plan;
    const row: BenchRow = { roomSize: plan.roomSize, messages: plan.messages, files: [] };
    summary.rows.push(row);
    try {
      stack = await startLocalStackProcess({
        env: { ...process.env, ...BENCH_LOCAL_ENV },
        logFile: join(dir, `room${plan.roomSize}-stack.log`),
      });
      await measureRoom(plan, stack, row, dir, options.quiet);
    } catch (error) {
      row.error = error instanceof Error ? error.message : String(error);
      process.stderr.write(`room ${plan.roomSize} failed: ${row.error}\n`);
    } finally {
      if (stack && !stopping) {
        const exit = await stack.stop();
        if (exit.killed)
          process.stderr.write(`warning: the local stack (pid ${stack.pid}) ignored SIGINT and was killed\n`);
        stack = undefined;
      }
      if (!stopping) await writeSummary();
    }
    if (stopping) break;
  }
  process.stdout.write(`\nSummary: ${relative(process.env.INIT_CWD ?? process.cwd(), summaryFile) || summaryFile}\n`);
  return summary.rows.every((r) => r.report !== undefined && complete(r.report)) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Worker threads and sockets are closed by now, but a stray handle must not keep a finished bench alive.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
