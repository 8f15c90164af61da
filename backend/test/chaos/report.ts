import { VIOLATIONS, violationsOf } from './figures.js';
import type { SoakOptions, SoakResult } from './soak.js';

/** The command line that repeats a soak's choices (its seed and shape). */
export function rerunCommand(options: SoakOptions): string {
  const flags = [
    `--seed ${options.seed}`,
    `--clients ${options.clients}`,
    `--rooms ${options.rooms}`,
    `--duration ${options.durationMs / 1000}`,
    `--rate ${options.ratePerRoom}`,
    `--settle ${options.settleMs / 1000}`,
    ...(options.faults ? [] : ['--no-faults']),
  ];
  return `npm run chaos -- ${flags.join(' ')}`;
}

/** A plain-text table of the figures, what they covered, and a few examples of each violation. */
export function formatReport(result: SoakResult): string {
  const { figures, coverage, samples } = result.analysis;
  const { counters, faults } = result;
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  const rows = Object.entries(figures).map(([name, value]) => {
    const mustBeZero = (VIOLATIONS as readonly string[]).includes(name);
    const flag = mustBeZero && value !== 0 ? '   VIOLATION (must be 0)' : '';
    return `  ${name.padEnd(width)}  ${String(value).padStart(8)}${flag}`;
  });
  const violations = violationsOf(figures);
  const lines = [
    `chaos soak: seed ${result.options.seed}, ${result.elapsedMs} ms`,
    `  rerun: ${rerunCommand(result.options)}`,
    ...rows,
    `coverage: ${coverage.sends} sends (${coverage.unacked} never acked), ${coverage.deliveryChecks} delivery checks, ${coverage.orderPairs} order pairs`,
    `activity: ${counters.connections} connections (${counters.refusedHandshakes} handshakes refused), ${counters.reconnects} reconnects, ` +
      `${counters.dropsAfterSend} drops right after a send, ${counters.leaves} leaves, ${counters.failedJoins} joins given up, ${result.undrained} actors undrained`,
    `store faults: ${faults.cuts} cuts, ${faults.stalls} stalls, ${faults.outageMs} ms down`,
    ...Object.entries(samples).flatMap(([name, list]) => [
      `examples of ${name}:`,
      ...(list ?? []).map((s) => `  ${s}`),
    ]),
    Object.keys(violations).length === 0 ? 'result: no violations' : `result: VIOLATIONS ${JSON.stringify(violations)}`,
  ];
  return lines.join('\n');
}
