import { FrameError, parseClientFrame } from '../protocol/index.js';
import { chatFor } from './lib/deps.js';
import type { WebSocketEvent, WebSocketResult } from '../apigw/events.js';
import { errorFrameFor } from './lib/error-frame.js';

/**
 * $default receives what no route matched: non-JSON, frames without an action, unknown actions. It answers
 * with the precise reason (bad_request or unknown_action) and leaves the connection open.
 */
export async function handler(event: WebSocketEvent): Promise<WebSocketResult> {
  let error: unknown;
  try {
    const frame = parseClientFrame(event.body);
    error = new FrameError('unknown_action', `action "${frame.action}" is not routed on this API`, frame.action);
  } catch (parseError) {
    error = parseError;
  }
  await chatFor(event).sendError(event.requestContext.connectionId, errorFrameFor(error, {}));
  return { statusCode: 200 };
}
