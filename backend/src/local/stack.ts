import {
  createTables,
  EXTERNAL_ACTIVE_TIMEOUT_MS,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from './embedded-dynamo.js';
import type { SimulationOptions } from './callback-simulation.js';
import { startGateway, type Gateway, type GatewayLogger, type GatewayOptions } from './gateway.js';
import type { GatewayLimits } from './limits.js';
import { dynamoDataPath } from './local-data.js';
import { startLocalIssuer, type LocalIssuer } from './oidc-issuer.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig, type ServerlessConfig } from './serverless-config.js';

/**
 * The whole local backend from serverless.yml: embedded DynamoDB (or a given endpoint) with the declared tables,
 * then the WebSocket gateway wired to it. Used by `npm start` and by tests that need the real handlers behind a
 * real socket.
 */
export interface LocalStackOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Gateway port, default 3001; 0 picks a free port. */
  port?: number;
  /** DynamoDB port, default 8000; 0 picks a free port. */
  dynamoPort?: number;
  /**
   * A DynamoDB endpoint that is already running (AWS itself, e.g. https://dynamodb.eu-west-1.amazonaws.com, or
   * an emulator): the missing tables are created there, with TTL as declared, instead of in an embedded store,
   * and outlive close(). Table creation and the handlers use the SDK default credential chain, not
   * LOCAL_CREDENTIALS, and sign for `region`; dynamoPort and dataDir do not apply. Unset: the embedded store.
   */
  dynamoEndpoint?: string;
  /** serverless.yml's `--region` (default us-east-1): the region the tables are in and requests are signed for. */
  region?: string;
  /** Default: serverless.yml at the repository root. */
  serverlessFile?: string;
  /** Default "local"; names the tables (${sls:stage}) and requestContext.stage. */
  stage?: string;
  /** `${param:...}` overrides (like `osls --param key=value`), e.g. `{ authMode: 'jwt', ... }`. */
  params?: Record<string, string>;
  /** AWS quotas by default; tests shorten them. */
  idleTimeoutMs?: number;
  maxLifetimeMs?: number;
  limits?: Partial<GatewayLimits>;
  logger?: GatewayLogger;
  /** Worker threads for Event invocations (default os.availableParallelism(); 0 = in-process). */
  asyncWorkers?: number;
  /** Worker threads for route invocations (default 0: the gateway's thread; LOCAL_ROUTE_WORKERS for npm start). */
  routeWorkers?: number;
  /** Event invocations per worker thread at once (default 4). */
  asyncConcurrencyPerWorker?: number;
  /** Load the invoke-only functions in every worker thread before serving (npm start does). */
  prewarmAsync?: boolean;
  /** AWS-like @connections latency and throttling; off by default. */
  simulation?: SimulationOptions;
  /**
   * Keep the store's tables and items in this directory across restarts (npm start uses `<repo>/.local-data`).
   * Default: in memory, so tests never write into the repository and always start empty.
   */
  dataDir?: string;
  /**
   * Run a local OpenID Connect issuer (`npm start -- --auth oidc`) and put the stack in JWT mode against it: its
   * issuer, JWKS and client id replace the jwt params. Port 0 picks a free one.
   */
  localIssuer?: { port: number };
  /** Sees each event the WebSocket side invokes a function with, before it runs (GatewayOptions.onInvoke). */
  onInvoke?: GatewayOptions['onInvoke'];
}

export interface LocalStack {
  wsUrl: string;
  managementUrl: string;
  dynamoEndpoint: string;
  /** Where the store keeps its data; undefined when in memory. */
  dataDir: string | undefined;
  asyncInvocations: Gateway['asyncInvocations'];
  throttledCalls: Gateway['throttledCalls'];
  lambdaEnvironment: Gateway['lambdaEnvironment'];
  /** The local issuer, when asked for (what a web client needs to sign in). */
  oidc?: Pick<LocalIssuer, 'issuer' | 'clientId'>;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (options.localIssuer === undefined) return startStack(options);
  const issuer = await startLocalIssuer({ host: options.host ?? '127.0.0.1', port: options.localIssuer.port });
  try {
    const stack = await startStack({ ...options, params: { ...options.params, ...jwtParams(issuer) } });
    return {
      ...stack,
      oidc: { issuer: issuer.issuer, clientId: issuer.clientId },
      async close() {
        await stack.close();
        await issuer.close();
      },
    };
  } catch (error) {
    await issuer.close().catch(() => undefined);
    throw error;
  }
}

/** serverless.yml's JWT-mode params for tokens of `issuer`. */
function jwtParams(issuer: LocalIssuer): Record<string, string> {
  return {
    authMode: 'jwt',
    jwtIssuer: issuer.issuer,
    jwtAudience: issuer.clientId,
    jwksUri: issuer.jwksUri,
  };
}

async function startStack(options: LocalStackOptions): Promise<LocalStack> {
  const serverlessFile = options.serverlessFile ?? DEFAULT_SERVERLESS_FILE;
  const host = options.host ?? '127.0.0.1';
  const config = await loadServerlessConfig(serverlessFile, {
    stage: options.stage ?? 'local',
    params: options.params,
    region: options.region,
  });
  const dynamo = await startStore(options, host, config);
  try {
    const limits: Partial<GatewayLimits> = { ...options.limits };
    if (options.idleTimeoutMs !== undefined) limits.idleTimeoutMs = options.idleTimeoutMs;
    if (options.maxLifetimeMs !== undefined) limits.maxLifetimeMs = options.maxLifetimeMs;
    const gateway = await startGateway({
      config,
      serverlessFile,
      host,
      port: options.port ?? 3001,
      dynamoEndpoint: dynamo.endpoint,
      localCredentials: options.dynamoEndpoint === undefined,
      limits,
      ...(options.logger ? { logger: options.logger } : {}),
      asyncWorkers: options.asyncWorkers,
      routeWorkers: options.routeWorkers,
      asyncConcurrencyPerWorker: options.asyncConcurrencyPerWorker,
      prewarmAsync: options.prewarmAsync,
      simulation: options.simulation,
      onInvoke: options.onInvoke,
    });
    return {
      wsUrl: gateway.wsUrl,
      managementUrl: gateway.managementUrl,
      dynamoEndpoint: dynamo.endpoint,
      dataDir: options.dataDir,
      asyncInvocations: gateway.asyncInvocations,
      throttledCalls: gateway.throttledCalls,
      lambdaEnvironment: gateway.lambdaEnvironment,
      async close() {
        // Gateway first: $disconnect handlers still need the store.
        await gateway.close();
        await dynamo.close();
      },
    };
  } catch (error) {
    await dynamo.close().catch(() => undefined);
    throw error;
  }
}

/** The embedded store, or the tables on an external endpoint, which close() leaves to whoever runs it. */
async function startStore(
  options: LocalStackOptions,
  host: string,
  config: ServerlessConfig,
): Promise<Pick<EmbeddedDynamo, 'endpoint' | 'close'>> {
  if (options.dynamoEndpoint === undefined) {
    return startEmbeddedDynamo({
      host,
      port: options.dynamoPort ?? 8000,
      tables: config.tables,
      region: config.region,
      dataPath: options.dataDir === undefined ? undefined : dynamoDataPath(options.dataDir),
    });
  }
  const endpoint = options.dynamoEndpoint;
  await createTables({
    endpoint,
    region: config.region,
    tables: config.tables,
    credentials: undefined,
    timeToLive: true,
    mismatch: { location: endpoint, remedy: 'delete it, or use another stage.' },
    activeTimeoutMs: EXTERNAL_ACTIVE_TIMEOUT_MS,
  });
  return { endpoint, close: async () => undefined };
}
