import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Request and reply plumbing shared by the AWS APIs the gateway port serves (@connections, Lambda Invoke).
 * Errors carry `x-amzn-ErrorType` because that header is how the AWS SDK (restJson1) picks the exception class.
 */

/** Resolves undefined when the body exceeds `limit`, without buffering the excess. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
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

/** `body` is sent as is when it is already a string (a Lambda result is JSON text), else JSON-encoded. */
export function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'x-amzn-RequestId': randomUUID(),
    ...headers,
    ...(payload ? { 'Content-Type': 'application/json' } : {}),
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, status: number, errorType: string, body: Record<string, unknown>): void {
  send(res, status, body, { 'x-amzn-ErrorType': errorType });
}
