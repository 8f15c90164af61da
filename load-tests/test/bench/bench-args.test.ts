import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgsError } from '../../src/arg-values.js';
import { localDate, parseBenchArgs } from '../../src/bench/bench-args.js';
import { codeVersion, cpuModelFrom, fmtMs, renderSummary, type BenchSummary } from '../../src/bench/bench-summary.js';
import { wsUrlFromBanner } from '../../src/bench/local-stack-process.js';

const NOW = new Date(2026, 10, 25, 9, 30);

describe('parseBenchArgs', () => {
  it('defaults to rooms of 1,000 and 5,000 with the published scenario', () => {
    // Act
    const o = parseBenchArgs([], { INIT_CWD: '/somewhere' }, NOW);
    // Assess
    expect(o.rooms).toEqual([
      { roomSize: 1000, messages: 10, warmup: 5, rate: 0.5, drainS: 30, connectTimeoutS: 10 },
      { roomSize: 5000, messages: 5, warmup: 5, rate: 0.5, drainS: 150, connectTimeoutS: 20 },
    ]);
    expect(o.label).toBe('bench');
    expect(o.outDir).toMatch(/load-tests\/results\/2026-11-25-bench$/);
    expect([o.repeat, o.goalRatio]).toEqual([5, 8]);
  });

  it('takes the rounds per room size and the goal the verdict judges against', () => {
    const o = parseBenchArgs(['--repeat', '3', '--goal-ratio', '7.5'], {}, NOW);
    expect([o.repeat, o.goalRatio]).toEqual([3, 7.5]);
    expect(parseBenchArgs(['--repeat', '1'], {}, NOW).repeat).toBe(1);
  });

  it('applies --messages to every size and resolves --out from where the command was typed', () => {
    const o = parseBenchArgs(
      ['--rooms', '20, 300', '--messages', '2', '--out', 'out/x', '--label', 'sim-20ms'],
      { INIT_CWD: '/repo' },
      NOW,
    );
    expect(o.rooms.map((r) => [r.roomSize, r.messages])).toEqual([
      [20, 2],
      [300, 2],
    ]);
    expect(o.outDir).toBe('/repo/out/x');
    expect(parseBenchArgs(['--label', 'sim-20ms'], {}, NOW).outDir).toMatch(/2026-11-25-sim-20ms$/);
  });

  it.each([
    [['--rooms', '1000,abc'], /--rooms must be a positive whole number/],
    [['--rooms', '1'], /at least 2/],
    [['--messages', '1.5'], /--messages must be a positive whole number/],
    [['--label', '../x'], /--label must match/],
    [['--rate', '0'], /--rate must be a positive number/],
    [['--repeat', '0'], /--repeat must be between 1 and 50/],
    [['--warmup', '101'], /--warmup must be between 0 and 100/],
    [['--repeat', '2.5'], /--repeat must be a whole number/],
    [['--goal-ratio', 'x'], /--goal-ratio must be a positive number/],
    [['--bogus'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchArgs(argv, {}, NOW)).toThrow(ArgsError);
    expect(() => parseBenchArgs(argv, {}, NOW)).toThrow(message);
  });

  it('names folders by the local calendar date', () => {
    expect(localDate(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});

describe('bench helpers', () => {
  it('takes the stack URL from the banner without its example query', () => {
    const banner =
      'WebSocket API:   ws://127.0.0.1:40123/?name=alice\nManagement API:  http://127.0.0.1:40123/@connections/{connectionId}\n';
    expect(wsUrlFromBanner(banner)).toBe('ws://127.0.0.1:40123/');
    expect(wsUrlFromBanner('WebSocket API:   ws://127.0.0.1:40123/?token=<JWT>\n')).toBe('ws://127.0.0.1:40123/');
    // A line still being written is not a URL yet.
    expect(wsUrlFromBanner('WebSocket API:   ws://127.0.0.1:401')).toBeUndefined();
  });

  it('reads the CPU model of x86 and ARM /proc/cpuinfo', () => {
    expect(
      cpuModelFrom(
        'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Processor\n',
      ),
    ).toBe('Intel(R) Xeon(R) Processor');
    expect(cpuModelFrom('processor\t: 0\nBogoMIPS\t: 48.00\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n')).toBe(
      'Raspberry Pi 4 Model B Rev 1.4',
    );
    expect(cpuModelFrom('')).toBeUndefined();
  });

  it('writes ms like the READMEs', () => {
    expect([fmtMs(0.842), fmtMs(5.1), fmtMs(59.44), fmtMs(165.2), fmtMs(1072.4)]).toEqual([
      '0.84',
      '5.10',
      '59.4',
      '165',
      '1,072',
    ]);
  });

  it('keeps a row for a room size that failed, with the reason, and marks an interrupted bench', () => {
    const summary: BenchSummary = {
      label: 'x',
      startedAt: '2026-11-25T09:00:00.000Z',
      machine: { cores: 2, cpuModel: 'cpu', node: 'v20', os: 'linux 6', memoryGiB: 4 },
      callerLocalEnv: { LOCAL_POST_LATENCY: '20ms±10' },
      benchLocalEnv: { LOCAL_WS_PORT: '0' },
      command: 'npm run bench -w load-tests --',
      repeat: 1,
      goalRatio: 8,
      rows: [
        {
          roomSize: 5000,
          messages: 5,
          rounds: [{ round: 1, error: 'local stack exited (1) before its banner | oops', files: [] }],
        },
      ],
      interrupted: 'SIGINT during room size 5000',
    };
    const md = renderSummary(summary);
    expect(md).toContain(
      '| 5,000 | 1 | 5 | – | – | – | – | – | – | – | **failed**: local stack exited (1) before its banner \\| oops |',
    );
    expect(md).toContain('- Room 5,000: no verdict: no complete round with a last-recipient p99 ratio');
    expect(md).toContain('**Incomplete: SIGINT during room size 5000**');
    expect(md).toContain('`LOCAL_POST_LATENCY=20ms±10`');
  });
});

describe('codeVersion', () => {
  it('names which of backend/, load-tests/ and serverless.yml differ from the commit, and nothing else', () => {
    // Arrange: a throwaway repository with the three paths and one the bench does not run
    const repo = mkdtempSync(join(tmpdir(), 'code-version-'));
    try {
      const git = (...args: string[]) =>
        execFileSync(
          'git',
          ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args],
          { cwd: repo, stdio: 'pipe' },
        );
      git('init', '-q');
      for (const dir of ['backend', 'load-tests', 'frontend']) mkdirSync(join(repo, dir));
      for (const file of ['backend/a.ts', 'load-tests/b.ts', 'frontend/c.ts', 'serverless.yml'])
        writeFileSync(join(repo, file), 'x\n');
      git('add', '.');
      git('commit', '-q', '-m', 'init');
      const sha = git('rev-parse', '--short', 'HEAD').toString().trim();
      expect(codeVersion(repo)).toBe(sha);
      // Act: unstaged changes (porcelain " M path": the first line starts with a space)
      for (const file of ['backend/a.ts', 'load-tests/b.ts', 'frontend/c.ts', 'serverless.yml'])
        appendFileSync(join(repo, file), 'y\n');
      // Assess
      expect(codeVersion(repo)).toBe(`${sha} + uncommitted changes in backend/, load-tests/, serverless.yml`);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
