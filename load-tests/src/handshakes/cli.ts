/**
 * `npm run handshakes -w load-tests -- --url ws://127.0.0.1:3001 [options]`: how many new connections per second a
 * target accepts, apart from what they do next (the load test's connections join and send as well).
 */
import { writeFile } from 'node:fs/promises';
import { optionsOrExit } from '../arg-values.js';
import { processCpuMeter } from '../cpu/proc-cpu.js';
import { HANDSHAKES_USAGE, parseHandshakeArgs } from './args.js';
import { formatHandshakes } from './report.js';
import { runHandshakes } from './run.js';

async function main(argv: string[]): Promise<number> {
  const parsed = optionsOrExit('handshakes', HANDSHAKES_USAGE, () => parseHandshakeArgs(argv));
  if (typeof parsed === 'number') return parsed;
  const meter = parsed.serverPid === undefined ? undefined : processCpuMeter(parsed.serverPid);
  const result = await runHandshakes(parsed.options, meter);
  process.stdout.write(`${formatHandshakes(result)}\n`);
  if (parsed.json !== undefined) await writeFile(parsed.json, `${JSON.stringify(result, null, 2)}\n`);
  return result.keptUp ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
