import type { Progress } from '../generator/scenario-result.js';
import type { LoadTestHooks } from '../load-test.js';
import { cpuPerDeliveryText, type LoadTestReport, type RunSection, type ServerCpuReport } from './report.js';
import type { LatencySummary } from '../stats.js';

const lat = (l: LatencySummary): string =>
  `p50 ${l.p50.toFixed(2)}  p90 ${l.p90.toFixed(2)}  p99 ${l.p99.toFixed(2)}  max ${l.max.toFixed(2)} ms  (n=${l.count})`;

const errorsLine = (s: RunSection): string => {
  const parts = [
    ...Object.entries(s.errors.http).map(([k, v]) => `http ${k}: ${v}`),
    ...Object.entries(s.errors.network).map(([k, v]) => `${k}: ${v}`),
    ...Object.entries(s.errors.frames).map(([k, v]) => `error frame ${k}: ${v}`),
    ...Object.entries(s.errors.gateway).map(([k, v]) => `gateway "${k}": ${v}`),
    ...Object.entries(s.errors.closes).map(([k, v]) => `closed ${k}: ${v}`),
    ...(s.errors.joinTimeouts > 0 ? [`join timeouts: ${s.errors.joinTimeouts}`] : []),
    ...(s.errors.invalidFrames > 0 ? [`invalid frames: ${s.errors.invalidFrames}`] : []),
  ];
  return parts.length === 0 ? 'none' : parts.join(', ');
};

const ratio = (r: number | null): string => (r === null ? 'n/a' : `${r.toFixed(2)}x`);

const us = (x: number | null): string =>
  x === null ? 'n/a' : `${x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')} µs`;

/** `5230 ms CPU over send+drain (pid 42, all threads, 10 ms resolution): 52.3 µs/delivery, 523.0 µs/message`. */
export function formatServerCpu(server: ServerCpuReport, deliveries: number): string {
  const scope = server.scope === 'process' ? 'all threads' : 'generator main thread';
  const perDelivery = cpuPerDeliveryText(server, deliveries);
  const underOneTick = server.cpuMs < server.resolutionMs;
  return (
    `${server.cpuMs.toFixed(0)} ms CPU over send+drain${underOneTick ? ' (under one tick)' : ''} (pid ${server.pid}, ${scope}, ${server.resolutionMs} ms resolution): ` +
    `${perDelivery === null ? 'n/a' : `${perDelivery} µs`}/delivery, ${underOneTick ? 'n/a' : us(server.cpuUsPerMessage)}/message` +
    (server.threads && !underOneTick
      ? `; main thread ${us(server.threads.mainCpuUsPerDelivery)}, other threads ${us(server.threads.otherCpuUsPerDelivery)} per delivery`
      : '') +
    (server.notes.length > 0 ? ` (${server.notes.join('; ')})` : '')
  );
}

/** The human summary printed at the end of a run; the JSON report holds the same numbers and more. */
export function formatSummary(report: LoadTestReport): string {
  const s = report;
  const lines = [
    `target       ${s.run.url} (${s.run.local ? 'local' : 'remote'}, ${s.run.auth})`,
    `scenario     ${s.run.scenario.connections} connections, ${s.run.scenario.rooms} rooms, ${s.run.scenario.senders} senders x ${s.run.scenario.messagesPerSender} messages at ${s.run.scenario.ratePerSender}/s${s.run.scenario.warmupMessages > 0 ? ` after ${s.run.scenario.warmupMessages} warm-up messages (${s.deliveries.warmup} receipts, left out)` : ''}`,
    `connections  opened ${s.connections.opened}, failed ${s.connections.failed}, joined ${s.connections.joined}, join failed ${s.connections.joinFailed}, closed early ${s.connections.closedEarly}`,
    `messages     sent ${s.messages.sent}/${s.messages.planned}${s.messages.substituted > 0 ? ` (${s.messages.substituted} by a substitute sender)` : ''}, acked ${s.messages.acked}, complete ${s.messages.complete}, incomplete ${s.messages.incomplete}, lost ${s.messages.lost}`,
    `deliveries   received ${s.deliveries.received}/${s.deliveries.expected} expected, missing ${s.deliveries.missing}, extra ${s.deliveries.extra}`,
    `fan-out      ${lat(s.fanoutMs)}`,
    `last recip.  ${lat(s.lastRecipientMs)}`,
    `connect      ${lat(s.connectMs)}`,
    `errors       ${errorsLine(s)}`,
  ];
  if (s.server) lines.push(`server       ${formatServerCpu(s.server, s.deliveries.received)}`);
  if (s.baseline && s.vsBaseline) {
    const vs = s.vsBaseline;
    lines.push(
      `baseline     raw ws, in-process: fan-out p50 ${s.baseline.fanoutMs.p50.toFixed(2)} p99 ${s.baseline.fanoutMs.p99.toFixed(2)} ms; last recip. p50 ${s.baseline.lastRecipientMs.p50.toFixed(2)} p99 ${s.baseline.lastRecipientMs.p99.toFixed(2)} ms`,
      ...(s.baseline.server
        ? [`baseline CPU ${formatServerCpu(s.baseline.server, s.baseline.deliveries.received)}`]
        : []),
      `vs baseline  (target / baseline) fan-out p50 ${ratio(vs.fanoutP50)} p99 ${ratio(vs.fanoutP99)}; last recip. p50 ${ratio(vs.lastRecipientP50)} p99 ${ratio(vs.lastRecipientP99)}; CPU per delivery ${ratio(vs.cpuUsPerDelivery)}`,
    );
  }
  lines.push(
    `generator    ${s.generator.workers} workers on ${s.generator.cores} cores, peak CPU ${(s.generator.peakProcessCpu * 100).toFixed(0)}%, peak worker ELU ${(s.generator.peakWorkerElu * 100).toFixed(0)}%, send lag p99 ${s.generator.sendLagMs.p99.toFixed(2)} ms${s.generator.saturated ? '  SATURATED: latencies overstated' : ''}${s.generator.drainTimedOut ? ', drain timed out' : ''}`,
    `cost (est.)  $${s.cost.totalUsd.toFixed(6)} for this run, ~$${s.cost.usdPerMillionMessages.toFixed(2)} per million more messages of this shape (${s.cost.region} list prices)`,
  );
  return lines.join('\n');
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** One-line progress for stderr. */
export function formatProgress(p: Progress): string {
  return (
    `[${p.phase.padEnd(7)} ${(p.elapsedMs / 1000).toFixed(1).padStart(6)}s] ` +
    `conns ${p.opened}/${p.attempted} open, ${p.failed} failed, ${p.joined} joined | ` +
    `sent ${p.sent}/${p.plannedMessages} | deliveries ${p.received}/${p.expected} | errors ${p.errors} | ` +
    `cpu ${pct(p.cpu.processCpu)} elu ${pct(p.cpu.maxWorkerElu)}`
  );
}

/**
 * Run starts, warnings and progress on stderr: one rewritten line on a terminal, a line every 5 s (and at the
 * finish) otherwise, so CI logs stay readable. `done()` ends the terminal line.
 */
export function stderrProgress(quiet: boolean): LoadTestHooks & { done(): void } {
  const tty = process.stderr.isTTY === true;
  let lastLineAt = 0;
  let lastPhase = '';
  return {
    onRunStart: (which, url) => process.stderr.write(`${tty ? '\n' : ''}${which}: ${url}\n`),
    onWarning: (warning) => process.stderr.write(`${tty ? '\n' : ''}warning: ${warning}\n`),
    onProgress: (progress) => {
      if (quiet) return;
      if (tty) {
        process.stderr.write(`\r${formatProgress(progress)}\x1b[K`);
      } else if (progress.elapsedMs - lastLineAt >= 5000 || (progress.phase === 'finish' && lastPhase !== 'finish')) {
        lastLineAt = progress.elapsedMs;
        lastPhase = progress.phase;
        process.stderr.write(`${formatProgress(progress)}\n`);
      }
    },
    done: () => {
      if (tty && !quiet) process.stderr.write('\n');
    },
  };
}
