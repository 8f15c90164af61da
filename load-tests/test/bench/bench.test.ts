import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractReportSchema } from '../../src/report/report-schema.js';
import type { LoadTestReport } from '../../src/report/report.js';
import type { BenchSummaryJson } from '../../src/bench/bench-summary.js';
import { VERDICT_AGGREGATE } from '../../src/bench/rounds.js';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

interface BenchRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `npm run bench` as a user runs it (tsx, its own process, its own child stack), bounded in time: killed
 * after `timeoutMs`. `whileRunning` sees stderr as it grows and may signal the bench.
 */
function runBench(
  args: string[],
  timeoutMs: number,
  whileRunning?: (stderr: string, pid: number) => void,
): Promise<BenchRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bench/cli.ts', ...args], {
    cwd: PACKAGE_DIR,
    // Ports are always 0 for the bench; the LOCAL_* variable below shows up in the summary as passed through.
    env: { ...process.env, LOCAL_STAGE: 'benchtest', INIT_CWD: PACKAGE_DIR },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    whileRunning?.(stderr, child.pid!);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const stackPidOf = (stderr: string): number | undefined => {
  const m = /local stack pid (\d+)/.exec(stderr);
  return m ? Number(m[1]) : undefined;
};

describe.runIf(process.platform === 'linux')('npm run bench', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'runs a tiny room end to end, two rounds: reports per round, SUMMARY.md and .json, server CPU, the stacks stopped',
    { timeout: 180_000 },
    async () => {
      // Act: 20 members, one warm-up message then 2 measured at 2/s (the rate only shortens the send phase), two rounds.
      const out = join(dir, 'tiny');
      const run = await runBench(
        [
          ...['--rooms', '20', '--messages', '2', '--warmup', '1', '--rate', '2', '--drain', '15'],
          ...['--repeat', '2', '--out', out, '-q'],
        ],
        150_000,
      );
      // Assess
      expect(run.stderr).not.toMatch(/room \d+.* failed|bench failed/);
      expect(run.code).toBe(0);
      const rounds = [1, 2].map((k) => `room20-r${k}`);
      expect((await readdir(out)).sort()).toEqual(
        ['SUMMARY.json', 'SUMMARY.md', ...rounds.flatMap((r) => [`${r}-stack.log`, `${r}.html`, `${r}.json`])].sort(),
      );
      // A fresh stack per round, each measured and stopped.
      const stackPids = [...run.stderr.matchAll(/local stack pid (\d+)/g)].map((m) => Number(m[1]));
      expect(stackPids).toHaveLength(2);
      expect(new Set(stackPids).size).toBe(2);
      for (const [i, name] of rounds.entries()) {
        const report = JSON.parse(await readFile(join(out, `${name}.json`), 'utf8')) as LoadTestReport;
        expect(contractReportSchema.safeParse(report).success).toBe(true);
        expect(report.connections).toMatchObject({ opened: 20, failed: 0 });
        expect(report.deliveries).toMatchObject({ expected: 40, received: 40, missing: 0 });
        expect(report.server?.scope).toBe('process');
        expect(report.server?.cpuUsPerDelivery).toBeGreaterThan(0);
        expect(report.baseline?.deliveries).toMatchObject({ expected: 40, received: 40 });
        // The warm-up message reached all 20 members of both, and no figure counts it.
        expect(report.deliveries.warmup).toBe(20);
        expect(report.baseline?.deliveries.warmup).toBe(20);
        expect(report.baseline?.server?.scope).toBe('main-thread');
        expect(report.vsBaseline).toHaveProperty('lastRecipientP99');
        expect(report.server?.pid).toBe(stackPids[i]);
        expect(alive(stackPids[i]!)).toBe(false);
      }

      const summary = await readFile(join(out, 'SUMMARY.md'), 'utf8');
      for (const k of [1, 2]) {
        const row = summary.split('\n').find((l) => l.startsWith(`| 20 | ${k} |`));
        expect(row).toBeDefined();
        const cells = row!
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim());
        expect(cells).toHaveLength(11);
        expect(cells[2]).toBe('2');
        expect(cells[3]).toMatch(/^\d[\d.,]* \/ \d[\d.,]*$/); // fan-out p50 / p99
        expect(cells[5]).toMatch(/^\d[\d.,]* \/ \d[\d.,]*$/); // this round's baseline last recipient p50 / p99
        expect(cells[6]).toMatch(/^\d[\d.,]*x$/); // last-recipient p99 vs this round's baseline
        // Stack CPU µs per delivery, then its split between the main thread and the others.
        const [total, main, other] = /^([\d,.]+) \(main (\d+) \+ other threads (\d+)\)$/
          .exec(cells[7]!)!
          .slice(1)
          .map((n) => Number(n.replace(/,/g, '')));
        expect(total).toBeGreaterThan(0);
        expect(Math.abs(main! + other! - total!)).toBeLessThanOrEqual(2);
        expect(cells[9]).toBe('40 / 40');
      }
      // The verdict names its aggregate; which way it goes is not this test's business.
      expect(summary).toMatch(
        /^- Room 20: last-recipient p99 vs raw ws, median of 2 per-round ratios: \*\*[\d.]+x\*\* \(min [\d.]+x, max [\d.]+x\); goal at most 8\.00x: \*\*(met|not met)\*\*$/m,
      );
      expect(summary).toMatch(/^\| 20 \| 2 of 2 \| [\d.]+x \([\d.]+x–[\d.]+x\) \|/m);
      expect(summary).toMatch(/- Machine: \d+ cores, .+/);
      expect(summary).toContain(`- Node ${process.version}`);
      expect(summary).toContain('2 messages at 2/s after 1 uncounted warm-up messages');
      expect(summary).toContain('`LOCAL_STAGE=benchtest`');
      expect(summary).toContain('`LOCAL_WS_PORT=0`');

      // SUMMARY.json: every round's figures, and an aggregate that is their median.
      const json = JSON.parse(await readFile(join(out, 'SUMMARY.json'), 'utf8')) as BenchSummaryJson;
      expect(json).toMatchObject({ repeat: 2, goalRatio: 8 });
      const room = json.rooms[0]!;
      expect(room.rounds.map((r) => [r.round, r.complete, r.files])).toEqual(
        rounds.map((r, i) => [i + 1, true, [`${r}-stack.log`, `${r}.json`, `${r}.html`]]),
      );
      const ratios = room.rounds.map((r) => r.lastRecipientP99Ratio!);
      expect(room.aggregate.counted).toEqual([1, 2]);
      expect(room.aggregate.lastRecipientP99Ratio).toMatchObject({
        min: Math.min(...ratios),
        max: Math.max(...ratios),
      });
      expect(room.aggregate.lastRecipientP99Ratio!.median).toBeCloseTo((ratios[0]! + ratios[1]!) / 2, 3);
      expect(room.verdict).toMatchObject({ aggregate: VERDICT_AGGREGATE, goal: 8 });
      expect(room.verdict.met).toBe(room.verdict.ratio! <= 8);
    },
  );

  it('stops the local stack and keeps a summary when interrupted with Ctrl-C', { timeout: 120_000 }, async () => {
    // Prepare: a run long enough to be mid-way (60 messages at 1/s) when the signal comes.
    const out = join(dir, 'interrupted');
    let signalled = false;
    let stackPid: number | undefined;
    // Act: SIGINT once the stack run has begun.
    const run = await runBench(
      ['--rooms', '10', '--messages', '60', '--warmup', '0', '--rate', '1', '--out', out, '-q'],
      90_000,
      (stderr, pid) => {
        stackPid ??= stackPidOf(stderr);
        if (!signalled && /^target: /m.test(stderr)) {
          signalled = true;
          process.kill(pid, 'SIGINT');
        }
      },
    );
    // Assess
    expect(signalled).toBe(true);
    expect(run.code).toBe(130);
    expect(stackPid).toBeDefined();
    expect(alive(stackPid!)).toBe(false);
    const summary = await readFile(join(out, 'SUMMARY.md'), 'utf8');
    expect(summary).toContain('**Incomplete: SIGINT during room size 10**');
    // Round 1 is listed, and no round began after the signal.
    expect(summary).toMatch(/^\| 10 \| 1 \| 60 \|/m);
    expect(summary).not.toMatch(/^\| 10 \| 2 \|/m);
  });
});
