/**
 * `npm run simulate -- --members N [--concurrent R] | --preset quotas|contention|memory [options]`: predicts
 * large-room fan-out time on AWS in virtual time. Summary to stdout, progress to stderr, results to --json.
 * Exit code 0 when every live member got the message (and every goal of the preset passed), 1 otherwise, 2 for
 * bad arguments.
 */
import { writeFile } from 'node:fs/promises';
import { optionsOrExit } from '../arg-values.js';
import { SIM_USAGE, parseSimArgs, type SimCliOptions, type VariedFunction } from './args.js';
import {
  contentionVerdict,
  formatContention,
  formatContentionTable,
  formatMemoryTables,
  formatParams,
  formatPresetTable,
  formatResult,
  verdict,
} from './report.js';
import type { ContentionResult, SimResult } from './results.js';
import { simulate, simulateContention } from './simulate.js';

async function main(argv: string[]): Promise<number> {
  const options = optionsOrExit('simulate', SIM_USAGE, () => parseSimArgs(argv));
  if (typeof options === 'number') return options;
  if (options.runs.some((run) => run.contention !== undefined))
    return contention(options.runs, options.preset !== undefined, options.jsonFile);
  const rows: Array<{ result: SimResult; goalMs?: number; varies?: VariedFunction }> = [];
  for (const { params, goalMs, varies } of options.runs) {
    const memory =
      varies === undefined ? '' : ` (${varies} ${varies === 'send' ? params.sendMemoryMb : params.memoryMb} MB)`;
    process.stderr.write(`simulating ${params.members.toLocaleString('en-US')} members${memory}...\n`);
    rows.push({
      result: await simulate(params),
      ...(goalMs !== undefined ? { goalMs } : {}),
      ...(varies ? { varies } : {}),
    });
  }
  if (options.preset !== undefined) {
    const first = rows[0]?.result;
    if (first) process.stdout.write(`${formatParams(first.params).replace(/^room .*\n/, '')}\n\n`);
    const tables = options.preset === 'memory' ? formatMemoryTables(rows) : formatPresetTable(rows);
    process.stdout.write(`${tables}\n`);
  } else {
    for (const row of rows) process.stdout.write(`${formatResult(row.result, row.goalMs)}\n`);
  }
  if (options.jsonFile) {
    const json = rows.map(({ result, goalMs, varies }) => ({
      ...(varies !== undefined ? { varies } : {}),
      ...result,
      ...(goalMs !== undefined ? { goalMs, verdict: verdict(result, goalMs) } : {}),
    }));
    await writeFile(options.jsonFile, `${JSON.stringify(options.preset !== undefined ? json : json[0], null, 2)}\n`);
  }
  const ok = rows.every(({ result, goalMs }) =>
    goalMs === undefined
      ? result.delivered === result.expected && result.failures === 0
      : verdict(result, goalMs) === 'PASS',
  );
  return ok ? 0 : 1;
}

/** Runs of several rooms at once (--concurrent, --preset contention): they pass when nothing is lost. */
async function contention(runs: SimCliOptions['runs'], preset: boolean, jsonFile?: string): Promise<number> {
  const results: ContentionResult[] = [];
  for (const { params, contention } of runs) {
    const rooms = contention ?? { rooms: 1, staggerMs: 0 };
    process.stderr.write(`simulating ${rooms.rooms} x ${params.members.toLocaleString('en-US')} members...\n`);
    results.push(await simulateContention(params, rooms));
  }
  if (preset) {
    const first = results[0];
    if (first) process.stdout.write(`${formatParams(first.params).replace(/^room .*\n/, '')}\n\n`);
    process.stdout.write(`${formatContentionTable(results)}\n`);
  } else {
    for (const result of results) process.stdout.write(`${formatContention(result)}\n`);
  }
  if (jsonFile) {
    const json = results.map((result) => ({ ...result, verdict: contentionVerdict(result) }));
    await writeFile(jsonFile, `${JSON.stringify(preset ? json : json[0], null, 2)}\n`);
  }
  return results.every((result) => contentionVerdict(result) === 'PASS') ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `simulate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
