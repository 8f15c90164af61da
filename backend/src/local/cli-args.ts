/**
 * The arguments of `npm start [-w backend] -- ...` (main.ts): one table of flags, so every module reading its
 * own (simulation, data directory) agrees on what is unknown.
 */

/** A setting the user got wrong: main.ts prints the message and exits 2 instead of showing a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm start [-w backend] -- [options]
  --post-latency <mean>[±<jitter>]  every @connections call waits mean±jitter ms (e.g. 20ms±10; env LOCAL_POST_LATENCY)
  --callback-rps <n>                 @connections calls per second before 429 LimitExceededException (env LOCAL_CALLBACK_RPS)
  --callback-burst <n>               token bucket size, default rps/2 like AWS's 10,000/5,000 (env LOCAL_CALLBACK_BURST)
  --data-dir <dir>                   keep the local DynamoDB data here across restarts (default <repo>/.local-data; env LOCAL_DATA_DIR)
  --in-memory                        keep nothing: the data is lost on exit (env LOCAL_IN_MEMORY=1)
  --reset                            wipe the kept data before starting
  --auth <guest|oidc>                oidc: sign in with tokens from a local OpenID Connect issuer (env LOCAL_AUTH; port LOCAL_OIDC_PORT, 3002)
  --help                             this text`;

const VALUE_FLAGS = ['--post-latency', '--callback-rps', '--callback-burst', '--data-dir', '--auth'] as const;
const SWITCHES = ['--in-memory', '--reset'] as const;
export type ValueFlag = (typeof VALUE_FLAGS)[number];
export type Switch = (typeof SWITCHES)[number];

export interface MainArgs {
  /** The last value given for each flag. */
  values: Map<ValueFlag, string>;
  switches: Set<Switch>;
  help: boolean;
}

const isValueFlag = (flag: string): flag is ValueFlag => (VALUE_FLAGS as readonly string[]).includes(flag);
const isSwitch = (flag: string): flag is Switch => (SWITCHES as readonly string[]).includes(flag);

/** `--flag value` or `--flag=value` for flags with a value; throws UsageError for anything it does not know. */
export function parseMainArgs(argv: readonly string[]): MainArgs {
  const parsed: MainArgs = { values: new Map(), switches: new Set(), help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      parsed.help = true;
      continue;
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = equals > 0 ? [arg.slice(0, equals), arg.slice(equals + 1)] : [arg, undefined];
    if (isSwitch(flag) && inline === undefined) {
      parsed.switches.add(flag);
      continue;
    }
    if (!isValueFlag(flag)) throw new UsageError(`unknown argument "${arg}"\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value\n${USAGE}`);
    parsed.values.set(flag, value);
  }
  return parsed;
}
