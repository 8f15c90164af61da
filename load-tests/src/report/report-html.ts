import { writeFile } from 'node:fs/promises';
import { escapeHtml as e } from './html.js';
import { cpuPerDeliveryText, type LoadTestReport, type RunSection } from './report.js';
import type { LatencySummary, PercentilePoint } from '../stats.js';
import { percentileChart, type Series } from './svg-chart.js';

const TARGET = '#1f6feb';
const BASELINE = '#8b949e';

const row = (cells: unknown[], header = false): string =>
  `<tr>${cells.map((c) => (header ? `<th>${e(c)}</th>` : `<td>${e(c)}</td>`)).join('')}</tr>`;

const latencyRows = (name: string, l: LatencySummary): string =>
  row([name, l.p50, l.p90, l.p99, l.max, l.mean, l.count]);

function series(report: LoadTestReport, pick: (s: RunSection) => PercentilePoint[]): Series[] {
  const out: Series[] = [{ name: 'target', color: TARGET, points: pick(report) }];
  if (report.baseline) out.push({ name: 'baseline (in-process ws)', color: BASELINE, points: pick(report.baseline) });
  return out;
}

function countsTable(record: Record<string, number>, label: string): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return '';
  return `<h3>${e(label)}</h3><table>${row(['key', 'count'], true)}${entries.map(([k, v]) => row([k, v])).join('')}</table>`;
}

function serverCpuTable(r: LoadTestReport): string {
  const rows = [
    ...(r.server ? [['target', r.server, r.deliveries.received] as const] : []),
    ...(r.baseline?.server
      ? [['baseline (in-process ws)', r.baseline.server, r.baseline.deliveries.received] as const]
      : []),
  ];
  if (rows.length === 0) return '';
  const us = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(1));
  return `<h2>Server CPU (send + drain)</h2>
<p><small>CPU time of the server from the start of the send phase to the end of the drain phase. /proc counts in ticks
(${e(rows[0]![1].resolutionMs)} ms), so per-delivery figures mean something only over thousands of deliveries.</small></p>
<table>${row(['', 'pid', 'scope', 'CPU ms', 'µs / delivery', 'µs / message'], true)}
${rows.map(([name, s, deliveries]) => row([name, s.pid, s.scope === 'process' ? 'all threads' : 'generator main thread', s.cpuMs, cpuPerDeliveryText(s, deliveries) ?? 'n/a', s.cpuMs < s.resolutionMs ? 'n/a' : us(s.cpuUsPerMessage)])).join('')}
</table>${rows
    .flatMap(([, s]) => s.notes)
    .map((n) => `<p><small>${e(n)}</small></p>`)
    .join('')}`;
}

/** The generator's health and the cost estimate: what qualifies the figures above. */
function generatorAndCostSections(r: LoadTestReport): string {
  return `<h2>Generator</h2>
<table>${row(['', 'value'], true)}
${row(['workers / cores', `${r.generator.workers} / ${r.generator.cores}`])}
${row(['peak process CPU (of all cores)', `${Math.round(r.generator.peakProcessCpu * 100)}%`])}
${row(['peak / mean worker event-loop utilization', `${Math.round(r.generator.peakWorkerElu * 100)}% / ${Math.round(r.generator.meanWorkerElu * 100)}%`])}
${row(['send schedule lag p99 / max (ms)', `${r.generator.sendLagMs.p99} / ${r.generator.sendLagMs.max}`])}
${row(['saturated', r.generator.saturated ? 'yes' : 'no'])}
</table>
<h2>AWS cost estimate</h2>
<p><small>Estimate only: ${e(r.cost.region)} list prices checked ${e(r.cost.pricesChecked)}. ${e(r.cost.note)}</small></p>
<table>${row(['item', 'quantity', 'unit', 'USD'], true)}
${r.cost.items.map((i) => row([i.name, i.quantity, i.unit, i.usd.toFixed(6)])).join('')}
${row(['total', '', '', r.cost.totalUsd.toFixed(6)])}
${row(['per million more messages of this shape (marginal)', '', '', r.cost.usdPerMillionMessages.toFixed(2)])}
</table>`;
}

/** A self-contained HTML page (inline CSS and SVG) with the numbers and charts of one report. */
export function renderHtmlReport(report: LoadTestReport): string {
  const r = report;
  const lost = r.deliveries.missing > 0 || r.messages.lost > 0 || r.connections.failed > 0;
  const warnings = [
    ...r.generator.warnings,
    ...(r.generator.drainTimedOut ? ['Drain timed out: some deliveries never arrived (counted as missing).'] : []),
    ...(r.baseline?.generator.saturated ? ['The baseline run saturated the generator; ratios are understated.'] : []),
  ];
  const vs = r.vsBaseline;
  const fmtRatio = (x: number | null | undefined): string =>
    x === null || x === undefined ? 'n/a' : `${x.toFixed(2)}x`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test ${e(r.run.runId)}: ${e(r.run.url)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#1f2328;padding:0 16px}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:right}
th{background:#f6f8fa}td:first-child,th:first-child{text-align:left}.warn{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px}
.bad{color:#cf222e;font-weight:600}.charts{display:flex;flex-wrap:wrap;gap:8px}small{color:#59636e}
</style></head><body>
<h1>Fan-out load test</h1>
<p>${e(r.run.url)} (${r.run.local ? 'local' : 'remote'}, ${e(r.run.auth)} auth), started ${e(r.run.startedAt)}, run ${e(r.run.runId)},
${e(r.run.scenario.connections)} connections in ${e(r.run.scenario.rooms)} rooms, ${e(r.run.scenario.senders)} senders x ${e(r.run.scenario.messagesPerSender)} messages at ${e(r.run.scenario.ratePerSender)}/s, ${e(r.run.scenario.textSize)}-character texts.</p>
${warnings.length > 0 ? `<div class="warn">${warnings.map((w) => `<p>${e(w)}</p>`).join('')}</div>` : ''}
<h2>Delivery</h2>
<table>${row(['', 'value'], true)}
${row(['connections opened / failed', `${r.connections.opened} / ${r.connections.failed}`])}
${row(['joined / join failed / closed early', `${r.connections.joined} / ${r.connections.joinFailed} / ${r.connections.closedEarly}`])}
${row(['messages sent / planned / by a substitute sender', `${r.messages.sent} / ${r.messages.planned} / ${r.messages.substituted}`])}
${row(['messages complete / incomplete / lost', `${r.messages.complete} / ${r.messages.incomplete} / ${r.messages.lost}`])}
${row(['deliveries received / expected', `${r.deliveries.received} / ${r.deliveries.expected}`])}
${row(['deliveries missing / extra', `${r.deliveries.missing} / ${r.deliveries.extra}`])}
</table>
${lost ? '<p class="bad">Some connections or deliveries were lost; latency percentiles cover only what arrived.</p>' : ''}
<h2>Latency (ms)</h2>
<table>${row(['', 'p50', 'p90', 'p99', 'max', 'mean', 'count'], true)}
${latencyRows('fan-out (per delivery)', r.fanoutMs)}${latencyRows('last recipient (per message)', r.lastRecipientMs)}
${latencyRows('connect', r.connectMs)}${latencyRows('join', r.joinMs)}${latencyRows('ack', r.ackMs)}
${r.baseline ? latencyRows('baseline fan-out', r.baseline.fanoutMs) + latencyRows('baseline last recipient', r.baseline.lastRecipientMs) : ''}
</table>
${vs ? `<p>Target / raw <code>ws</code> baseline: fan-out p50 <b>${fmtRatio(vs.fanoutP50)}</b>, p99 <b>${fmtRatio(vs.fanoutP99)}</b>; last recipient p50 <b>${fmtRatio(vs.lastRecipientP50)}</b>, p99 <b>${fmtRatio(vs.lastRecipientP99)}</b>; server CPU per delivery <b>${fmtRatio(vs.cpuUsPerDelivery)}</b>.</p>` : ''}
${serverCpuTable(r)}
<div class="charts">
${percentileChart(
  'Fan-out latency (send -> each receipt)',
  series(r, (s) => s.distributions.fanoutMs),
)}
${percentileChart(
  'Last-recipient latency (per message)',
  series(r, (s) => s.distributions.lastRecipientMs),
)}
${percentileChart(
  'Connect latency',
  series(r, (s) => s.distributions.connectMs),
)}
</div>
<h2>Errors</h2>
${countsTable(r.errors.http, 'Refused handshakes (HTTP status)')}${countsTable(r.errors.network, 'Network errors')}
${countsTable(r.errors.frames, 'Error frames (code)')}${countsTable(r.errors.gateway, 'API Gateway error frames (message)')}${countsTable(r.errors.closes, 'Server closes (code)')}
<p>Join timeouts: ${e(r.errors.joinTimeouts)}; invalid frames: ${e(r.errors.invalidFrames)}.</p>
<h2>Traffic</h2>
<table>${row(['', 'frames', 'bytes', '32 KB units'], true)}
${row(['received', r.frames.in, r.frames.inBytes, r.frames.inUnits])}${row(['sent', r.frames.out, r.frames.outBytes, r.frames.outUnits])}
</table>
${countsTable(r.framesByType, 'Frames received by type')}
${generatorAndCostSections(r)}
</body></html>
`;
}

export async function writeHtmlReport(file: string, report: LoadTestReport): Promise<void> {
  await writeFile(file, renderHtmlReport(report));
}
