import type { IncomingMessage } from 'node:http';
import type { ConnectRequest } from './connect-flow.js';
import { requestParameters, type ConnectionInfo } from './event-builder.js';
import { awsStyleId, traceId } from './ids.js';

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/** The checks ws would make in handleUpgrade, done first so a bad handshake never reaches the authorizer. */
export function isValidHandshake(req: IncomingMessage): boolean {
  const version = req.headers['sec-websocket-version'];
  return (
    req.method === 'GET' &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    WEBSOCKET_KEY.test(req.headers['sec-websocket-key'] ?? '') &&
    (version === '13' || version === '8')
  );
}

/** A host as it goes in a URL: a wildcard bind address is reached on loopback, and IPv6 needs brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Where the gateway listens: the `domainName` when the client sent no Host, and the X-Forwarded-Port it reports. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** What API Gateway learns about a new connection from its upgrade request: the input of the $connect flow. */
export function connectRequestOf(
  req: IncomingMessage,
  apiId: string,
  stage: string,
  address: ListenAddress,
): ConnectRequest {
  const now = Date.now();
  const userAgent = req.headers['user-agent'];
  const connection: ConnectionInfo = {
    connectionId: awsStyleId(),
    connectedAt: now,
    identity: {
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      ...(userAgent ? { userAgent } : {}),
    },
  };
  const url = new URL(req.url ?? '/', 'http://localhost');
  const params = requestParameters(req.rawHeaders, url, {
    sourceIp: connection.identity.sourceIp,
    traceId: traceId(now),
    port: address.port,
  });
  const api = { apiId, stage, domainName: req.headers.host ?? `${urlHost(address.host)}:${address.port}` };
  return { api, connection, params, requestId: awsStyleId(), now };
}

/** WebSocket close reasons AWS puts in $disconnect when the client gave none. */
export function clientCloseStatus(code: number, reason: string): { code: number; reason: string } {
  if (code === 1005) return { code, reason: 'Client-side close frame status not set' };
  if (code === 1006) return { code, reason: reason || 'Connection Closed Abnormally' };
  return { code, reason };
}
