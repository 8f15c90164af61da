import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayLogger } from './gateway-logger.js';
import { handleInvokeRequest, type InvokeApiOptions } from './invoke-api.js';
import { handleManagementRequest, type ManagementApiOptions } from './management-api.js';
import { GATEWAY_ERROR_BODIES, refuseUpgrade } from './upgrade-response.js';

/** Serves the request and returns true, or returns false (having read nothing) so the next route can. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface HttpRoutesOptions {
  management: ManagementApiOptions;
  invoke: InvokeApiOptions;
  /** What `GET /` says: a browser pointed at the gateway learns it speaks WebSocket and where to connect. */
  greeting(): string;
  /** The WebSocket endpoint: every upgrade request, whatever its path (AWS serves /{stage}). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  logger: GatewayLogger;
}

/**
 * The gateway's one port, like the three AWS endpoints it stands in for: the WebSocket API (upgrades), the
 * @connections management API and the Lambda Invoke API. Routes are tried in order; anything else is a 404 in
 * API Gateway's shape.
 */
export function createGatewayServer(options: HttpRoutesOptions): Server {
  const routes: HttpRoute[] = [
    (req, res) => handleManagementRequest(req, res, options.management),
    (req, res) => handleInvokeRequest(req, res, options.invoke),
    (req, res) => serveGreeting(req, res, options.greeting),
  ];
  const server = createServer((req, res) => {
    if (routes.some((route) => route(req, res))) return;
    res.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'NotFoundException' });
    res.end(JSON.stringify({ message: 'Not Found' }));
  });
  // Handlers keep @connections sockets alive between posts; Node's 5 s default closes idle ones often enough
  // to race a reused socket (ECONNRESET, retried by the SDK) during fan-out bursts.
  server.keepAliveTimeout = 30_000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    options.upgrade(req, socket, head).catch((error: unknown) => {
      options.logger.error('upgrade failed', error);
      refuseUpgrade(socket, 500, GATEWAY_ERROR_BODIES[500]);
    });
  });
  return server;
}

function serveGreeting(req: IncomingMessage, res: ServerResponse, greeting: () => string): boolean {
  if (req.method !== 'GET' || !(req.url === '/' || req.url?.startsWith('/?'))) return false;
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(greeting());
  return true;
}
