import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Refuses a WebSocket upgrade with a plain HTTP response, which is what a client sees when API Gateway rejects
 * $connect (authorizer 401/403, or a non-2xx $connect result): the handshake never completes.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html
 */
export function refuseUpgrade(socket: Duplex, status: number, body?: unknown): void {
  if (socket.destroyed) return;
  const payload = body === undefined ? '' : JSON.stringify(body);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`,
    'Connection: close',
    ...(payload ? ['Content-Type: application/json'] : []),
    `Content-Length: ${Buffer.byteLength(payload)}`,
    `x-amzn-RequestId: ${randomUUID()}`,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${payload}`);
  socket.once('finish', () => socket.destroy());
}

/** The bodies API Gateway uses for its own refusals; a $connect Lambda's non-2xx result gets no body. */
export const GATEWAY_ERROR_BODIES: Record<number, { message: string }> = {
  401: { message: 'Unauthorized' },
  403: { message: 'Forbidden' },
  500: { message: 'Internal server error' },
  504: { message: 'Endpoint request timed out' },
};
