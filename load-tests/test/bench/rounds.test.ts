import { describe, expect, it } from 'vitest';
import { renderSummary, summaryJson, type BenchSummary } from '../../src/bench/bench-summary.js';
import {
  aggregateRounds,
  fmtRatio,
  roomResult,
  roundFigures,
  roundSpread,
  VERDICT_AGGREGATE,
  verdictOf,
  type BenchRound,
  type RoundFigures,
} from '../../src/bench/rounds.js';
import { buildReport, compareToBaseline, type LoadTestReport } from '../../src/report/report.js';
import { fakeResult } from '../report/fake-result.js';

/** Round figures with only what the aggregate reads; a complete round with a ratio unless told otherwise. */
function figures(
  round: number,
  stackP99: number,
  baselineP99: number,
  extra: Partial<RoundFigures> = {},
): RoundFigures {
  return {
    round,
    complete: true,
    stackLastRecipientP99Ms: stackP99,
    baselineLastRecipientP99Ms: baselineP99,
    lastRecipientP99Ratio: Math.round((stackP99 / baselineP99) * 100) / 100,
    stackCpuUsPerDelivery: 220,
    ...extra,
  };
}

/** The baseline p99s of the five runs in docs/PERFORMANCE.md against a stack steady at 365 ms. */
const PUBLISHED = [41.4, 34.6, 34.5, 41.7, 53.8].map((b, i) => figures(i + 1, 365, b));

/**
 * A complete round's report with the given last-recipient p99s (ms), its ratio worked out by the report's own
 * compareToBaseline; the rest comes from the fake generator result.
 */
function roundReport(stackP99: number, baselineP99: number): LoadTestReport {
  const allConnected = { attempted: 4, opened: 4, failed: 0, joined: 4, joinFailed: 0, closedEarly: 0 };
  const built = buildReport(
    fakeResult([100, 200, 300, 365], { connections: allConnected }),
    fakeResult([10, 20, 30, 40], { connections: allConnected }),
  );
  const withP99 = <T extends { lastRecipientMs: LoadTestReport['lastRecipientMs'] }>(section: T, p99: number): T => ({
    ...section,
    lastRecipientMs: { ...section.lastRecipientMs, p50: p99 / 2, p90: p99, p99, max: p99 },
  });
  const target = withP99(built, stackP99);
  const baseline = withP99(built.baseline!, baselineP99);
  return { ...target, baseline, vsBaseline: compareToBaseline(target, baseline) };
}

describe('roundSpread', () => {
  it('gives the median, min, max and the range as a percentage of the median', () => {
    // Act
    const s = roundSpread([41.4, 34.6, 34.5, 41.7, 53.8]);
    // Assess: sorted 34.5 34.6 41.4 41.7 53.8; (53.8 - 34.5) / 41.4 = 46.6 %
    expect(s).toEqual({ median: 41.4, min: 34.5, max: 53.8, spreadPct: 46.6 });
  });

  it('takes the mean of the middle two for an even count and skips rounds that did not measure', () => {
    expect(roundSpread([10, null, 2, 6, 4])).toEqual({ median: 5, min: 2, max: 10, spreadPct: 160 });
    expect(roundSpread([7])).toEqual({ median: 7, min: 7, max: 7, spreadPct: 0 });
    expect(roundSpread([null, null])).toBeNull();
    expect(roundSpread([])).toBeNull();
  });
});

describe('aggregateRounds and verdictOf', () => {
  it('judges the published runs on their median ratio, where one round alone could have gone either way', () => {
    // Act
    const aggregate = aggregateRounds(PUBLISHED);
    const verdict = verdictOf(aggregate, 8);
    // Assess: ratios 8.82 10.55 10.58 8.75 6.78; one of the five alone (6.78x) would have met the goal
    expect(PUBLISHED.map((f) => f.lastRecipientP99Ratio)).toEqual([8.82, 10.55, 10.58, 8.75, 6.78]);
    expect(aggregate.counted).toEqual([1, 2, 3, 4, 5]);
    expect(aggregate.lastRecipientP99Ratio).toEqual({ median: 8.82, min: 6.78, max: 10.58, spreadPct: 43.1 });
    expect(aggregate.baselineLastRecipientP99Ms).toMatchObject({ median: 41.4, min: 34.5, max: 53.8 });
    expect(aggregate.stackLastRecipientP99Ms).toEqual({ median: 365, min: 365, max: 365, spreadPct: 0 });
    expect(verdict).toMatchObject({ aggregate: VERDICT_AGGREGATE, ratio: 8.82, goal: 8, met: false });
    expect(verdict.text).toBe(
      'last-recipient p99 vs raw ws, median of 5 per-round ratios: **8.82x** (min 6.78x, max 10.58x); ' +
        'goal at most 8.00x: **not met**',
    );
  });

  it('meets a goal equal to the median ratio ("at most")', () => {
    const verdict = verdictOf(aggregateRounds([figures(1, 400, 50), figures(2, 320, 40), figures(3, 900, 100)]), 8);
    expect(verdict).toMatchObject({ ratio: 8, met: true });
    expect(verdict.text).toContain('**met**');
  });

  it('leaves out incomplete rounds and rounds without a ratio, from every figure, and says how many', () => {
    // Arrange: round 2 lost deliveries (its low ratio must not count), round 3 has no baseline samples
    const rounds = [
      figures(1, 400, 40),
      figures(2, 100, 50, { complete: false, stackCpuUsPerDelivery: 999 }),
      figures(3, 380, 40, { lastRecipientP99Ratio: null, baselineLastRecipientP99Ms: null }),
      figures(4, 420, 60, { stackCpuUsPerDelivery: null }),
    ];
    // Act
    const aggregate = aggregateRounds(rounds);
    const verdict = verdictOf(aggregate, 8);
    // Assess: rounds 1 and 4 only; ratios 10 and 7, median 8.5
    expect(aggregate.counted).toEqual([1, 4]);
    expect(aggregate.rounds).toBe(4);
    expect(aggregate.lastRecipientP99Ratio).toMatchObject({ median: 8.5, min: 7, max: 10 });
    expect(aggregate.stackLastRecipientP99Ms).toMatchObject({ median: 410, min: 400, max: 420 });
    expect(aggregate.stackCpuUsPerDelivery).toEqual({ median: 220, min: 220, max: 220, spreadPct: 0 });
    expect(verdict).toMatchObject({ ratio: 8.5, met: false });
    expect(verdict.text).toContain('median of 2 per-round ratios');
    expect(verdict.text).toContain('2 of 4 rounds left out (incomplete or without a ratio)');
  });

  it('says when one round decided the verdict', () => {
    const verdict = verdictOf(aggregateRounds([figures(1, 400, 40), figures(2, 100, 50, { complete: false })]), 8);
    expect(verdict.text).toBe(
      'last-recipient p99 vs raw ws, median of 1 per-round ratio: **10.00x** (min 10.00x, max 10.00x); goal at most ' +
        '8.00x: **not met**; 1 of 2 rounds left out (incomplete or without a ratio); one round only, so one baseline ' +
        'p99 decides (use --repeat 5)',
    );
  });

  it('gives no verdict when no round counts', () => {
    const verdict = verdictOf(aggregateRounds([figures(1, 400, 40, { complete: false })]), 8);
    expect(verdict).toMatchObject({ ratio: null, met: null, goal: 8 });
    expect(verdict.text).toMatch(/^no verdict: /);
  });
});

describe('fmtRatio', () => {
  it('writes two decimals, three only where a median has a third, so 8.004x never reads as 8.00x', () => {
    expect([fmtRatio(8), fmtRatio(8.82), fmtRatio(7.755), fmtRatio(8.004), fmtRatio(null)]).toEqual([
      '8.00x',
      '8.82x',
      '7.755x',
      '8.004x',
      'n/a',
    ]);
  });
});

describe('roundFigures', () => {
  it("reads a round's report: both p99s, the report's own ratio, whether it was complete", () => {
    // Act
    const f = roundFigures({ round: 2, report: roundReport(365, 41.4), files: [] });
    // Assess
    expect(f).toEqual({
      round: 2,
      complete: true,
      stackLastRecipientP99Ms: 365,
      baselineLastRecipientP99Ms: 41.4,
      lastRecipientP99Ratio: 8.82,
      stackCpuUsPerDelivery: null, // the fake result has no server CPU
    });
    expect(roundFigures({ round: 3, error: 'stack did not start', files: [] })).toEqual({
      round: 3,
      complete: false,
      stackLastRecipientP99Ms: null,
      baselineLastRecipientP99Ms: null,
      lastRecipientP99Ratio: null,
      stackCpuUsPerDelivery: null,
    });
    // A report with lost deliveries is not complete.
    const lossy = buildReport(fakeResult([1, 2]), fakeResult([1]));
    expect(roundFigures({ round: 1, report: lossy, files: [] }).complete).toBe(false);
  });
});

describe('SUMMARY.md and SUMMARY.json with several rounds', () => {
  const rounds: BenchRound[] = [
    { round: 1, report: roundReport(365, 41.4), files: ['room1000-r1.json'] },
    { round: 2, report: roundReport(360, 53.8), files: ['room1000-r2.json'] },
    { round: 3, error: 'local stack exited (1) before its banner', files: ['room1000-r3-stack.log'] },
  ];
  const summary: BenchSummary = {
    label: 'x',
    startedAt: '2026-12-05T05:00:00.000Z',
    machine: { cores: 2, cpuModel: 'cpu', node: 'v20', os: 'linux 6', memoryGiB: 4 },
    callerLocalEnv: {},
    benchLocalEnv: { LOCAL_WS_PORT: '0' },
    command: 'npm run bench -w load-tests -- --rooms 1000 --repeat 3',
    repeat: 3,
    goalRatio: 8,
    rows: [{ roomSize: 1000, messages: 40, rounds }],
  };

  it('lists every round with its own baseline p99 and ratio, then the aggregate the verdict names', () => {
    // Act
    const md = renderSummary(summary);
    // Assess: one row per round, each against its own baseline
    const roundRows = md.split('\n').filter((l) => /^\| 1,000 \| \d \| 40 \|/.test(l));
    expect(roundRows).toHaveLength(3);
    expect(roundRows[0]).toContain('| 183 / 365 | 20.7 / 41.4 | 8.82x |');
    expect(roundRows[1]).toContain('| 180 / 360 | 26.9 / 53.8 | 6.69x |');
    expect(roundRows[2]).toContain('**failed**: local stack exited (1) before its banner');
    // The aggregate: rounds 1 and 2, medians (mean of the two) with min–max
    expect(md).toContain(
      '| 1,000 | 2 of 3 | 7.755x (6.69x–8.82x) | 363 (360–365), spread 1.4% | 47.6 (41.4–53.8), spread 26.1% | n/a |',
    );
    expect(md).toContain(
      '- Room 1,000: last-recipient p99 vs raw ws, median of 2 per-round ratios: **7.755x** (min 6.69x, max 8.82x); ' +
        'goal at most 8.00x: **met**; 1 of 3 rounds left out (incomplete or without a ratio)',
    );
    expect(md).toContain(`${VERDICT_AGGREGATE}, over the rounds that delivered everything`);
    expect(md).toContain(
      '[room1000-r1.json](room1000-r1.json), [room1000-r2.json](room1000-r2.json), [room1000-r3-stack.log]',
    );
  });

  it('gives scripts the same per-round figures, aggregate and verdict, and the settings', () => {
    // Act: through JSON, as a reader of the file gets it
    const json = JSON.parse(JSON.stringify(summaryJson(summary))) as ReturnType<typeof summaryJson>;
    // Assess
    expect(json).toMatchObject({ label: 'x', repeat: 3, goalRatio: 8, command: summary.command });
    expect(json).not.toHaveProperty('rows');
    const room = json.rooms[0]!;
    expect(room).toMatchObject({ roomSize: 1000, messages: 40 });
    expect(room.rounds.map((r) => [r.round, r.baselineLastRecipientP99Ms, r.lastRecipientP99Ratio])).toEqual([
      [1, 41.4, 8.82],
      [2, 53.8, 6.69],
      [3, null, null],
    ]);
    expect(room.rounds[2]).toMatchObject({ error: 'local stack exited (1) before its banner', complete: false });
    expect(room.rounds[0]!.files).toEqual(['room1000-r1.json']);
    expect(room.aggregate).toEqual(roomResult(rounds, 8).aggregate);
    expect(room.verdict).toMatchObject({ aggregate: VERDICT_AGGREGATE, ratio: 7.755, met: true, goal: 8 });
  });
});
