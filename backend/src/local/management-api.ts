import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallbackSimulation } from './callback-simulation.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { readBody, send, sendError } from './http-replies.js';

/**
 * The @connections management API (PostToConnection, GetConnection, DeleteConnection), served on the gateway's
 * port like APIGW_MANAGEMENT_ENDPOINT expects. Errors carry `x-amzn-ErrorType`, e.g. GoneException for a 410.
 * SigV4 is not checked.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
const CONNECTIONS_PATH = /^(?:\/[^/]+)?\/(?:@|%40)connections\/([^/]+)\/?$/i;

export interface ManagementApiOptions {
  registry: ConnectionRegistry;
  /** Beyond this POST bodies get 413 PayloadTooLargeException (the 128 KB message quota). */
  maxPostBytes: number;
  /** AWS-like latency and throttling; none when undefined. */
  simulation?: CallbackSimulation;
  /** Counted for tests and benchmarks: what the stack asked of API Gateway. */
  stats?: ManagementStats;
}

/** Calls answered so far: every POST, and those of them answered 410 (a post to a connection already gone). */
export interface ManagementStats {
  posts: number;
  gonePosts: number;
}

/** Returns false when the request is not for @connections, so the caller can serve something else. */
export function handleManagementRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: ManagementApiOptions,
): boolean {
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  const match = CONNECTIONS_PATH.exec(pathname);
  if (!match?.[1]) return false;
  let connectionId: string;
  try {
    connectionId = decodeURIComponent(match[1]);
  } catch {
    sendError(res, 400, 'BadRequestException', { message: 'Invalid connection id' });
    return true;
  }
  const { simulation } = options;
  if (simulation && !simulation.admit()) {
    // Throttled calls are refused at the front door, before the simulated latency.
    req.resume();
    sendError(res, 429, 'LimitExceededException', { message: 'Rate exceeded' });
    return true;
  }
  const latencyMs = simulation?.latencyMs() ?? 0;
  const acted =
    latencyMs > 0
      ? sleep(latencyMs).then(() => act(req, res, connectionId, options))
      : act(req, res, connectionId, options);
  acted.catch(() => {
    if (!res.headersSent) sendError(res, 400, 'BadRequestException', { message: 'Could not read the request body' });
  });
  return true;
}

/** Looks the connection up only now, after any simulated latency, as a delayed call on AWS would. */
async function act(
  req: IncomingMessage,
  res: ServerResponse,
  connectionId: string,
  options: ManagementApiOptions,
): Promise<void> {
  const { registry } = options;
  switch (req.method) {
    case 'POST': {
      const body = await readBody(req, options.maxPostBytes);
      if (body === undefined)
        return sendError(res, 413, 'PayloadTooLargeException', { message: 'Request entity too large' });
      const connection = registry.getOpen(connectionId);
      if (options.stats) options.stats.posts += 1;
      if (!connection) {
        if (options.stats) options.stats.gonePosts += 1;
        return sendGone(res);
      }
      // PostToConnection data reaches the client as a text frame.
      connection.socket.send(body.toString('utf8'), { binary: false });
      connection.touch();
      return send(res, 200);
    }
    case 'GET': {
      const connection = registry.getOpen(connectionId);
      if (!connection) return sendGone(res);
      return send(res, 200, {
        connectedAt: new Date(connection.connectedAt).toISOString(),
        identity: { sourceIp: connection.identity.sourceIp, userAgent: connection.identity.userAgent },
        lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
      });
    }
    case 'DELETE': {
      const connection = registry.getOpen(connectionId);
      if (!connection) return sendGone(res);
      // AWS reports DeleteConnection to $disconnect as 1000 "Connection Closed Normally".
      connection.close(1000, '', 'Connection Closed Normally');
      return send(res, 204);
    }
    default:
      req.resume();
      return sendError(res, 405, 'MethodNotAllowedException', {
        message: `${req.method} is not supported on @connections`,
      });
  }
}

/** Unknown and closed connections look the same: 410 GoneException. */
function sendGone(res: ServerResponse): void {
  sendError(res, 410, 'GoneException', { message: null });
}
