import type { LatencySummary } from '../stats.js';
import type { HandshakeResult } from './run.js';

const ms = (s: LatencySummary): string =>
  `p50 ${s.p50.toFixed(1)}  p90 ${s.p90.toFixed(1)}  p99 ${s.p99.toFixed(1)}  max ${s.max.toFixed(1)} ms  (n=${s.count})`;

const counts = (c: Record<string, number>): string =>
  Object.entries(c)
    .map(([key, n]) => `${key} x${n}`)
    .join(', ') || 'none';

/** The run as the lines the CLI prints. */
export function formatHandshakes(r: HandshakeResult): string {
  const lines = [
    `target       ${r.url}`,
    `offered      ${r.connections} handshakes at ${r.offeredPerSecond}/s`,
    `opened       ${r.opened}, refused ${counts(r.refused)}, network errors ${counts(r.network)}`,
    `handshake    ${ms(r.handshakeMs)}`,
    `accepted     ${r.acceptedPerSecond.toFixed(1)}/s over ${(r.spanMs / 1000).toFixed(2)} s: ${
      r.keptUp ? 'kept up' : 'did NOT keep up'
    } (every handshake opened, and 95% of the offered rate from the first open to the last)`,
    `generator    schedule lag ${ms(r.scheduleLagMs)}`,
  ];
  if (r.server) {
    lines.push(
      `server CPU   ${r.server.cpuMs.toFixed(0)} ms (pid ${r.server.pid}, all threads), ${r.server.cpuMsPerHandshake.toFixed(2)} ms per handshake`,
    );
  }
  return lines.join('\n');
}
