import { callerOf } from './lib/caller.js';
import { chatFor } from './lib/deps.js';
import type { WebSocketEvent, WebSocketResult } from '../apigw/events.js';
import { logger } from './lib/logger.js';

/**
 * $disconnect is best effort in API Gateway (it can be skipped); TTLs on every item and the 410 cleanup in
 * fan-out are the safety nets. Here we remove the connection's items by key and tell its rooms.
 */
export async function handler(event: WebSocketEvent): Promise<WebSocketResult> {
  const { disconnectStatusCode, disconnectReason, connectionId } = event.requestContext;
  logger.info('disconnect', { connectionId, disconnectStatusCode, disconnectReason });
  await chatFor(event).disconnect(callerOf(event));
  return { statusCode: 200 };
}
