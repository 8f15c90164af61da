import { availableParallelism } from 'node:os';
import { canSpreadSourceIps, isLoopbackUrl } from './generator/target.js';
import { MAX_TEXT_LENGTH } from '@chat/backend/protocol';
import { ArgsError, prefixArg, strictArgs, wholeNumber as int } from './arg-values.js';
import { tokensFromArgs } from './generator/tokens.js';

/**
 * New connections per second against the local stack: on two cores it keeps up with about 80 a second that each
 * join a room (docs/PERFORMANCE.md#new-connections), so 50 leaves room for the load generator and the sends.
 */
export const LOCAL_DEFAULT_RAMP = 50;

/** What one scenario run needs; the same scenario runs against the baseline and the target. */
export interface ScenarioOptions {
  connections: number;
  rooms: number;
  senders: number;
  messagesPerSender: number;
  /**
   * Messages per sender sent before the measured ones, at the same rate, and left out of every figure: the first
   * messages pay for what starts on first use (a local stack's fan-out threads, a cold Lambda), not for fan-out.
   */
  warmupMessages: number;
  /** Messages per second per sender. */
  ratePerSender: number;
  /** New connections per second across all workers. */
  rampPerSecond: number;
  /** Characters of message text (1..4000 per the contract). */
  textSize: number;
  connectTimeoutMs: number;
  drainTimeoutMs: number;
  workers: number;
  /** 0 = let the OS pick; N = bind connection i to 127.0.0.(1 + i mod N). */
  sourceIps: number;
  /** JWT mode: connection i connects with `?token=<tokens[i mod n]>`; guest mode (`?name=`) when absent. */
  tokens?: string[];
  namePrefix: string;
  roomPrefix: string;
}

export interface CliOptions {
  url?: string;
  scenario: ScenarioOptions;
  /** Run the in-process baseline server first and compare against it. */
  baseline: boolean;
  /** Local target's process id: its CPU over send + drain is reported (Linux /proc). */
  serverPid?: number;
  jsonFile?: string;
  htmlFile?: string;
  quiet: boolean;
  help: boolean;
}

/**
 * API Gateway accepts 500 new connections per second per account and region (soft limit):
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export const API_GATEWAY_NEW_CONNECTIONS_PER_SECOND = 500;

export const USAGE = `Usage: npm run load-test -- --url ws(s)://host[:port][/stage] [options]

Scenario
  --url URL               target WebSocket API (omit with --baseline to measure the baseline alone)
  -c, --connections N     connections to open (default 100)
  -r, --rooms N           rooms; connections join them round-robin (default 1)
  -s, --senders N         connections that send (default: one per room)
  -m, --messages N        messages per sender (default 10)
  --rate N                messages per second per sender (default 1)
  --warmup N              messages per sender sent first, at --rate, and left out of every figure (default 0)
  --ramp N                new connections per second (default 400, 50 for local targets; API Gateway allows 500)
  --size N                characters of message text, 1..${MAX_TEXT_LENGTH} (default 64)
  --token JWT             connect with ?token= (JWT mode) instead of ?name= (guest mode)
  --tokens FILE           JWT mode with one token per line, each a user; connection i uses token i mod n
  --name-prefix S         guest name prefix (default "lt")
  --room-prefix S         room name prefix (default "lt")
Timing
  --connect-timeout S     seconds to wait for a handshake, then for "joined" (default 10)
  --drain S               seconds to wait for stragglers after the last send (default 10)
Generator
  --workers N             worker threads (default: cores - 1 for local targets, cores otherwise)
  --source-ips N          local targets: spread sockets over 127.0.0.1..N (default 8 on Linux, else 1)
  --baseline              also run the scenario against an in-process ws broadcast server and compare
                          (default for local targets)
  --no-baseline           skip the baseline
  --server-pid PID        local targets on Linux: report the CPU of process PID (all threads) over the
                          send and drain phases, per delivery and per message
Output
  --json FILE             write the JSON report (contract shape plus details)
  --html FILE             write a self-contained HTML report with charts
  -q, --quiet             no progress line
  -h, --help              this text`;

function positive(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new ArgsError(`--${name} must be a positive number, got "${raw}"`);
  }
  if (value > max) throw new ArgsError(`--${name} must be at most ${max}, got ${value}`);
  return value;
}

function wsUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ArgsError(`--url is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ArgsError(`--url must start with ws:// or wss://, got "${url.protocol}//"`);
  }
  return url.toString();
}

/** The load-test flags, as node:util parseArgs takes them; their meaning is in USAGE. */
const LOAD_TEST_FLAGS = {
  url: { type: 'string' },
  connections: { type: 'string', short: 'c' },
  rooms: { type: 'string', short: 'r' },
  senders: { type: 'string', short: 's' },
  messages: { type: 'string', short: 'm' },
  rate: { type: 'string' },
  ramp: { type: 'string' },
  size: { type: 'string' },
  token: { type: 'string' },
  tokens: { type: 'string' },
  warmup: { type: 'string' },
  'name-prefix': { type: 'string' },
  'room-prefix': { type: 'string' },
  'connect-timeout': { type: 'string' },
  drain: { type: 'string' },
  workers: { type: 'string' },
  'source-ips': { type: 'string' },
  baseline: { type: 'boolean' },
  'no-baseline': { type: 'boolean' },
  'server-pid': { type: 'string' },
  json: { type: 'string' },
  html: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses argv (without node and script). Throws ArgsError with a message fit for a human. */
export function parseCliArgs(
  argv: string[],
  cores: number = availableParallelism(),
  platform: NodeJS.Platform = process.platform,
): CliOptions {
  const parsed = strictArgs(argv, LOAD_TEST_FLAGS);
  const v = parsed.values;
  const help = v.help === true;
  if (v.baseline && v['no-baseline']) throw new ArgsError('--baseline and --no-baseline contradict each other');
  const url = v.url === undefined ? undefined : wsUrl(v.url);
  if (url === undefined && !v.baseline && !help) {
    throw new ArgsError('--url is required (or --baseline to measure the in-process baseline alone)');
  }
  const local = url === undefined || isLoopbackUrl(url);

  const connections = int('connections', v.connections, 100, 1, 1_000_000);
  const rooms = int('rooms', v.rooms, 1, 1, 100_000);
  if (rooms > connections) throw new ArgsError(`--rooms (${rooms}) cannot exceed --connections (${connections})`);
  const senders = int('senders', v.senders, rooms, 1, 100_000);
  if (senders > connections) throw new ArgsError(`--senders (${senders}) cannot exceed --connections (${connections})`);
  const messagesPerSender = int('messages', v.messages, 10, 1, 1_000_000);
  if (senders * messagesPerSender > 50_000_000) {
    throw new ArgsError('--senders x --messages must stay under 50,000,000 (per-message slots live in memory)');
  }
  const namePrefix = prefixArg('name-prefix', v['name-prefix'], 'lt');
  const roomPrefix = prefixArg('room-prefix', v['room-prefix'], 'lt');
  const tokens = tokensFromArgs(v.token, v.tokens);
  const serverPid = v['server-pid'] === undefined ? undefined : int('server-pid', v['server-pid'], 0, 1, 2 ** 22);
  if (serverPid !== undefined) {
    if (url === undefined || !isLoopbackUrl(url))
      throw new ArgsError('--server-pid needs a local --url (the server must run on this machine)');
    if (platform !== 'linux') throw new ArgsError('--server-pid needs Linux (/proc/<pid>/stat)');
  }

  const scenario: ScenarioOptions = {
    connections,
    rooms,
    senders,
    messagesPerSender,
    warmupMessages: int('warmup', v.warmup, 0, 0, 1_000),
    ratePerSender: positive('rate', v.rate, 1, 10_000),
    // The local stack runs every handler on one event loop and sustains far fewer joining connections than AWS.
    rampPerSecond: positive('ramp', v.ramp, local ? LOCAL_DEFAULT_RAMP : 400, 100_000),
    textSize: int('size', v.size, 64, 1, MAX_TEXT_LENGTH),
    connectTimeoutMs: positive('connect-timeout', v['connect-timeout'], 10, 3600) * 1000,
    drainTimeoutMs: positive('drain', v.drain, 10, 3600) * 1000,
    workers: int('workers', v.workers, local ? Math.max(1, cores - 1) : cores, 1, 256),
    sourceIps:
      url === undefined || canSpreadSourceIps(url)
        ? int('source-ips', v['source-ips'], platform === 'linux' ? 8 : 1, 1, 254)
        : 0,
    namePrefix,
    roomPrefix,
    tokens,
  };
  return {
    ...(url !== undefined ? { url } : {}),
    scenario,
    baseline: v['no-baseline'] ? false : (v.baseline ?? local),
    ...(serverPid !== undefined ? { serverPid } : {}),
    ...(v.json !== undefined ? { jsonFile: v.json } : {}),
    ...(v.html !== undefined ? { htmlFile: v.html } : {}),
    quiet: v.quiet === true,
    help,
  };
}

/** Non-fatal advice about the scenario, printed before the run. */
export function scenarioWarnings(options: CliOptions): string[] {
  const warnings: string[] = [];
  if (
    options.url !== undefined &&
    !isLoopbackUrl(options.url) &&
    options.scenario.rampPerSecond > API_GATEWAY_NEW_CONNECTIONS_PER_SECOND
  ) {
    warnings.push(
      `--ramp ${options.scenario.rampPerSecond}/s exceeds API Gateway's ${API_GATEWAY_NEW_CONNECTIONS_PER_SECOND} new connections/s; expect 429s`,
    );
  }
  return warnings;
}
