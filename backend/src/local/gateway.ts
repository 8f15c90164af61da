import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackSimulation, type SimulationOptions } from './callback-simulation.js';
import { consoleLogger, type GatewayLogger } from './gateway-logger.js';
import { urlHost } from './handshake.js';
import { createGatewayServer } from './http-routes.js';
import { apiIdFor } from './ids.js';
import { Invocations } from './invocations.js';
import { exportLambdaEnvironment } from './lambda-environment.js';
import { AWS_LIMITS, type GatewayLimits } from './limits.js';
import type { InvokeApiOptions } from './invoke-api.js';
import type { ManagementStats } from './management-api.js';
import type { ServerlessConfig } from './serverless-config.js';
import { WebSocketSessions } from './ws-session.js';

export { consoleLogger, type GatewayLogger };

export interface GatewayOptions {
  config: ServerlessConfig;
  serverlessFile: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3001; 0 picks a free port. */
  port?: number;
  /** Exported as DYNAMODB_ENDPOINT for the handlers. */
  dynamoEndpoint?: string;
  /**
   * Give the handlers LOCAL_CREDENTIALS (as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, unless already set). Default
   * true. False for a DynamoDB endpoint that checks signatures (AWS itself): the handlers' SDK then uses its
   * default credential chain, as it does in Lambda.
   */
  localCredentials?: boolean;
  limits?: Partial<GatewayLimits>;
  accountId?: string;
  logger?: GatewayLogger;
  /**
   * Worker threads for asynchronous (Event) Lambda invocations, each like a separate Lambda container with its
   * own CPU and module state. Default os.availableParallelism(); 0 runs them in-process like routes.
   */
  asyncWorkers?: number;
  /** Event invocations one worker thread runs at once, so I/O-bound fan-out overlaps. Default 4; at least 1. */
  asyncConcurrencyPerWorker?: number;
  /** Worker threads for route invocations; default 0 runs them on the gateway's thread (see Invocations). */
  routeWorkers?: number;
  /**
   * Start the worker threads and load the functions that only the Invoke API reaches (no route, not an
   * authorizer: the fan-out worker) before serving, like provisioned concurrency. Default false: tests start cold.
   */
  prewarmAsync?: boolean;
  /** AWS-like @connections latency and throttling; off by default. */
  simulation?: SimulationOptions;
  /**
   * Sees each event the WebSocket side invokes a function with (authorizer, $connect, routes, $disconnect) before it
   * runs: a tool can replay the AWS-shaped events elsewhere (load-tests' bundle-init runs bundles with them).
   */
  onInvoke?: (functionName: string, event: unknown) => void;
}

export interface Gateway {
  port: number;
  /** ws://host:port (no stage path locally). */
  wsUrl: string;
  /** http://host:port, the APIGW_MANAGEMENT_ENDPOINT and LAMBDA_ENDPOINT the handlers use. */
  managementUrl: string;
  /** Where Event invocations run: `workers` threads (0 = in-process), each running up to `concurrencyPerWorker`. */
  asyncInvocations: { workers: number; concurrencyPerWorker: number };
  /** @connections calls the simulated quota answered with 429 so far (0 without simulation). */
  throttledCalls(): number;
  /** The environment the functions run with (also exported into process.env): a tool running them elsewhere uses it. */
  lambdaEnvironment: Readonly<Record<string, string>>;
  /** @connections POSTs served so far, and how many of them answered 410 (a copy). */
  managementCalls(): ManagementStats;
  /** Closes every connection with 1001 (running $disconnect), waits (bounded) for running invocations, then stops. */
  close(): Promise<void>;
}

/**
 * A local stand-in for an API Gateway WebSocket API: one port serves the WebSocket endpoint, the
 * @connections management API and the Lambda Invoke API, and routes run the serverless.yml handlers in-process
 * with AWS-shaped events (asynchronous Lambda invocations run in worker threads).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-overview.html
 *
 * Also exports the Lambda environment into process.env. Handlers (and the modules they
 * import) are loaded once per process, so run one gateway per process when handlers read the environment at
 * import time: a second gateway's handlers would keep the first one's endpoints.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const host = options.host ?? '127.0.0.1';
  const limits: GatewayLimits = { ...AWS_LIMITS, ...options.limits };
  const logger = options.logger ?? consoleLogger;
  const accountId = options.accountId ?? '123456789012';
  const invocations = new Invocations({
    config,
    serverlessFile: options.serverlessFile,
    accountId,
    integrationTimeoutMs: limits.integrationTimeoutMs,
    asyncWorkers: options.asyncWorkers,
    concurrencyPerWorker: options.asyncConcurrencyPerWorker,
    routeWorkers: options.routeWorkers,
    log: logger,
  });
  const simulation = options.simulation ? new CallbackSimulation(options.simulation) : undefined;
  const managementStats: ManagementStats = { posts: 0, gonePosts: 0 };
  /** Set once listening, before any request can arrive (0 picks a free port). */
  let port = 0;
  const urlOf = (scheme: 'ws' | 'http') => `${scheme}://${urlHost(host)}:${port}`;
  const sessions = new WebSocketSessions({
    config,
    apiId: apiIdFor(config.service, config.stage),
    accountId,
    limits,
    logger,
    invoke: (spec, event) => {
      options.onInvoke?.(spec.functionName, event);
      return invocations.invokeRoute(spec, event);
    },
    address: () => ({ host, port }),
  });
  const server = createGatewayServer({
    management: { registry: sessions.registry, maxPostBytes: limits.maxPostBytes, simulation, stats: managementStats },
    invoke: invokeApiOptions(config, accountId, limits, invocations),
    greeting: () =>
      `Local API Gateway WebSocket API (${config.service}, stage ${config.stage}).\nConnect with a WebSocket client to ${urlOf('ws')}/?name=alice\n`,
    upgrade: (req, socket, head) => sessions.upgrade(req, socket, head),
    logger,
  });

  port = await listen(server, options.port ?? 3001, host);
  const managementUrl = urlOf('http');
  const lambdaEnvironment = exportLambdaEnvironment(
    config,
    { managementUrl, dynamoEndpoint: options.dynamoEndpoint },
    options.localCredentials ?? true,
  );

  const gateway: Gateway = {
    port,
    wsUrl: urlOf('ws'),
    managementUrl,
    asyncInvocations: invocations.asyncInvocations,
    throttledCalls: () => simulation?.throttled ?? 0,
    lambdaEnvironment,
    managementCalls: () => ({ ...managementStats }),
    close: () => stop(server, sessions, invocations),
  };
  if (options.prewarmAsync) {
    try {
      await invocations.prewarm();
    } catch (error) {
      // The caller gets no Gateway to close: stop the listening port and the threads started so far here.
      await gateway.close();
      throw error;
    }
  }
  return gateway;
}

/** The Invoke API serves every serverless.yml function by its deployed name or its key. */
function invokeApiOptions(
  config: ServerlessConfig,
  accountId: string,
  limits: GatewayLimits,
  invocations: Invocations,
): InvokeApiOptions {
  const { functions, service, stage, region } = config;
  return {
    functions,
    service,
    stage,
    region,
    accountId,
    limits,
    invokeSync: (spec, event, requestId) => invocations.invokeSync(spec, event, requestId),
    invokeAsync: (spec, event, requestId) => invocations.invokeAsync(spec, event, requestId),
  };
}

/** Resolves the port bound, which differs from the one asked for when that is 0. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes every connection with 1001 (running $disconnect), waits (bounded) for running invocations, then stops. */
async function stop(server: Server, sessions: WebSocketSessions, invocations: Invocations): Promise<void> {
  sessions.closeAll();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Let $disconnect handlers finish (bounded) before the store they write to goes away.
  const deadline = Date.now() + 5_000;
  while ((invocations.running > 0 || sessions.registry.size > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  sessions.terminateAll();
  server.closeAllConnections();
  await invocations.close();
  await closed;
}
