/**
 * `npm run bench -w load-tests -- [--rooms 1000,5000] [--repeat N] [--out DIR] [--label NAME] [--messages N]`:
 * the local fan-out benchmark, reproducible. Per room size, N rounds of: the raw ws baseline, then a fresh local
 * stack as a child process (same scenario, server CPU measured on both), JSON + HTML reports, the stack stopped.
 * The verdict is taken on the median of the rounds' ratios, since one baseline p99 is too noisy to judge on.
 * DIR/SUMMARY.md and SUMMARY.json are rewritten after every round, so an interrupted bench keeps what it measured.
 * Exit code 0 when every round delivered everything, 1 otherwise, 2 for bad arguments, 130 on Ctrl-C.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionsOrExit } from '../arg-values.js';
import { parseCliArgs } from '../args.js';
import { BENCH_USAGE, parseBenchArgs, type BenchOptions, type RoomPlan } from './bench-args.js';
import {
  codeVersion,
  machineInfo,
  renderSummary,
  summaryJson,
  type BenchRow,
  type BenchSummary,
} from './bench-summary.js';
import { complete, roomResult, type BenchRound } from './rounds.js';
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

function newSummary(options: BenchOptions, argv: string[]): BenchSummary {
  const fromEnv = callerLocalEnv(process.env);
  const code = codeVersion(REPO_DIR);
  return {
    label: options.label,
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
    repeat: options.repeat,
    goalRatio: options.goalRatio,
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
    '--warmup',
    String(plan.warmup),
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

/** `room1000` for a single round (the names before --repeat), `room1000-r2` for round 2 of several. */
function roundFileStem(roomSize: number, round: number, repeat: number): string {
  return repeat === 1 ? `room${roomSize}` : `room${roomSize}-r${round}`;
}

/** Runs one round on the given stack and writes its reports into `round` and `dir`. */
async function measureRound(
  plan: RoomPlan,
  stack: LocalStackProcess,
  round: BenchRound,
  stem: string,
  dir: string,
  quiet: boolean,
): Promise<void> {
  const progress = stderrProgress(quiet);
  const report = await runLoadTest(parseCliArgs(roomArgs(plan, stack)), progress);
  progress.done();
  await writeJsonReport(join(dir, `${stem}.json`), report);
  await writeHtmlReport(join(dir, `${stem}.html`), report);
  round.report = report;
  round.files.push(`${stem}.json`, `${stem}.html`);
}

/** What Ctrl-C needs to know: the stack to stop, and the room size and round it cut short. */
interface BenchState {
  stack?: LocalStackProcess;
  roomSize?: number;
  round?: BenchRound;
  stopping: boolean;
}

/** One round: a fresh stack, the baseline then the stack measured, the stack stopped (unless Ctrl-C is doing it). */
async function runRound(plan: RoomPlan, round: BenchRound, options: BenchOptions, state: BenchState): Promise<void> {
  const stem = roundFileStem(plan.roomSize, round.round, options.repeat);
  const heading = `room ${plan.roomSize}, round ${round.round} of ${options.repeat}`;
  try {
    round.files.push(`${stem}-stack.log`);
    state.stack = await startLocalStackProcess({
      env: { ...process.env, ...BENCH_LOCAL_ENV },
      logFile: join(options.outDir, `${stem}-stack.log`),
    });
    process.stderr.write(`${heading}: local stack pid ${state.stack.pid} at ${state.stack.wsUrl}\n`);
    await measureRound(plan, state.stack, round, stem, options.outDir, options.quiet);
    process.stdout.write(`\n== ${heading} ==\n${formatSummary(round.report!)}\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // After Ctrl-C the round failed because the stack was stopping: the summary says "interrupted".
    if (!state.stopping) round.error = message;
    process.stderr.write(`${heading} failed: ${message}\n`);
  } finally {
    const stack = state.stack;
    if (stack && !state.stopping) {
      const exit = await stack.stop();
      if (exit.killed)
        process.stderr.write(`warning: the local stack (pid ${stack.pid}) ignored SIGINT and was killed\n`);
      state.stack = undefined;
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const options = optionsOrExit('bench', BENCH_USAGE, () => parseBenchArgs(argv));
  if (typeof options === 'number') return options;
  const dir = options.outDir;
  await mkdir(dir, { recursive: true });
  const summary = newSummary(options, argv);
  const summaryFile = join(dir, 'SUMMARY.md');
  const writeSummary = async (): Promise<void> => {
    await writeFile(summaryFile, renderSummary(summary));
    await writeFile(join(dir, 'SUMMARY.json'), `${JSON.stringify(summaryJson(summary), null, 2)}\n`);
  };

  // Ctrl-C reaches the stack too (same process group) and it begins to stop on its own; either way the bench
  // waits for it (bounded), records what it has and exits. A second Ctrl-C does not skip the cleanup.
  const state: BenchState = { stopping: false };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (state.stopping) return;
    state.stopping = true;
    process.stderr.write(`\n${signal}: stopping the local stack${state.stack ? ` (pid ${state.stack.pid})` : ''}\n`);
    summary.interrupted = `${signal} during room size ${state.roomSize ?? '?'}`;
    if (state.round && state.round.report === undefined) state.round.error = `interrupted by ${signal}`;
    void (async () => {
      try {
        await state.stack?.stop(10_000);
        await writeSummary();
      } finally {
        process.exit(130);
      }
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  for (const plan of options.rooms) {
    const row: BenchRow = { roomSize: plan.roomSize, messages: plan.messages, rounds: [] };
    summary.rows.push(row);
    for (let k = 1; k <= options.repeat && !state.stopping; k++) {
      const round: BenchRound = { round: k, files: [] };
      state.roomSize = plan.roomSize;
      state.round = round;
      row.rounds.push(round);
      await runRound(plan, round, options, state);
      if (!state.stopping) await writeSummary();
    }
    if (state.stopping) break;
    const { verdict } = roomResult(row.rounds, options.goalRatio);
    process.stdout.write(`\nroom ${plan.roomSize}: ${verdict.text.replace(/\*\*/g, '')}\n`);
  }
  process.stdout.write(`\nSummary: ${relative(process.env.INIT_CWD ?? process.cwd(), summaryFile) || summaryFile}\n`);
  return summary.rows.every((r) => r.rounds.every((round) => round.report !== undefined && complete(round.report)))
    ? 0
    : 1;
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
