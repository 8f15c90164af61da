import { describe, expect, it } from 'vitest';
import { encodeHistogram, mergeEncoded, newHistogram, percentileCurve, recordMs, summarize } from '../src/stats.js';

/** HDR with 3 significant digits guarantees values within 0.1% of the true value. */
const close = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(0.001, expected * 0.001));
};

describe('stats', () => {
  it('reports exact percentiles of a uniform 1..1000 ms distribution', () => {
    // Prepare
    const h = newHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordMs(h, ms);
    // Act
    const s = summarize(h);
    // Assess
    close(s.p50, 500);
    close(s.p90, 900);
    close(s.p99, 990);
    close(s.max, 1000);
    close(s.min, 1);
    close(s.mean, 500.5);
    expect(s.count).toBe(1000);
  });

  it('keeps sub-millisecond resolution', () => {
    const h = newHistogram();
    for (let i = 0; i < 100; i++) recordMs(h, 0.25);
    recordMs(h, 0.75);
    const s = summarize(h);
    close(s.p50, 0.25);
    close(s.max, 0.75);
  });

  it('finds the tail of a bimodal distribution (99% fast, 1% slow)', () => {
    const h = newHistogram();
    for (let i = 0; i < 9900; i++) recordMs(h, 2);
    for (let i = 0; i < 100; i++) recordMs(h, 250);
    const s = summarize(h);
    close(s.p50, 2);
    close(s.p90, 2);
    close(s.p99, 2);
    close(s.max, 250);
    expect(h.getValueAtPercentile(99.5) / 1000).toBeCloseTo(250, 0);
  });

  it('tracks stragglers far beyond the initial range (autoResize)', () => {
    const h = newHistogram();
    recordMs(h, 1);
    recordMs(h, 120_000);
    close(summarize(h).max, 120_000);
  });

  it('summarizes an empty histogram as zeros with count 0', () => {
    expect(summarize(newHistogram())).toEqual({ p50: 0, p90: 0, p99: 0, max: 0, mean: 0, min: 0, count: 0 });
    expect(percentileCurve(newHistogram())).toEqual([]);
  });

  it('clamps negative values to zero', () => {
    const h = newHistogram();
    recordMs(h, -5);
    expect(summarize(h).max).toBe(0);
    expect(h.totalCount).toBe(1);
  });

  it('merges encoded histograms from several threads into the same distribution', () => {
    const a = newHistogram();
    const b = newHistogram();
    for (let ms = 1; ms <= 500; ms++) recordMs(a, ms);
    for (let ms = 501; ms <= 1000; ms++) recordMs(b, ms);
    const merged = newHistogram();
    mergeEncoded(merged, encodeHistogram(a));
    mergeEncoded(merged, encodeHistogram(b));
    const s = summarize(merged);
    expect(s.count).toBe(1000);
    close(s.p50, 500);
    close(s.p99, 990);
  });

  it('produces a monotonic percentile curve ending at the max', () => {
    const h = newHistogram();
    for (let i = 1; i <= 10_000; i++) recordMs(h, i / 100);
    const curve = percentileCurve(h);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!.valueMs).toBeGreaterThanOrEqual(curve[i - 1]!.valueMs);
    close(curve.at(-1)!.valueMs, 100);
  });
});
