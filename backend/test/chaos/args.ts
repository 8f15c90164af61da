import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SOAK_DEFAULTS, type SoakOptions } from './soak.js';

export const USAGE = `usage: npm run chaos -- [--seed N] [--clients N] [--rooms N] [--duration SECONDS] [--rate MSGS_PER_S_PER_ROOM] [--settle SECONDS] [--no-faults]
Runs the chaos soak against an in-process local stack and prints its figures; exits 1 when any must-be-0
figure is not 0, 2 on a usage error. The seed is random unless given; the report prints the command that repeats it.`;

/** A command line the soak cannot run: printed with the usage, exit code 2. */
export class UsageError extends Error {}

function positive(flags: Record<string, unknown>, name: string, fallback: number, integer: boolean): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${String(raw)}"`);
  }
  return value;
}

/** parseArgs, strict, with its TypeError for an unknown or malformed flag turned into a UsageError. */
function strictParse<const O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Parses the command line into soak options; throws UsageError with the flag at fault. */
export function parseSoakArgs(argv: string[]): SoakOptions | 'help' {
  const { values } = strictParse(argv, {
    seed: { type: 'string' },
    clients: { type: 'string' },
    rooms: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    settle: { type: 'string' },
    'no-faults': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new UsageError(`--seed must be an integer in [0, 2^32), got "${values.seed}"`);
  return {
    seed,
    clients: positive(values, 'clients', SOAK_DEFAULTS.clients, true),
    rooms: positive(values, 'rooms', SOAK_DEFAULTS.rooms, true),
    durationMs: positive(values, 'duration', SOAK_DEFAULTS.durationMs / 1000, false) * 1000,
    ratePerRoom: positive(values, 'rate', SOAK_DEFAULTS.ratePerRoom, false),
    settleMs: positive(values, 'settle', SOAK_DEFAULTS.settleMs / 1000, false) * 1000,
    faults: values['no-faults'] !== true,
  };
}
