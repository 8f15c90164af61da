import path from 'node:path';
import type { SimulationOptions } from './callback-simulation.js';
import { parseMainArgs, UsageError } from './cli-args.js';
import { DEFAULT_DATA_DIR } from './local-data.js';
import { DEFAULT_SERVERLESS_FILE } from './serverless-config.js';
import { mergeSimulation, simulationFromArgs, simulationFromEnv } from './simulation-flags.js';

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
  /** Where the store keeps its data across restarts (`--data-dir`, LOCAL_DATA_DIR); undefined = in memory. */
  dataDir: string | undefined;
  /** `--reset`: wipe the kept data before starting. */
  resetData: boolean;
  /** `--auth oidc` (LOCAL_AUTH=oidc): a local OpenID Connect issuer on LOCAL_OIDC_PORT (3002) and JWT mode. */
  localIssuer: { port: number } | undefined;
  /**
   * Worker threads for route handlers (LOCAL_ROUTE_WORKERS, default 0: the gateway's thread). One thread measured
   * no faster for a 1k room and slowed handshakes (docs/PERFORMANCE.md).
   */
  routeWorkers: number;
}

type Env = Record<string, string | undefined>;

function port(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new UsageError(`${key} must be a port number, got "${raw}"`);
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

function count(env: Env, key: string, fallback: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new UsageError(`${key} must be an integer from 0 to ${max}, got "${raw}"`);
  return value;
}

function flag(env: Env, key: string): boolean {
  const raw = env[key]?.trim().toLowerCase() ?? '';
  if (raw === '1' || raw === 'true') return true;
  if (raw === '' || raw === '0' || raw === 'false') return false;
  throw new UsageError(`${key} must be 1 or 0, got "${env[key]}"`);
}

/**
 * Kept in `<repo>/.local-data` unless told otherwise; flags win over the environment. A relative directory is
 * read from where the user typed `npm start` (npm's INIT_CWD), not from backend/ where npm runs main.ts.
 */
function storageFrom(env: Env, argv: readonly string[]): Pick<LocalOptions, 'dataDir' | 'resetData'> {
  const { values, switches } = parseMainArgs(argv);
  const dirFlag = values.get('--data-dir');
  const resetData = switches.has('--reset');
  if (switches.has('--in-memory') && dirFlag !== undefined)
    throw new UsageError('--in-memory and --data-dir exclude each other');
  const inMemory = switches.has('--in-memory') || (dirFlag === undefined && flag(env, 'LOCAL_IN_MEMORY'));
  if (inMemory) {
    if (resetData) throw new UsageError('--reset wipes kept data; there is none with --in-memory / LOCAL_IN_MEMORY=1');
    return { dataDir: undefined, resetData };
  }
  const dir = dirFlag ?? (env.LOCAL_DATA_DIR || undefined);
  return {
    dataDir: dir === undefined ? DEFAULT_DATA_DIR : path.resolve(env.INIT_CWD || process.cwd(), dir),
    resetData,
  };
}

/** Throws UsageError for a value the user got wrong; `argv` are main.ts's arguments (see cli-args.ts). */
export function localOptionsFromEnv(env: Env = process.env, argv: readonly string[] = []): LocalOptions {
  return {
    host: env.LOCAL_HOST || '127.0.0.1',
    port: port(env, 'LOCAL_WS_PORT', 3001),
    dynamoPort: port(env, 'LOCAL_DYNAMODB_PORT', 8000),
    serverlessFile: env.LOCAL_SERVERLESS_FILE || DEFAULT_SERVERLESS_FILE,
    stage: env.LOCAL_STAGE || 'local',
    params: paramsFrom(env),
    simulation: mergeSimulation(simulationFromEnv(env), simulationFromArgs(argv).simulation),
    ...storageFrom(env, argv),
    routeWorkers: count(env, 'LOCAL_ROUTE_WORKERS', 0, 64),
    localIssuer: authFrom(env, argv),
  };
}

function authFrom(env: Env, argv: readonly string[]): LocalOptions['localIssuer'] {
  const mode = parseMainArgs(argv).values.get('--auth') ?? (env.LOCAL_AUTH || 'guest');
  if (mode === 'guest') return undefined;
  if (mode !== 'oidc') throw new UsageError(`--auth must be guest or oidc, got "${mode}"`);
  return { port: port(env, 'LOCAL_OIDC_PORT', 3002) };
}
