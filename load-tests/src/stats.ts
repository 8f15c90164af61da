import * as hdr from 'hdr-histogram-js';

/**
 * Latency histograms. Values are recorded in integer microseconds: HDR histograms count integers, and
 * 3 significant digits of microseconds keep sub-millisecond loopback latencies distinguishable while a
 * minutes-long straggler still fits (autoResize).
 */
export type Histogram = hdr.Histogram;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  min: number;
  count: number;
}

export interface PercentilePoint {
  percentile: number;
  valueMs: number;
}

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records a latency in ms; negative values (impossible with one monotonic clock) clamp to 0 rather than throw. */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(0, Math.round(ms * 1000)));
}

const toMs = (us: number): number => Math.round(us) / 1000;

/**
 * HDR answers a percentile with the highest value equivalent to its bucket, which can exceed the exact
 * recorded max by up to 0.1%; clamp so that p99 <= max always holds in reports.
 */
const at = (histogram: Histogram, percentile: number): number =>
  Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue);

export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0, min: 0, count: 0 };
  return {
    p50: toMs(at(histogram, 50)),
    p90: toMs(at(histogram, 90)),
    p99: toMs(at(histogram, 99)),
    max: toMs(histogram.maxValue),
    mean: toMs(histogram.mean),
    min: toMs(histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue),
    count: histogram.totalCount,
  };
}

/** Percentiles the HTML chart plots: dense towards the tail, where latency problems live. */
export const CHART_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100] as const;

export function percentileCurve(histogram: Histogram): PercentilePoint[] {
  if (histogram.totalCount === 0) return [];
  return CHART_PERCENTILES.map((percentile) => ({
    percentile,
    valueMs: toMs(at(histogram, percentile)),
  }));
}

/** Histograms cross thread boundaries in HdrHistogram's compressed V2 encoding, then merge with add(). */
export const encodeHistogram = (histogram: Histogram): string => hdr.encodeIntoCompressedBase64(histogram);

export function mergeEncoded(into: Histogram, encoded: string): void {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  into.add(decoded);
}
