import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CallbackSimulation, type SimulationOptions } from './callback-simulation.js';
import { createConnectFlow } from './connect-flow.js';
import { ConnectionRegistry, LiveConnection } from './connection-registry.js';
import { LOCAL_CREDENTIALS } from './credentials.js';
import { gatewayErrorFrame, integrationFailure } from './error-frames.js';
import { disconnectEvent, messageEvent, requestParameters, type ApiInfo, type ConnectionInfo } from './event-builder.js';
import { watchFrameSizes } from './frame-limit.js';
import { apiIdFor, awsStyleId, traceId } from './ids.js';
import { handleInvokeRequest } from './invoke-api.js';
import { LambdaRuntime, type FunctionSpec, type LambdaRuntimeOptions } from './lambda-runtime.js';
import { AWS_LIMITS, type GatewayLimits } from './limits.js';
import { handleManagementRequest, type ManagementStats } from './management-api.js';
import { createRouteSelector } from './route-selection.js';
import type { ServerlessConfig } from './serverless-config.js';
import { GATEWAY_ERROR_BODIES, refuseUpgrade } from './upgrade-response.js';
import { WorkerPool } from './worker-pool.js';

/** Where the gateway reports connections, refusals and handler failures; tests pass a silent one. */
export interface GatewayLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

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
  /**
   * Start the worker threads and load the functions that only the Invoke API reaches (no route, not an
   * authorizer: the fan-out worker) before serving, like provisioned concurrency. Default false: tests start cold.
   */
  prewarmAsync?: boolean;
  /** AWS-like @connections latency and throttling; off by default. */
  simulation?: SimulationOptions;
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
  /** @connections POSTs served so far, and how many of them answered 410 (a copy). */
  managementCalls(): ManagementStats;
  /** Closes every connection with 1001 (running $disconnect), waits (bounded) for running invocations, then stops. */
  close(): Promise<void>;
}

export const consoleLogger: GatewayLogger = {
  info: (message) => console.log(`[gateway] ${message}`),
  warn: (message) => console.warn(`[gateway] ${message}`),
  error: (message, error) => console.error(`[gateway] ${message}`, error ?? ''),
};

/** WebSocket close reasons AWS puts in $disconnect when the client gave none. */
function clientCloseStatus(code: number, reason: string): { code: number; reason: string } {
  if (code === 1005) return { code, reason: 'Client-side close frame status not set' };
  if (code === 1006) return { code, reason: reason || 'Connection Closed Abnormally' };
  return { code, reason };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/** The checks ws would make in handleUpgrade, done first so a bad handshake never reaches the authorizer. */
function isValidHandshake(req: IncomingMessage): boolean {
  const version = req.headers['sec-websocket-version'];
  return (
    req.method === 'GET' &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    WEBSOCKET_KEY.test(req.headers['sec-websocket-key'] ?? '') &&
    (version === '13' || version === '8')
  );
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
  const apiId = apiIdFor(config.service, config.stage);
  const runtimeOptions: LambdaRuntimeOptions = {
    serverlessFile: options.serverlessFile,
    service: config.service,
    stage: config.stage,
    region: config.region,
    accountId,
    memorySize: config.lambda.memorySize,
    timeoutSeconds: config.lambda.timeoutSeconds,
  };
  const runtime = new LambdaRuntime(runtimeOptions);
  /**
   * Functions reached through the Invoke API get slots of their own, as on AWS where they run in their own
   * containers: a route waiting on a RequestResponse Invoke would otherwise hold the slot the invoked function
   * needs, and enough such routes at once would all time out.
   */
  const invokedRuntime = new LambdaRuntime(runtimeOptions);
  const asyncWorkers = options.asyncWorkers ?? availableParallelism();
  const concurrencyPerWorker = options.asyncConcurrencyPerWorker ?? 4;
  // A pool of 0 slots (or a fraction) would accept Event invocations and never run them.
  requireInteger('asyncWorkers', asyncWorkers, 0);
  requireInteger('asyncConcurrencyPerWorker', concurrencyPerWorker, 1);
  /** Its threads start on the first Event invocation, after exportLambdaEnvironment, so they copy the Lambda environment. */
  const pool =
    asyncWorkers > 0
      ? new WorkerPool({
          size: asyncWorkers,
          init: { runtime: runtimeOptions, concurrency: concurrencyPerWorker },
          onLog: (message, error) => logger.error(`invocation worker: ${message}`, error),
        })
      : undefined;
  const simulation = options.simulation ? new CallbackSimulation(options.simulation) : undefined;
  const managementStats: ManagementStats = { posts: 0, gonePosts: 0 };
  const selectRoute = createRouteSelector(config.routeSelectionExpression, config.routes);
  const disconnectRoute = config.routes.get('$disconnect');
  const registry = new ConnectionRegistry();
  const pending = new Set<Promise<unknown>>();
  /** Subprotocol a $connect result accepted, read back by ws when it completes the handshake. */
  const acceptedProtocols = new WeakMap<IncomingMessage, string>();
  const failureOf = (error: unknown) => integrationFailure(error, limits.integrationTimeoutMs);

  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise)).catch(() => undefined);
    return promise;
  };
  /** Route invocations: the Lambda timeout, capped by API Gateway's integration timeout. */
  const invoke = (spec: FunctionSpec, event: unknown) => {
    const timeoutMs = Math.min((spec.timeoutSeconds ?? config.lambda.timeoutSeconds) * 1000, limits.integrationTimeoutMs);
    return track(runtime.invoke(spec, event, { timeoutMs }));
  };

  /**
   * An Event invocation: nobody waits for it, so failures only reach the log. AWS would retry a failed one up
   * to MaximumRetryAttempts times; this project declares 0, and the local runtime never retries.
   */
  const invokeAsync = (spec: FunctionSpec, event: unknown, requestId: string): void => {
    const run = pool ? pool.run(spec, event, requestId) : invokedRuntime.invoke(spec, event, { requestId });
    // One line per finished invocation, like the END line Lambda writes to CloudWatch: the only trace of it locally.
    track(run).then(
      () => logger.info(`async invocation of ${spec.functionName} (${requestId}) done`),
      (error: unknown) => logger.error(`async invocation of ${spec.functionName} (${requestId}) failed`, error),
    );
  };
  const runConnect = createConnectFlow({
    route: config.routes.get('$connect'),
    region: config.region,
    accountId,
    integrationTimeoutMs: limits.integrationTimeoutMs,
    invoke,
  });

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: limits.maxMessageBytes,
    // API Gateway does not negotiate permessage-deflate.
    perMessageDeflate: false,
    // A client asking for a subprotocol only gets one if $connect returned it in Sec-WebSocket-Protocol, as in AWS.
    handleProtocols: (_protocols, req) => acceptedProtocols.get(req) ?? false,
  });

  const server: Server = createServer((req, res) => {
    if (handleManagementRequest(req, res, { registry, maxPostBytes: limits.maxPostBytes, simulation, stats: managementStats })) return;
    if (
      handleInvokeRequest(req, res, {
        functions: config.functions,
        service: config.service,
        stage: config.stage,
        region: config.region,
        accountId,
        limits,
        invokeSync: (spec, event, requestId) => track(invokedRuntime.invoke(spec, event, { requestId })),
        invokeAsync,
      })
    ) {
      return;
    }
    if (req.method === 'GET' && (req.url === '/' || req.url?.startsWith('/?'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Local API Gateway WebSocket API (${config.service}, stage ${config.stage}).\nConnect with a WebSocket client to ${wsUrl}/?name=alice\n`);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'NotFoundException' });
    res.end(JSON.stringify({ message: 'Not Found' }));
  });
  // Handlers keep @connections sockets alive between posts; Node's 5 s default closes idle ones often enough
  // to race a reused socket (ECONNRESET, retried by the SDK) during fan-out bursts.
  server.keepAliveTimeout = 30_000;

  /** $connect runs during the HTTP upgrade so a refusal is an HTTP status, never an opened-then-closed socket. */
  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', (error) => logger.warn(`upgrade socket error: ${error.message}`));
    if (!isValidHandshake(req)) return refuseUpgrade(socket, 400, { message: 'Bad Request' });
    let clientGone = false;
    // The HTTP server allows half-open sockets, so a client that gives up only shows up as 'end'.
    const markGone = () => (clientGone = true);
    socket.once('end', markGone).once('close', markGone);

    const now = Date.now();
    const api: ApiInfo = { apiId, stage: config.stage, domainName: req.headers.host ?? `${urlHost(host)}:${port}` };
    const userAgent = req.headers['user-agent'];
    const connection: ConnectionInfo = {
      connectionId: awsStyleId(),
      connectedAt: now,
      identity: { sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''), ...(userAgent ? { userAgent } : {}) },
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = requestParameters(req.rawHeaders, url, {
      sourceIp: connection.identity.sourceIp,
      traceId: traceId(now),
      port,
    });

    const outcome = await runConnect({ api, connection, params, requestId: awsStyleId(), now });
    if (!outcome.accepted) {
      // A 500 is a bug in the authorizer or $connect handler: show its stack. Other refusals are expected.
      if (outcome.status >= 500) logger.error(`$connect refused ${outcome.status}: ${outcome.reason}`, outcome.error);
      else logger.info(`$connect refused ${outcome.status}: ${outcome.reason}`);
      return refuseUpgrade(socket, outcome.status, outcome.body);
    }
    if (outcome.protocol) acceptedProtocols.set(req, outcome.protocol);

    if (clientGone || socket.destroyed) {
      // $connect succeeded but the client left: run $disconnect so handlers can drop what $connect stored.
      socket.destroy();
      runDisconnect(api, connection, { code: 1006, reason: 'Connection Closed Abnormally' });
      return;
    }
    socket.off('end', markGone).off('close', markGone);
    wss.handleUpgrade(req, socket, head, (ws) => onOpen(ws, socket, api, connection));
  }

  function onOpen(ws: WebSocket, socket: Duplex, api: ApiInfo, info: ConnectionInfo): void {
    const connection = new LiveConnection(info, ws, limits);
    registry.add(connection);
    watchFrameSizes(socket, limits.maxFrameBytes, () => connection.close(1009, 'Message too big'));
    logger.info(`connected ${info.connectionId}${info.authorizer ? ` (${info.authorizer.principalId})` : ''}`);

    ws.on('message', (data, isBinary) => {
      // Frames still arriving after the gateway decided to close (e.g. the oversized one) are dropped.
      if (!connection.isOpen) return;
      connection.touch();
      if (isBinary) {
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-binary-media-types.html
        connection.close(1003, 'Binary frames are not supported');
        return;
      }
      onMessage(api, connection, (data as Buffer).toString('utf8'));
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes with 1009 itself when maxPayload is exceeded; remember it so $disconnect reports it.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') connection.closedBy ??= { code: 1009, reason: 'Message too big' };
      else logger.warn(`connection ${info.connectionId}: ${error.message}`);
    });
    ws.on('close', (code, reason) => {
      registry.delete(info.connectionId);
      const status = connection.closedBy ?? clientCloseStatus(code, reason.toString('utf8'));
      logger.info(`disconnected ${info.connectionId} (${status.code} ${status.reason})`);
      runDisconnect(api, info, status);
    });
  }

  function onMessage(api: ApiInfo, connection: LiveConnection, body: string): void {
    const route = selectRoute(body);
    if (!route) {
      connection.socket.send(gatewayErrorFrame('Forbidden', connection.connectionId, awsStyleId()));
      return;
    }
    const event = messageEvent(api, connection.info, route.routeKey, body, connection.receivedAt());
    // Route results are ignored: no route responses are configured. Messages are not serialized, as in AWS.
    invoke(route, event).catch((error: unknown) => {
      logger.error(`${route.routeKey} (${route.functionName}) failed`, error);
      if (connection.isOpen) {
        const frame = gatewayErrorFrame(failureOf(error).message, connection.connectionId, event.requestContext.requestId);
        connection.socket.send(frame);
      }
    });
  }

  /** Best effort, like AWS: the connection is already gone and nothing can be reported to the client. */
  function runDisconnect(api: ApiInfo, info: ConnectionInfo, status: { code: number; reason: string }): void {
    if (!disconnectRoute) return;
    invoke(disconnectRoute, disconnectEvent(api, info, status)).catch((error: unknown) =>
      logger.error(`$disconnect (${disconnectRoute.functionName}) failed`, error),
    );
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((error: unknown) => {
      logger.error('upgrade failed', error);
      refuseUpgrade(socket, 500, GATEWAY_ERROR_BODIES[500]);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3001, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const wsUrl = `ws://${urlHost(host)}:${port}`;
  const managementUrl = `http://${urlHost(host)}:${port}`;
  exportLambdaEnvironment(config, { managementUrl, dynamoEndpoint: options.dynamoEndpoint }, options.localCredentials ?? true);

  const gateway: Gateway = {
    port,
    wsUrl,
    managementUrl,
    asyncInvocations: { workers: asyncWorkers, concurrencyPerWorker },
    throttledCalls: () => simulation?.throttled ?? 0,
    managementCalls: () => ({ ...managementStats }),
    async close() {
      for (const connection of registry.all()) connection.close(1001, 'Going away');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Let $disconnect handlers finish (bounded) before the store they write to goes away.
      const deadline = Date.now() + 5_000;
      while ((pending.size > 0 || registry.size > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const connection of registry.all()) connection.socket.terminate();
      server.closeAllConnections();
      await pool?.close();
      await closed;
    },
  };
  if (pool && options.prewarmAsync) {
    try {
      await pool.prewarm(invokeOnlyFunctions(config));
    } catch (error) {
      // The caller gets no Gateway to close: stop the listening port and the threads started so far here.
      await gateway.close();
      throw error;
    }
  }
  return gateway;
}

function requireInteger(option: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${option} must be an integer >= ${min}, got ${value}`);
}

/**
 * What Lambda would see: provider.environment plus the local endpoint overrides config.ts reads. Handlers read
 * it at import, so this runs before the first handler import. NODE_OPTIONS is Lambda runtime configuration and
 * would leak into child processes here, so it is skipped.
 */
function exportLambdaEnvironment(
  config: ServerlessConfig,
  endpoints: { managementUrl: string; dynamoEndpoint: string | undefined },
  localCredentials: boolean,
): void {
  for (const [key, value] of Object.entries(config.environment)) {
    if (key !== 'NODE_OPTIONS') process.env[key] = value;
  }
  if (endpoints.dynamoEndpoint) process.env.DYNAMODB_ENDPOINT = endpoints.dynamoEndpoint;
  process.env.APIGW_MANAGEMENT_ENDPOINT = endpoints.managementUrl;
  process.env.LAMBDA_ENDPOINT = endpoints.managementUrl;
  process.env.AWS_REGION ??= config.region;
  // Every local "Lambda" shares this event loop; under load it delays socket events by seconds (see config.ts).
  process.env.SDK_CONNECT_TIMEOUT_MS ??= '3000';
  process.env.SDK_REQUEST_TIMEOUT_MS ??= '7500';
  if (localCredentials) {
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
  }
}

/** Functions no route or authorizer uses: only the Lambda Invoke API reaches them (the large-room fan-out worker). */
function invokeOnlyFunctions(config: ServerlessConfig): FunctionSpec[] {
  const used = new Set<string>();
  for (const route of config.routes.values()) {
    used.add(route.functionName);
    if (route.authorizer) used.add(route.authorizer.functionName);
  }
  return [...config.functions.values()]
    .filter((fn) => !used.has(fn.functionName))
    .map((fn) => ({ functionName: fn.functionName, handler: fn.handler, timeoutSeconds: fn.timeoutSeconds, memorySize: fn.memorySize }));
}
