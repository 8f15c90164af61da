import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgsError, strictArgs, wholeNumber } from '../arg-values.js';

export const BENCH_USAGE = `Usage: npm run bench -w load-tests -- [options]

For each room size, --repeat rounds of: the raw ws baseline, then a fresh local stack (child process),
with c = room size, 1 room, 1 sender. The verdict is the median of the rounds' last-recipient p99 ratios
(stack / that round's baseline). JSON + HTML per round, SUMMARY.md and SUMMARY.json in the output directory.
LOCAL_* variables of the environment reach the stack (e.g. LOCAL_POST_LATENCY=20ms±10).

  --rooms N[,N...]        room sizes (default 1000,5000)
  --messages N            messages per room size (default 10 up to 1,000 members, 5 above)
  --rate N                messages per second (default 0.5)
  --warmup N              messages sent first and left out of every figure, baseline and stack alike (default 5)
  --drain S               seconds to wait for stragglers (default 30 per started 1,000 members)
  --connect-timeout S     seconds for each handshake and join (default 10, 1 s more per 250 members above 2,500)
  --repeat N              rounds per room size, 1 to 50 (default 5; odd counts have a middle round)
  --goal-ratio X          last-recipient p99 vs raw ws the verdict judges against (default 8)
  --out DIR               output directory (default load-tests/results/<YYYY-MM-DD>-<label>/)
  --label NAME            names the default output directory (default "bench")
  -q, --quiet             no progress line
  -h, --help              this text`;

/** One room size of a bench, with the scenario numbers that depend on it. */
export interface RoomPlan {
  roomSize: number;
  messages: number;
  /** Sent before the measured messages and left out: the first ones pay for starting the stack's fan-out threads. */
  warmup: number;
  rate: number;
  drainS: number;
  connectTimeoutS: number;
}

export interface BenchOptions {
  rooms: RoomPlan[];
  /** Rounds per room size: a single round's baseline p99 is too noisy to judge a ratio on. */
  repeat: number;
  goalRatio: number;
  outDir: string;
  label: string;
  quiet: boolean;
  help: boolean;
}

/** results/ of this package, where committed bench reports live. */
const RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url));

/** Five rounds: the median then ignores the two most extreme on either side (load-tests/README.md says why). */
export const DEFAULT_REPEAT = 5;
/**
 * Five warm-up messages: on a fresh local stack the first message of a 1k room took 369 ms to its last recipient and
 * the sixth 142 ms (load-tests/results/2026-12-05-fanout-median/README.md); a p99 over 40 messages is the slowest.
 */
export const DEFAULT_WARMUP = 5;
/** Issue 11's goal for a 1k room: the stack's last-recipient p99 at most 8x the raw `ws` baseline's. */
export const DEFAULT_GOAL_RATIO = 8;

const LABEL = /^[A-Za-z0-9._-]{1,40}$/;

function positive(name: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new ArgsError(`--${name} must be a positive ${integer ? 'whole ' : ''}number, got "${raw}"`);
  }
  return value;
}

/** YYYY-MM-DD in local time: the date on the machine's calendar, like the existing results folders. */
export function localDate(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Parses the bench's argv. A relative --out is taken from where the user typed the command: npm runs
 * workspace scripts in the workspace folder but keeps the caller's directory in INIT_CWD.
 */
export function parseBenchArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, now = new Date()): BenchOptions {
  const parsed = strictArgs(argv, {
    rooms: { type: 'string' },
    messages: { type: 'string' },
    warmup: { type: 'string' },
    rate: { type: 'string' },
    drain: { type: 'string' },
    'connect-timeout': { type: 'string' },
    repeat: { type: 'string' },
    'goal-ratio': { type: 'string' },
    out: { type: 'string' },
    label: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  const v = parsed.values;
  const sizes = (v.rooms ?? '1000,5000').split(',').map((s) => {
    const n = positive('rooms', s.trim(), true)!;
    if (n < 2) throw new ArgsError(`--rooms sizes must be at least 2 (a sender and a recipient), got ${n}`);
    return n;
  });
  const label = v.label ?? 'bench';
  if (!LABEL.test(label)) throw new ArgsError(`--label must match ${LABEL.source}`);
  const messages = positive('messages', v.messages, true);
  const rate = positive('rate', v.rate, false) ?? 0.5;
  const warmup = wholeNumber('warmup', v.warmup, DEFAULT_WARMUP, 0, 100);
  const drain = positive('drain', v.drain, false);
  const connectTimeout = positive('connect-timeout', v['connect-timeout'], false);
  const base = env.INIT_CWD ?? process.cwd();
  const outDir =
    v.out === undefined
      ? join(RESULTS_DIR, `${localDate(now)}-${label}`)
      : isAbsolute(v.out)
        ? v.out
        : resolve(base, v.out);
  return {
    rooms: sizes.map((roomSize) => ({
      roomSize,
      messages: messages ?? (roomSize <= 1000 ? 10 : 5),
      warmup,
      rate,
      // Drain stops as soon as everything arrived: a generous bound only costs time when deliveries are lost.
      drainS: drain ?? 30 * Math.ceil(roomSize / 1000),
      connectTimeoutS: connectTimeout ?? 10 + Math.max(0, Math.ceil((roomSize - 2500) / 250)),
    })),
    repeat: wholeNumber('repeat', v.repeat, DEFAULT_REPEAT, 1, 50),
    goalRatio: positive('goal-ratio', v['goal-ratio'], false) ?? DEFAULT_GOAL_RATIO,
    outDir,
    label,
    quiet: v.quiet === true,
    help: v.help === true,
  };
}
