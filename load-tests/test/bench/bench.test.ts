import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractReportSchema } from '../../src/report/report-schema.js';
import type { LoadTestReport } from '../../src/report/report.js';

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
    'runs a tiny room end to end: reports per room, SUMMARY.md, server CPU, the stack stopped',
    { timeout: 180_000 },
    async () => {
      // Act: 20 members, 2 messages at 2/s (the rate only shortens the send phase).
      const out = join(dir, 'tiny');
      const run = await runBench(
        ['--rooms', '20', '--messages', '2', '--rate', '2', '--drain', '15', '--out', out, '-q'],
        150_000,
      );
      // Assess
      expect(run.stderr).not.toMatch(/room \d+ failed|bench failed/);
      expect(run.code).toBe(0);
      expect((await readdir(out)).sort()).toEqual(['SUMMARY.md', 'room20-stack.log', 'room20.html', 'room20.json']);
      const report = JSON.parse(await readFile(join(out, 'room20.json'), 'utf8')) as LoadTestReport;
      expect(contractReportSchema.safeParse(report).success).toBe(true);
      expect(report.connections).toMatchObject({ opened: 20, failed: 0 });
      expect(report.deliveries).toMatchObject({ expected: 40, received: 40, missing: 0 });
      expect(report.server?.scope).toBe('process');
      expect(report.server?.cpuUsPerDelivery).toBeGreaterThan(0);
      expect(report.baseline?.deliveries).toMatchObject({ expected: 40, received: 40 });
      expect(report.baseline?.server?.scope).toBe('main-thread');
      expect(report.vsBaseline).toHaveProperty('lastRecipientP99');
      const stackPid = stackPidOf(run.stderr);
      expect(stackPid).toBe(report.server?.pid);
      expect(alive(stackPid!)).toBe(false);

      const summary = await readFile(join(out, 'SUMMARY.md'), 'utf8');
      const row = summary.split('\n').find((l) => l.startsWith('| 20 |'));
      expect(row).toBeDefined();
      const cells = row!
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      expect(cells).toHaveLength(10);
      expect(cells[1]).toBe('2');
      expect(cells[2]).toMatch(/^\d[\d.,]* \/ \d[\d.,]*$/); // fan-out p50 / p99
      expect(cells[5]).toMatch(/^\d[\d.,]*x$/); // last-recipient p99 vs baseline
      // Stack CPU µs per delivery, then its split between the main thread and the others.
      const [total, main, other] = /^([\d,.]+) \(main (\d+) \+ other threads (\d+)\)$/
        .exec(cells[6]!)!
        .slice(1)
        .map((n) => Number(n.replace(/,/g, '')));
      expect(total).toBeGreaterThan(0);
      expect(Math.abs(main! + other! - total!)).toBeLessThanOrEqual(2);
      expect(cells[8]).toBe('40 / 40');
      expect(summary).toMatch(/- Machine: \d+ cores, .+/);
      expect(summary).toContain(`- Node ${process.version}`);
      expect(summary).toContain('`LOCAL_STAGE=benchtest`');
      expect(summary).toContain('`LOCAL_WS_PORT=0`');
    },
  );

  it('stops the local stack and keeps a summary when interrupted with Ctrl-C', { timeout: 120_000 }, async () => {
    // Prepare: a run long enough to be mid-way (60 messages at 1/s) when the signal comes.
    const out = join(dir, 'interrupted');
    let signalled = false;
    let stackPid: number | undefined;
    // Act: SIGINT once the stack run has begun.
    const run = await runBench(
      ['--rooms', '10', '--messages', '60', '--rate', '1', '--out', out, '-q'],
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
    expect(await readFile(join(out, 'SUMMARY.md'), 'utf8')).toContain('**Incomplete: SIGINT during room size 10**');
  });
});
