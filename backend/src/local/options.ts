import type { SimulationOptions } from './callback-simulation.js';
import { DEFAULT_SERVERLESS_FILE } from './serverless-config.js';
import { mergeSimulation, simulationFromArgs, simulationFromEnv, UsageError } from './simulation-flags.js';

/**
 * The local runtime's own settings, the only place it reads process.env (config.ts is the Lambda code's
 * reader; this is not Lambda code). Ports follow the public contract: 3001 for the WebSocket and management
 * API, 8000 for DynamoDB.
 */
export interface LocalOptions {
  host: string;
  port: number;
  dynamoPort: number;
  serverlessFile: string;
  stage: string;
  /** `${param:...}` overrides from `LOCAL_PARAM_<key>=value`, the local twin of `osls --param key=value`. */
  params: Record<string, string>;
  /** AWS-like @connections latency and throttling (LOCAL_POST_LATENCY…, or the matching flags); off when empty. */
  simulation: SimulationOptions;
}

type Env = Record<string, string | undefined>;

function port(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UsageError(`${key} must be a port number, got "${raw}"`);
  return value;
}

const PARAM_PREFIX = 'LOCAL_PARAM_';

/** serverless.yml param names are case-sensitive (authMode), and so are environment variable names on Linux and macOS. */
function paramsFrom(env: Env): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(PARAM_PREFIX) && key.length > PARAM_PREFIX.length && value !== undefined) {
      params[key.slice(PARAM_PREFIX.length)] = value;
    }
  }
  return params;
}

/** Throws UsageError for a value the user got wrong; `argv` are main.ts's arguments (simulation flags). */
export function localOptionsFromEnv(env: Env = process.env, argv: readonly string[] = []): LocalOptions {
  return {
    host: env.LOCAL_HOST || '127.0.0.1',
    port: port(env, 'LOCAL_WS_PORT', 3001),
    dynamoPort: port(env, 'LOCAL_DYNAMODB_PORT', 8000),
    serverlessFile: env.LOCAL_SERVERLESS_FILE || DEFAULT_SERVERLESS_FILE,
    stage: env.LOCAL_STAGE || 'local',
    params: paramsFrom(env),
    simulation: mergeSimulation(simulationFromEnv(env), simulationFromArgs(argv).simulation),
  };
}
