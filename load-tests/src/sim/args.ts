import { ArgsError, strictArgs, wholeNumber as int } from '../arg-values.js';
import { formatSpread, type Spread } from './random.js';
import { DEFAULT_PARAMS, type Contention, type SimParams } from './params.js';
import type { RetryPolicy } from '@chat/backend/domain';

/** Room sizes of `--preset quotas`, with the published goal for each (ms to the last recipient). */
export const QUOTA_PRESET: ReadonlyArray<{ members: number; goalMs?: number }> = [
  { members: 1_000 },
  { members: 10_000, goalMs: 1_500 },
  { members: 100_000, goalMs: 12_000 },
];

/**
 * Rooms of `--preset contention`: several large rooms messaged at the same moment, each `send` pacing its
 * workers at the whole quota, so together they ask for 2, 4 or 10 times what the account has.
 */
export const CONTENTION_PRESET: ReadonlyArray<{ rooms: number; members: number }> = [
  { rooms: 2, members: 100_000 },
  { rooms: 4, members: 25_000 },
  { rooms: 10, members: 10_000 },
];

/**
 * `--preset memory`: each room size with one function's memory at each size while the other keeps its setting
 * (--send-memory-mb, --memory-mb), so each function's latency and cost can be read on its own.
 */
export const MEMORY_PRESET = {
  members: [100, 1_000, 10_000],
  memoryMb: [512, 1_024, 1_769],
} as const;

export type SimPreset = 'quotas' | 'contention' | 'memory';

/** The function whose memory a `--preset memory` run varies. */
export type VariedFunction = 'send' | 'fanout';

export interface SimCliOptions {
  /**
   * One run per entry: the preset's rooms, or the room(s) of --members. `contention` is set when a run has
   * several rooms at once (--concurrent above 1, or the contention preset); without it a run is one room.
   */
  runs: Array<{ params: SimParams; goalMs?: number; contention?: Contention; varies?: VariedFunction }>;
  preset?: SimPreset;
  jsonFile?: string;
  help: boolean;
}

const d = DEFAULT_PARAMS;

export const SIM_USAGE = `Usage: npm run simulate -- --members N [--concurrent R [--stagger-ms S]] [options]
       npm run simulate -- --preset quotas|contention|memory [options]

Predicts the time for one message to reach every member of a large room on AWS, by running the backend's
ChatService.send and FanoutWorker against modelled Lambda, DynamoDB and API Gateway in virtual time
(see SIMULATION.md).

Room
  --members N             connections in the room (required unless --preset)
  --preset quotas         rooms of 1,000 / 10,000 / 100,000 against the goals (10k <= 1.5 s, 100k <= 12 s)
  --concurrent R          R rooms of --members each get one message at once, sharing the account's quota and
                          Lambda concurrency, each with its own send Lambda (default 1)
  --stagger-ms S          with --concurrent: virtual ms between one room's send and the next (default 0)
  --preset contention     2 x 100,000, 4 x 25,000 and 10 x 10,000 rooms at once: is anything lost?
  --preset memory         rooms of 100 / 1,000 / 10,000 with send, then fanout, at 512 / 1,024 / 1,769 MB
                          (the other at its setting): latency and cost per million messages
  --gone-fraction F       share of members whose socket is gone (410, removed by fan-out) (default ${d.goneFraction})
API Gateway
  --callback-rps N        account @connections quota, requests/s (default ${d.callbackRps})
  --callback-burst N      token bucket size (default ${d.callbackBurst})
  --post-latency D        PostToConnection round trip, e.g. 20ms±10 or 20ms+-10 (default ${formatSpread(d.postLatency)})
Domain (FanoutDeps / DeliveryDeps)
  --shard-size N          memberships per shard = per worker job (default ${d.shardSize})
  --inline-max N          rooms up to N members are fanned out by the send Lambda (default ${d.inlineMax})
  --concurrency N         posts in flight per fan-out, Invokes in flight in the send Lambda (default ${d.concurrency})
  --max-attempts N        RetryPolicy.maxAttempts for 429s (default ${d.retry.maxAttempts}, WORKER_RETRY's safety cap)
  --throttle-budget-ms N  RetryPolicy.throttleBudgetMs: retry 429s until this long after the first attempt,
                          0 = by count only (default ${d.retry.throttleBudgetMs ?? 0})
  --max-delay-ms N        RetryPolicy.maxDelayMs, the backoff cap (default ${d.retry.maxDelayMs})
  --rate-budget N         DeliveryDeps.callbackRateBudget: posts/s shared out as the workers' pace, 0 = unpaced
                          (default ${d.rateBudget}, the quota, like CALLBACK_RATE_BUDGET)
Lambda
  --post-cpu-us N         full-core CPU per post (default ${d.postCpuUs}, npm run post-cost's adapter row)
  --sdk-cpu-us N          full-core CPU per other SDK call (default ${d.sdkCallCpuUs}, its sdk-adapter row)
  --memory-mb N           fan-out worker memory; CPU share = MB / 1769 (default ${d.memoryMb})
  --send-memory-mb N      send Lambda memory (default ${d.sendMemoryMb})
  --invoke-latency D      async Invoke round trip (default ${formatSpread(d.invokeLatency)})
  --queue-delay D         accepted event to worker start (default ${formatSpread(d.asyncQueueDelay)})
  --cold-start-ms N       init time of a new worker environment (default ${d.coldStartMs})
  --cold-fraction F       share of new worker environments that start cold (default ${d.coldFraction})
  --lambda-concurrency N  account concurrency (default ${d.lambdaConcurrency})
DynamoDB
  --query-latency D       one Query page (default ${formatSpread(d.queryLatency)})
  --write-latency D       one delete, for 410 cleanup (default ${formatSpread(d.writeLatency)})
Run
  --seed N                PRNG seed; the same seed reproduces a run exactly (default ${d.seed})
  --max-virtual-s N       stop with an error past this much virtual time (default ${d.maxVirtualMs / 1000})
  --json FILE             write the result(s) as JSON
  -h, --help              this text`;

function fraction(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ArgsError(`--${name} must be a number from 0 to 1, got "${raw}"`);
  }
  return value;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/;

function duration(name: string, text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new ArgsError(`--${name}: "${text}" is not a duration (e.g. 20ms, 0.5s, 20)`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** `20ms±10`, `20ms+-10`, `20±10ms`, `20` (ms unless `s`; the jitter takes the mean's unit when it has none). */
export function parseSpread(name: string, raw: string | undefined, fallback: Spread): Spread {
  if (raw === undefined) return fallback;
  const [mean = '', jitter, ...rest] = raw.split(/±|\+-|\+\/-/);
  if (rest.length > 0) throw new ArgsError(`--${name}: "${raw}" has more than one ±`);
  const meanMs = duration(name, mean);
  let jitterMs = 0;
  if (jitter !== undefined) {
    const unitless = /^\s*\d+(?:\.\d+)?\s*$/.test(jitter);
    const meanInSeconds = /s\s*$/.test(mean) && !/ms\s*$/.test(mean);
    jitterMs = unitless && meanInSeconds ? duration(name, `${jitter}s`) : duration(name, jitter);
  }
  if (jitterMs > meanMs)
    throw new ArgsError(`--${name}: jitter ${jitterMs} ms exceeds the mean ${meanMs} ms (latencies would go negative)`);
  return { meanMs, jitterMs };
}

/** The simulator's flags, as node:util parseArgs takes them; their meaning is in SIM_USAGE. */
const SIM_FLAGS = {
  members: { type: 'string' },
  preset: { type: 'string' },
  concurrent: { type: 'string' },
  'stagger-ms': { type: 'string' },
  'gone-fraction': { type: 'string' },
  'callback-rps': { type: 'string' },
  'callback-burst': { type: 'string' },
  'post-latency': { type: 'string' },
  'shard-size': { type: 'string' },
  'inline-max': { type: 'string' },
  concurrency: { type: 'string' },
  'max-attempts': { type: 'string' },
  'rate-budget': { type: 'string' },
  'throttle-budget-ms': { type: 'string' },
  'max-delay-ms': { type: 'string' },
  'post-cpu-us': { type: 'string' },
  'sdk-cpu-us': { type: 'string' },
  'memory-mb': { type: 'string' },
  'send-memory-mb': { type: 'string' },
  'invoke-latency': { type: 'string' },
  'queue-delay': { type: 'string' },
  'cold-start-ms': { type: 'string' },
  'cold-fraction': { type: 'string' },
  'lambda-concurrency': { type: 'string' },
  'query-latency': { type: 'string' },
  'write-latency': { type: 'string' },
  seed: { type: 'string' },
  'max-virtual-s': { type: 'string' },
  json: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** MEMORY_PRESET's runs: per room, send at each size, then fanout at each size. */
const memoryRuns = (base: SimParams): SimCliOptions['runs'] =>
  MEMORY_PRESET.members.flatMap((members) => [
    ...MEMORY_PRESET.memoryMb.map((mb) => ({
      params: { ...base, members, sendMemoryMb: mb },
      varies: 'send' as const,
    })),
    ...MEMORY_PRESET.memoryMb.map((mb) => ({ params: { ...base, members, memoryMb: mb }, varies: 'fanout' as const })),
  ]);

/** Parses argv (without node and script). Throws ArgsError with a message fit for a human. */
export function parseSimArgs(argv: string[]): SimCliOptions {
  const parsed = strictArgs(argv, SIM_FLAGS);
  const v = parsed.values;
  const help = v.help === true;
  if (v.preset !== undefined && v.preset !== 'quotas' && v.preset !== 'contention' && v.preset !== 'memory') {
    throw new ArgsError(`--preset must be "memory", "quotas" or "contention", got "${v.preset}"`);
  }
  const preset: SimPreset | undefined = v.preset;
  if (preset !== undefined && v.members !== undefined)
    throw new ArgsError(`--preset ${preset} sets the room sizes; drop --members`);
  if (preset !== undefined && v.concurrent !== undefined)
    throw new ArgsError(`--preset ${preset} sets the room counts; drop --concurrent`);
  if (preset === undefined && v.members === undefined && !help)
    throw new ArgsError('--members is required (or --preset quotas|contention|memory)');
  const concurrent = int('concurrent', v.concurrent, 1, 1, 1_000);
  const staggerMs = int('stagger-ms', v['stagger-ms'], 0, 0, 3_600_000);

  const maxDelayMs = int('max-delay-ms', v['max-delay-ms'], d.retry.maxDelayMs, 1, 600_000);
  const budget = (ms: number): { throttleBudgetMs?: number } => (ms > 0 ? { throttleBudgetMs: ms } : {});
  const withoutBudget = ({ throttleBudgetMs: _budget, ...rest }: RetryPolicy): RetryPolicy => rest;
  const base: SimParams = {
    ...d,
    goneFraction: fraction('gone-fraction', v['gone-fraction'], d.goneFraction),
    callbackRps: int('callback-rps', v['callback-rps'], d.callbackRps, 1, 10_000_000),
    callbackBurst: int('callback-burst', v['callback-burst'], d.callbackBurst, 1, 10_000_000),
    postLatency: parseSpread('post-latency', v['post-latency'], d.postLatency),
    shardSize: int('shard-size', v['shard-size'], d.shardSize, 1, 1_000_000),
    inlineMax: int('inline-max', v['inline-max'], d.inlineMax, 0, 10_000_000),
    concurrency: int('concurrency', v.concurrency, d.concurrency, 1, 10_000),
    rateBudget: int('rate-budget', v['rate-budget'], d.rateBudget, 0, 10_000_000),
    retry: {
      ...withoutBudget(d.retry),
      maxAttempts: int('max-attempts', v['max-attempts'], d.retry.maxAttempts, 1, 100_000),
      ...budget(int('throttle-budget-ms', v['throttle-budget-ms'], d.retry.throttleBudgetMs ?? 0, 0, 3_600_000)),
      maxDelayMs,
      baseDelayMs: Math.min(d.retry.baseDelayMs, maxDelayMs),
    },
    postCpuUs: int('post-cpu-us', v['post-cpu-us'], d.postCpuUs, 1, 1_000_000),
    sdkCallCpuUs: int('sdk-cpu-us', v['sdk-cpu-us'], d.sdkCallCpuUs, 1, 1_000_000),
    memoryMb: int('memory-mb', v['memory-mb'], d.memoryMb, 128, 10_240),
    sendMemoryMb: int('send-memory-mb', v['send-memory-mb'], d.sendMemoryMb, 128, 10_240),
    invokeLatency: parseSpread('invoke-latency', v['invoke-latency'], d.invokeLatency),
    asyncQueueDelay: parseSpread('queue-delay', v['queue-delay'], d.asyncQueueDelay),
    coldStartMs: int('cold-start-ms', v['cold-start-ms'], d.coldStartMs, 0, 60_000),
    coldFraction: fraction('cold-fraction', v['cold-fraction'], d.coldFraction),
    lambdaConcurrency: int('lambda-concurrency', v['lambda-concurrency'], d.lambdaConcurrency, 2, 1_000_000),
    queryLatency: parseSpread('query-latency', v['query-latency'], d.queryLatency),
    writeLatency: parseSpread('write-latency', v['write-latency'], d.writeLatency),
    seed: int('seed', v.seed, d.seed, 0, 2 ** 32 - 1),
    maxVirtualMs: int('max-virtual-s', v['max-virtual-s'], d.maxVirtualMs / 1000, 1, 24 * 3600) * 1000,
  };
  const runs: SimCliOptions['runs'] =
    preset === 'memory'
      ? memoryRuns(base)
      : preset === 'quotas'
        ? QUOTA_PRESET.map(({ members, goalMs }) => ({
            params: { ...base, members },
            ...(goalMs !== undefined ? { goalMs } : {}),
          }))
        : preset === 'contention'
          ? CONTENTION_PRESET.map(({ rooms, members }) => ({
              params: { ...base, members },
              contention: { rooms, staggerMs },
            }))
          : v.members === undefined
            ? []
            : [
                {
                  params: { ...base, members: int('members', v.members, 0, 1, 10_000_000) },
                  // One room is the single-room run, whatever --stagger-ms says.
                  ...(concurrent > 1 ? { contention: { rooms: concurrent, staggerMs } } : {}),
                },
              ];
  return {
    runs,
    ...(preset !== undefined ? { preset } : {}),
    ...(v.json !== undefined ? { jsonFile: v.json } : {}),
    help,
  };
}
