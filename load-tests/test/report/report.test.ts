import { describe, expect, it } from 'vitest';
import { buildReport, evenRoomSizes } from '../../src/report/report.js';
import { renderHtmlReport } from '../../src/report/report-html.js';
import { contractReportSchema } from '../../src/report/report-schema.js';
import { formatSummary } from '../../src/report/report-text.js';
import { emptyHistograms } from '../../src/generator/merge.js';
import { fakeResult } from './fake-result.js';

describe('report', () => {
  it('satisfies the contract schema and reports lost deliveries instead of hiding them', () => {
    // Act
    const report = buildReport(fakeResult([1, 2, 3]));
    // Assess
    expect(contractReportSchema.safeParse(report).success).toBe(true);
    expect(report.deliveries).toMatchObject({ expected: 4, received: 3, missing: 1 });
    expect(report.connections).toMatchObject({ opened: 4, failed: 1 });
    expect(report.fanoutMs.max).toBeCloseTo(3, 2);
  });

  it('never writes the token', () => {
    const report = buildReport(fakeResult([1]));
    const text = JSON.stringify(report) + renderHtmlReport(report) + formatSummary(report);
    expect(text).not.toContain('secret');
    expect(report.run.auth).toBe('jwt');
  });

  it('compares to a baseline as target / baseline ratios', () => {
    const report = buildReport(fakeResult([10, 10, 40]), fakeResult([1, 1, 2]));
    expect(report.vsBaseline?.fanoutP50).toBeCloseTo(10, 1);
    expect(report.vsBaseline?.lastRecipientP99).toBeCloseTo(20, 1);
    expect(formatSummary(report)).toMatch(/vs baseline +\(target \/ baseline\) fan-out p50 (9\.9|10\.0)\dx/);
  });

  it('gives null ratios, not 0x, when the target delivered nothing', () => {
    const empty = emptyHistograms();
    const report = buildReport(fakeResult([], { histograms: empty }), fakeResult([5]));
    expect(report.vsBaseline).toEqual({
      fanoutP50: null,
      fanoutP99: null,
      lastRecipientP50: null,
      lastRecipientP99: null,
      cpuUsPerDelivery: null,
    });
  });

  it('gives null ratios when the baseline measured nothing', () => {
    const report = buildReport(
      fakeResult([5]),
      fakeResult([], {
        histograms: emptyHistograms(),
      }),
    );
    expect(report.vsBaseline).toEqual({
      fanoutP50: null,
      fanoutP99: null,
      lastRecipientP50: null,
      lastRecipientP99: null,
      cpuUsPerDelivery: null,
    });
  });

  it('rejects reports that break the contract', () => {
    const report = buildReport(fakeResult([1, 2]));
    expect(contractReportSchema.safeParse({ ...report, fanoutMs: { p50: 5, p90: 1, p99: 1, max: 1 } }).success).toBe(
      false,
    );
    expect(contractReportSchema.safeParse({ ...report, deliveries: { expected: 1 } }).success).toBe(false);
    expect(contractReportSchema.safeParse({ ...report, connections: { opened: -1, failed: 0 } }).success).toBe(false);
  });

  it('renders a self-contained HTML page with inline SVG charts and escaped values', () => {
    const result = fakeResult([1, 2, 3]);
    result.errors.network['<script>alert(1)</script>'] = 1;
    const html = renderHtmlReport(buildReport(result, fakeResult([1])));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).not.toMatch(/<script|src="http|href="http/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('Estimate only');
    expect(html).toContain('Drain timed out');
  });

  it('reports server CPU per delivery and per message, and its ratio to the baseline', () => {
    // Prepare: the target used 30 ms for 3 deliveries of 1 message, the baseline 10 ms for 1 delivery.
    const target = fakeResult([10, 10, 40], {
      server: { pid: 42, scope: 'process', cpuMs: 30, resolutionMs: 10, notes: [] },
    });
    const baseline = fakeResult([1], {
      server: { pid: 7, scope: 'main-thread', cpuMs: 10, resolutionMs: 10, notes: [] },
    });
    // Act
    const report = buildReport(target, baseline);
    // Assess
    expect(report.server).toEqual({
      pid: 42,
      scope: 'process',
      cpuMs: 30,
      cpuUsPerDelivery: 10_000,
      cpuUsPerMessage: 30_000,
      resolutionMs: 10,
      notes: [],
    });
    expect(report.baseline?.server).toMatchObject({ pid: 7, scope: 'main-thread', cpuUsPerDelivery: 10_000 });
    expect(report.vsBaseline?.cpuUsPerDelivery).toBe(1);
    expect(contractReportSchema.safeParse(report).success).toBe(true);
    const text = formatSummary(report);
    expect(text).toMatch(/^server +30 ms CPU over send\+drain \(pid 42, all threads/m);
    expect(text).toMatch(/^baseline CPU 10 ms CPU over send\+drain \(pid 7, generator main thread/m);
    expect(text).toContain('CPU per delivery 1.00x');
    expect(renderHtmlReport(report)).toContain('Server CPU (send + drain)');
  });

  it('splits the server CPU between its main thread and its other threads when the meter tells the main part', () => {
    const target = fakeResult([10, 10, 40], {
      server: { pid: 42, scope: 'process', cpuMs: 30, mainThreadCpuMs: 12, resolutionMs: 10, notes: [] },
    });

    const report = buildReport(target);

    expect(report.server?.threads).toEqual({ mainCpuUsPerDelivery: 4_000, otherCpuUsPerDelivery: 6_000 });
    expect(formatSummary(report)).toContain('main thread 4,000 µs, other threads 6,000 µs per delivery');
    expect(
      buildReport(fakeResult([10], { server: { pid: 42, scope: 'process', cpuMs: 30, resolutionMs: 10, notes: [] } }))
        .server?.threads,
    ).toBeUndefined();
  });

  it('gives null CPU per delivery when nothing was delivered, and no server block when not measured', () => {
    const empty = emptyHistograms();
    const none = fakeResult([], {
      histograms: empty,
      deliveries: { expected: 4, received: 0, missing: 4, extra: 0, foreign: 0, misrouted: 0, warmup: 0 },
      messages: {
        planned: 1,
        sent: 0,
        skipped: 1,
        substituted: 0,
        acked: 0,
        rejected: 0,
        complete: 0,
        incomplete: 0,
        lost: 0,
      },
      server: { pid: 42, scope: 'process', cpuMs: 0, resolutionMs: 10, notes: [] },
    });
    expect(buildReport(none).server).toMatchObject({ cpuUsPerDelivery: null, cpuUsPerMessage: null });
    expect(buildReport(fakeResult([1])).server).toBeUndefined();
    // Under one tick is an upper bound, not zero, and has no ratio.
    const idle = buildReport(
      fakeResult([1, 2, 3], { server: { pid: 42, scope: 'process', cpuMs: 20, resolutionMs: 10, notes: [] } }),
      fakeResult([1, 2], { server: { pid: 7, scope: 'main-thread', cpuMs: 0, resolutionMs: 10, notes: [] } }),
    );
    expect(idle.baseline?.server?.cpuUsPerDelivery).toBe(0);
    expect(idle.vsBaseline?.cpuUsPerDelivery).toBeNull();
    expect(formatSummary(idle)).toMatch(
      /^baseline CPU 0 ms CPU over send\+drain \(under one tick\).*: < 5,000 µs\/delivery, n\/a\/message/m,
    );
    expect(formatSummary(buildReport(fakeResult([1])))).not.toMatch(/^server/m);
  });

  it('splits joined connections evenly over rooms', () => {
    expect(evenRoomSizes(10, 3)).toEqual([4, 3, 3]);
    expect(evenRoomSizes(0, 2)).toEqual([0, 0]);
  });
});
