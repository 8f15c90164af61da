import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectionRegistry } from './connection-registry.js';

/**
 * The @connections management API (PostToConnection, GetConnection, DeleteConnection), served on the gateway's
 * port like APIGW_MANAGEMENT_ENDPOINT expects. Errors carry `x-amzn-ErrorType` because that header is how the
 * AWS SDK (restJson1) picks the exception class, e.g. GoneException for a 410. SigV4 is not checked.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
const CONNECTIONS_PATH = /^(?:\/[^/]+)?\/(?:@|%40)connections\/([^/]+)\/?$/i;

export interface ManagementApiOptions {
  registry: ConnectionRegistry;
  /** Beyond this POST bodies get 413 PayloadTooLargeException (the 128 KB message quota). */
  maxPostBytes: number;
}

/** Returns false when the request is not for @connections, so the caller can serve something else. */
export function handleManagementRequest(req: IncomingMessage, res: ServerResponse, options: ManagementApiOptions): boolean {
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  const match = CONNECTIONS_PATH.exec(pathname);
  if (!match?.[1]) return false;
  let connectionId: string;
  try {
    connectionId = decodeURIComponent(match[1]);
  } catch {
    sendError(res, 400, 'BadRequestException', 'Invalid connection id');
    return true;
  }
  const { registry } = options;

  switch (req.method) {
    case 'POST':
      readBody(req, options.maxPostBytes).then(
        (body) => {
          if (body === undefined) return sendError(res, 413, 'PayloadTooLargeException', 'Request entity too large');
          const connection = registry.getOpen(connectionId);
          if (!connection) return sendGone(res);
          // PostToConnection data reaches the client as a text frame.
          connection.socket.send(body.toString('utf8'), { binary: false });
          connection.touch();
          send(res, 200);
        },
        () => sendError(res, 400, 'BadRequestException', 'Could not read the request body'),
      );
      return true;
    case 'GET': {
      const connection = registry.getOpen(connectionId);
      if (!connection) return sendGone(res), true;
      send(res, 200, {
        connectedAt: new Date(connection.connectedAt).toISOString(),
        identity: { sourceIp: connection.identity.sourceIp, userAgent: connection.identity.userAgent },
        lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
      });
      return true;
    }
    case 'DELETE': {
      const connection = registry.getOpen(connectionId);
      if (!connection) return sendGone(res), true;
      // AWS reports DeleteConnection to $disconnect as 1000 "Connection Closed Normally".
      connection.close(1000, '', 'Connection Closed Normally');
      send(res, 204);
      return true;
    }
    default:
      sendError(res, 405, 'MethodNotAllowedException', `${req.method} is not supported on @connections`);
      return true;
  }
}

/** Resolves undefined when the body exceeds `limit`, without buffering the excess. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(payload ? { 'Content-Type': 'application/json' } : {}),
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(payload);
}

function sendError(res: ServerResponse, status: number, errorType: string, message: string | null): void {
  send(res, status, { message }, { 'x-amzn-ErrorType': errorType });
}

/** Unknown and closed connections look the same: 410 GoneException. */
function sendGone(res: ServerResponse): void {
  sendError(res, 410, 'GoneException', null);
}
