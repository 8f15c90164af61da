import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createConnectFlow, type ConnectRequest } from './connect-flow.js';
import { ConnectionRegistry, LiveConnection } from './connection-registry.js';
import { gatewayErrorFrame, integrationFailure } from './error-frames.js';
import { disconnectEvent, messageEvent, type ApiInfo, type ConnectionInfo } from './event-builder.js';
import { watchFrameSizes } from './frame-limit.js';
import type { GatewayLogger } from './gateway-logger.js';
import { clientCloseStatus, connectRequestOf, isValidHandshake, type ListenAddress } from './handshake.js';
import { awsStyleId } from './ids.js';
import type { FunctionSpec } from './lambda-runtime.js';
import type { GatewayLimits } from './limits.js';
import { createRouteSelector, type RouteSelector } from './route-selection.js';
import type { ServerlessConfig, WebSocketRoute } from './serverless-config.js';
import { refuseUpgrade } from './upgrade-response.js';

export interface WebSocketSessionsOptions {
  config: ServerlessConfig;
  apiId: string;
  accountId: string;
  limits: GatewayLimits;
  logger: GatewayLogger;
  /** Runs a route's function (the Lambda timeout capped by the integration timeout). */
  invoke(spec: FunctionSpec, event: unknown): Promise<unknown>;
  /** Known once the server listens, which is before the first upgrade arrives. */
  address(): ListenAddress;
}

type CloseStatus = { code: number; reason: string };

/**
 * A WebSocket connection's life as API Gateway runs it: $connect during the upgrade, one route invocation per
 * message, $disconnect once it is gone. The registry it fills is what the @connections API posts to.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-overview.html
 */
export class WebSocketSessions {
  readonly registry = new ConnectionRegistry();
  private readonly wss: WebSocketServer;
  /** Subprotocol a $connect result accepted, read back by ws when it completes the handshake. */
  private readonly acceptedProtocols = new WeakMap<IncomingMessage, string>();
  private readonly runConnect: ReturnType<typeof createConnectFlow>;
  private readonly selectRoute: RouteSelector;
  private readonly disconnectRoute: WebSocketRoute | undefined;

  constructor(private readonly options: WebSocketSessionsOptions) {
    const { config, limits } = options;
    this.selectRoute = createRouteSelector(config.routeSelectionExpression, config.routes);
    this.disconnectRoute = config.routes.get('$disconnect');
    this.runConnect = createConnectFlow({
      route: config.routes.get('$connect'),
      region: config.region,
      accountId: options.accountId,
      integrationTimeoutMs: limits.integrationTimeoutMs,
      invoke: options.invoke,
    });
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: limits.maxMessageBytes,
      // API Gateway does not negotiate permessage-deflate.
      perMessageDeflate: false,
      // A client asking for a subprotocol only gets one if $connect returned it in Sec-WebSocket-Protocol, as in AWS.
      handleProtocols: (_protocols, req) => this.acceptedProtocols.get(req) ?? false,
    });
  }

  /** $connect runs during the HTTP upgrade so a refusal is an HTTP status, never an opened-then-closed socket. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { logger } = this.options;
    socket.on('error', (error) => logger.warn(`upgrade socket error: ${error.message}`));
    if (!isValidHandshake(req)) return refuseUpgrade(socket, 400, { message: 'Bad Request' });
    let clientGone = false;
    // The HTTP server allows half-open sockets, so a client that gives up only shows up as 'end'.
    const markGone = () => (clientGone = true);
    socket.once('end', markGone).once('close', markGone);

    const request: ConnectRequest = connectRequestOf(
      req,
      this.options.apiId,
      this.options.config.stage,
      this.options.address(),
    );
    const outcome = await this.runConnect(request);
    if (!outcome.accepted) {
      // A 500 is a bug in the authorizer or $connect handler: show its stack. Other refusals are expected.
      if (outcome.status >= 500) logger.error(`$connect refused ${outcome.status}: ${outcome.reason}`, outcome.error);
      else logger.info(`$connect refused ${outcome.status}: ${outcome.reason}`);
      return refuseUpgrade(socket, outcome.status, outcome.body);
    }
    if (outcome.protocol) this.acceptedProtocols.set(req, outcome.protocol);

    const { api, connection } = request;
    if (clientGone || socket.destroyed) {
      // $connect succeeded but the client left: run $disconnect so handlers can drop what $connect stored.
      socket.destroy();
      this.disconnect(api, connection, { code: 1006, reason: 'Connection Closed Abnormally' });
      return;
    }
    socket.off('end', markGone).off('close', markGone);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, socket, api, connection));
  }

  /** Closes every connection as the gateway going away would; each close runs $disconnect. */
  closeAll(): void {
    for (const connection of this.registry.all()) connection.close(1001, 'Going away');
  }

  /** For clients that never answered the close handshake by the time the gateway stops. */
  terminateAll(): void {
    for (const connection of this.registry.all()) connection.socket.terminate();
  }

  private open(ws: WebSocket, socket: Duplex, api: ApiInfo, info: ConnectionInfo): void {
    const { limits, logger } = this.options;
    const connection = new LiveConnection(info, ws, limits);
    this.registry.add(connection);
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
      this.dispatch(api, connection, (data as Buffer).toString('utf8'));
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes with 1009 itself when maxPayload is exceeded; remember it so $disconnect reports it.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        connection.closedBy ??= { code: 1009, reason: 'Message too big' };
      else logger.warn(`connection ${info.connectionId}: ${error.message}`);
    });
    ws.on('close', (code, reason) => {
      this.registry.delete(info.connectionId);
      const status = connection.closedBy ?? clientCloseStatus(code, reason.toString('utf8'));
      logger.info(`disconnected ${info.connectionId} (${status.code} ${status.reason})`);
      this.disconnect(api, info, status);
    });
  }

  /** Route results are ignored: no route responses are configured. Messages are not serialized, as in AWS. */
  private dispatch(api: ApiInfo, connection: LiveConnection, body: string): void {
    const route = this.selectRoute(body);
    if (!route) {
      connection.socket.send(gatewayErrorFrame('Forbidden', connection.connectionId, awsStyleId()));
      return;
    }
    const event = messageEvent(api, connection.info, route.routeKey, body, connection.receivedAt());
    this.options.invoke(route, event).catch((error: unknown) => {
      this.options.logger.error(`${route.routeKey} (${route.functionName}) failed`, error);
      if (connection.isOpen) {
        const failure = integrationFailure(error, this.options.limits.integrationTimeoutMs);
        connection.socket.send(
          gatewayErrorFrame(failure.message, connection.connectionId, event.requestContext.requestId),
        );
      }
    });
  }

  /** Best effort, like AWS: the connection is already gone and nothing can be reported to the client. */
  private disconnect(api: ApiInfo, info: ConnectionInfo, status: CloseStatus): void {
    const route = this.disconnectRoute;
    if (!route) return;
    this.options
      .invoke(route, disconnectEvent(api, info, status))
      .catch((error: unknown) => this.options.logger.error(`$disconnect (${route.functionName}) failed`, error));
  }
}
