import { isValidName } from '../auth/identity.js';
import { callerOf } from './lib/caller.js';
import { chatFor } from './lib/deps.js';
import type { WebSocketEvent, WebSocketResult } from '../apigw/events.js';

/**
 * $connect runs after the authorizer allowed the handshake. A non-2xx answer refuses the upgrade, which is
 * the only way to tell a client why before the socket opens (400 for a name nobody should see).
 */
export async function handler(event: WebSocketEvent): Promise<WebSocketResult> {
  const caller = callerOf(event);
  if (!isValidName(caller.user.name)) {
    return { statusCode: 400, body: 'name must be 1..32 characters without control characters or outer spaces' };
  }
  await chatFor(event).connect(caller, event.requestContext.connectedAt);
  return { statusCode: 200 };
}
