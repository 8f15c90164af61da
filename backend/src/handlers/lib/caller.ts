import type { Caller } from '../../domain/chat-service.js';
import type { WebSocketEvent } from '../../apigw/events.js';

/**
 * The identity the $connect authorizer attached to this connection. API Gateway repeats the authorizer
 * context on every later event of the connection, so no lookup is needed and the frame cannot spoof it.
 */
export function callerOf(event: WebSocketEvent): Caller {
  const { connectionId, authorizer } = event.requestContext;
  const userId = authorizer?.userId;
  const name = authorizer?.name;
  if (typeof userId !== 'string' || typeof name !== 'string' || userId === '' || name === '') {
    throw new Error('requestContext.authorizer lacks userId/name: is the $connect authorizer configured?');
  }
  return { connectionId, user: { userId, name } };
}
