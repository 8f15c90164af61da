import { escapeHtml } from './html.js';
import type { PercentilePoint } from '../stats.js';

export interface Series {
  name: string;
  color: string;
  points: PercentilePoint[];
}

const W = 640;
const H = 280;
const M = { left: 56, right: 32, top: 28, bottom: 40 };
/** Tail percentiles get equal room: x = log10(1 / (1 - p)), the usual HdrHistogram plot. */
const MAX_NINES = 4;
const nines = (percentile: number): number => Math.min(MAX_NINES, Math.log10(1 / Math.max(1e-4, 1 - percentile / 100)));
const X_TICKS = [
  { p: 0, label: '0%' },
  { p: 90, label: '90%' },
  { p: 99, label: '99%' },
  { p: 99.9, label: '99.9%' },
  { p: 99.99, label: '99.99%' },
];

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value)!;
  return step * magnitude;
}

/** Beyond this spread between the series' medians a linear axis flattens the faster one into the floor. */
const LOG_SCALE_SPREAD = 10;

interface YAxis {
  y: (ms: number) => number;
  ticks: number[];
  log: boolean;
}

function yAxis(series: Series[], top: number, bottom: number): YAxis {
  const values = series.flatMap((s) => s.points.map((p) => p.valueMs));
  const max = Math.max(0, ...values);
  const medians = series.map((s) => s.points.find((p) => p.percentile === 50)?.valueMs ?? 0).filter((v) => v > 0);
  const spread = medians.length > 1 ? Math.max(...medians) / Math.min(...medians) : 1;
  if (spread > LOG_SCALE_SPREAD) {
    const lo = 10 ** Math.floor(Math.log10(Math.min(...values.filter((v) => v > 0))));
    const hi = 10 ** Math.ceil(Math.log10(max));
    const span = Math.log10(hi / lo);
    const ticks: number[] = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
    return { y: (ms) => bottom - (Math.log10(Math.max(ms, lo) / lo) / span) * (bottom - top), ticks, log: true };
  }
  const yMax = niceMax(max);
  return {
    y: (ms) => bottom - (ms / yMax) * (bottom - top),
    ticks: [0, 1, 2, 3, 4].map((i) => (yMax * i) / 4),
    log: false,
  };
}

/**
 * Latency by percentile as inline SVG: no script, no CDN, so the report opens offline and can be
 * attached anywhere.
 */
export function percentileChart(title: string, series: Series[]): string {
  const plotted = series.filter((s) => s.points.length > 0);
  const x = (p: number): number => M.left + (nines(p) / MAX_NINES) * (W - M.left - M.right);
  const axis = yAxis(plotted, M.top, H - M.bottom);
  const y = axis.y;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${M.left}" y="18" font-size="14" font-weight="600">${escapeHtml(title)}</text>`,
  ];
  for (const v of axis.ticks) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${+v.toFixed(3)}</text>`,
    );
  }
  for (const t of X_TICKS) {
    parts.push(
      `<line x1="${x(t.p)}" x2="${x(t.p)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`,
      `<text x="${x(t.p)}" y="${H - M.bottom + 16}" font-size="11" text-anchor="middle">${t.label}</text>`,
    );
  }
  parts.push(
    `<text x="${M.left}" y="${H - 5}" font-size="11">percentile</text>`,
    `<text x="14" y="${(H - M.bottom + M.top) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${(H - M.bottom + M.top) / 2})">${axis.log ? 'ms (log scale)' : 'ms'}</text>`,
  );
  if (plotted.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" font-size="13" text-anchor="middle" fill="#a00">no samples</text>`);
  }
  plotted.forEach((s, i) => {
    const points = s.points.map((p) => `${x(p.percentile).toFixed(1)},${y(p.valueMs).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline fill="none" stroke="${escapeHtml(s.color)}" stroke-width="2" points="${points}"/>`,
      `<rect x="${W - M.right - (plotted.length - i) * 170}" y="${H - 14}" width="10" height="10" fill="${escapeHtml(s.color)}"/>`,
      `<text x="${W - M.right - (plotted.length - i) * 170 + 14}" y="${H - 5}" font-size="11">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
