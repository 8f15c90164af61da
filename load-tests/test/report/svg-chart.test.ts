import { describe, expect, it } from 'vitest';
import { percentileChart } from '../../src/report/svg-chart.js';

const curve = (scale: number) =>
  [0, 50, 90, 99, 100].map((percentile) => ({ percentile, valueMs: scale * (1 + percentile / 10) }));

describe('percentileChart', () => {
  it('uses a linear axis when the series are comparable', () => {
    const svg = percentileChart('t', [
      { name: 'a', color: '#000', points: curve(1) },
      { name: 'b', color: '#111', points: curve(3) },
    ]);
    expect(svg).toContain('>ms</text>');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
  });

  it('switches to a log axis when one series is more than 10x the other, so the baseline stays visible', () => {
    const svg = percentileChart('t', [
      { name: 'target', color: '#000', points: curve(100) },
      { name: 'baseline', color: '#111', points: curve(1) },
    ]);
    expect(svg).toContain('ms (log scale)');
    const ys = [...svg.matchAll(/points="([^"]+)"/g)].flatMap((m) =>
      m[1]!.split(' ').map((p) => Number(p.split(',')[1])),
    );
    for (const y of ys) expect(Number.isFinite(y)).toBe(true);
  });

  it('says so when there is nothing to plot, and escapes titles', () => {
    const svg = percentileChart('<b>', [{ name: 'a', color: '#000', points: [] }]);
    expect(svg).toContain('no samples');
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).not.toContain('<polyline');
  });
});
