import { startEmbeddedDynamo } from './embedded-dynamo.js';
import type { SimulationOptions } from './callback-simulation.js';
import { startGateway, type Gateway, type GatewayLogger } from './gateway.js';
import type { GatewayLimits } from './limits.js';
import { dynamoDataPath } from './local-data.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from './serverless-config.js';

/**
 * The whole local backend from serverless.yml: embedded DynamoDB with the declared tables, then the WebSocket
 * gateway wired to it. Used by `npm start` and by tests that need the real handlers behind a real socket.
 */
export interface LocalStackOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Gateway port, default 3001; 0 picks a free port. */
  port?: number;
  /** DynamoDB port, default 8000; 0 picks a free port. */
  dynamoPort?: number;
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
}

export interface LocalStack {
  wsUrl: string;
  managementUrl: string;
  dynamoEndpoint: string;
  /** Where the store keeps its data; undefined when in memory. */
  dataDir: string | undefined;
  asyncInvocations: Gateway['asyncInvocations'];
  throttledCalls: Gateway['throttledCalls'];
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const serverlessFile = options.serverlessFile ?? DEFAULT_SERVERLESS_FILE;
  const host = options.host ?? '127.0.0.1';
  const config = await loadServerlessConfig(serverlessFile, { stage: options.stage ?? 'local', params: options.params });
  const dynamo = await startEmbeddedDynamo({
    host,
    port: options.dynamoPort ?? 8000,
    tables: config.tables,
    region: config.region,
    dataPath: options.dataDir === undefined ? undefined : dynamoDataPath(options.dataDir),
  });
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
      limits,
      ...(options.logger ? { logger: options.logger } : {}),
      asyncWorkers: options.asyncWorkers,
      asyncConcurrencyPerWorker: options.asyncConcurrencyPerWorker,
      ...(options.prewarmAsync !== undefined ? { prewarmAsync: options.prewarmAsync } : {}),
      simulation: options.simulation,
    });
    return {
      wsUrl: gateway.wsUrl,
      managementUrl: gateway.managementUrl,
      dynamoEndpoint: dynamo.endpoint,
      dataDir: options.dataDir,
      asyncInvocations: gateway.asyncInvocations,
      throttledCalls: gateway.throttledCalls,
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
