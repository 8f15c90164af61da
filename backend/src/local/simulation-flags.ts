import { defaultBurst, type SimulationOptions } from './callback-simulation.js';
import { parseMainArgs, UsageError } from './cli-args.js';

/**
 * Reads the AWS simulation settings from `LOCAL_*` variables and `npm start -- --flag value` arguments, and
 * describes them for the banner. Pure, so every accepted and refused spelling is unit-tested.
 */

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;
/** `20ms±10`, `20ms+-10`, `20±10ms`, `20ms`, `20`. */
const LATENCY = new RegExp(`^${NUMBER}(?:ms)?(?:(?:±|\\+-|\\+/-)${NUMBER}(?:ms)?)?$`);

export function parseLatency(text: string, source: string): { meanMs: number; jitterMs: number } {
  const match = LATENCY.exec(text.trim());
  if (!match) throw new UsageError(`${source} must look like 20ms±10, 20ms+-10 or 20ms, got "${text}"`);
  const meanMs = Number(match[1]);
  const jitterMs = Number(match[2] ?? 0);
  if (jitterMs > meanMs)
    throw new UsageError(`${source}: jitter (${jitterMs} ms) cannot exceed the mean (${meanMs} ms), got "${text}"`);
  return { meanMs, jitterMs };
}

export function parsePositiveInt(text: string, source: string): number {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${source} must be a positive integer, got "${text}"`);
  }
  return value;
}

type Env = Record<string, string | undefined>;

export function simulationFromEnv(env: Env): SimulationOptions {
  const options: SimulationOptions = {};
  if (env.LOCAL_POST_LATENCY) options.postLatency = parseLatency(env.LOCAL_POST_LATENCY, 'LOCAL_POST_LATENCY');
  if (env.LOCAL_CALLBACK_RPS) options.callbackRps = parsePositiveInt(env.LOCAL_CALLBACK_RPS, 'LOCAL_CALLBACK_RPS');
  if (env.LOCAL_CALLBACK_BURST)
    options.callbackBurst = parsePositiveInt(env.LOCAL_CALLBACK_BURST, 'LOCAL_CALLBACK_BURST');
  return options;
}

/** The simulation flags of main.ts's arguments (flags win over the environment). */
export function simulationFromArgs(argv: readonly string[]): { simulation: SimulationOptions; help: boolean } {
  const { values, help } = parseMainArgs(argv);
  const simulation: SimulationOptions = {};
  const latency = values.get('--post-latency');
  const rps = values.get('--callback-rps');
  const burst = values.get('--callback-burst');
  if (latency !== undefined) simulation.postLatency = parseLatency(latency, '--post-latency');
  if (rps !== undefined) simulation.callbackRps = parsePositiveInt(rps, '--callback-rps');
  if (burst !== undefined) simulation.callbackBurst = parsePositiveInt(burst, '--callback-burst');
  return { simulation, help };
}

/** Flags over environment; a burst without a rate means nothing, so it is refused rather than ignored. */
export function mergeSimulation(fromEnv: SimulationOptions, fromArgs: SimulationOptions): SimulationOptions {
  const merged = { ...fromEnv, ...fromArgs };
  if (merged.callbackBurst !== undefined && merged.callbackRps === undefined) {
    throw new UsageError('--callback-burst / LOCAL_CALLBACK_BURST needs --callback-rps / LOCAL_CALLBACK_RPS');
  }
  return merged;
}

export function describeSimulation(options: SimulationOptions): string {
  const parts: string[] = [];
  const latency = options.postLatency;
  if (latency) parts.push(`@connections latency ${latency.meanMs}±${latency.jitterMs} ms`);
  if (options.callbackRps) {
    parts.push(
      `@connections ${options.callbackRps} rps, burst ${options.callbackBurst ?? defaultBurst(options.callbackRps)} (then 429)`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : 'off (no @connections latency or throttling; see --help)';
}
