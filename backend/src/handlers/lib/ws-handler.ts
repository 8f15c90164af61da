import type { ClientAction, ClientFrame } from '../../protocol/index.js';
import type { Caller, ChatService } from '../../domain/chat-service.js';
import { ConnectionExpiredError, isCallerGone } from '../../domain/errors.js';
import { callerOf } from './caller.js';
import { chatFor } from './deps.js';
import type { WebSocketEvent, WebSocketResult } from '../../apigw/events.js';
import { errorFrameFor, OK, parseRouteFrame } from './error-frame.js';
import { logger } from './logger.js';

/** What API Gateway tells about the frame itself. */
export interface FrameContext {
  /** When API Gateway received the frame (requestContext.requestTimeEpoch): the order of a connection's frames. */
  receivedAt: number;
}

export type RouteLogic<A extends ClientAction> = (
  chat: ChatService,
  caller: Caller,
  frame: Extract<ClientFrame, { action: A }>,
  context: FrameContext,
) => Promise<void>;

/**
 * Wraps one message route: parse and validate the frame, run the chat logic, and turn every failure into an
 * error frame to the caller; the caller's own departure (isCallerGone) is no failure and gets none. It always
 * answers 200 so API Gateway never replaces our error with its generic "Internal server error" frame, and the
 * connection stays usable.
 */
export function wsHandler<A extends ClientAction>(action: A, logic: RouteLogic<A>) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const chat = chatFor(event);
    const { connectionId } = event.requestContext;
    const request: { action?: string; clientMsgId?: string } = { action };
    try {
      const frame = parseRouteFrame(action, event.body, request);
      await logic(chat, callerOf(event), frame, {
        receivedAt: event.requestContext.requestTimeEpoch,
      });
    } catch (error) {
      // The caller left while its route ran (its reply got 410): nobody to answer, and nothing went wrong.
      if (isCallerGone(error, connectionId)) {
        logger.info('caller left before its reply', { action: request.action, connectionId });
        return OK;
      }
      await chat.sendError(connectionId, errorFrameFor(error, request));
      // A connection the store no longer knows can never work again: closing it makes the client reconnect.
      if (error instanceof ConnectionExpiredError) await chat.closeConnection(connectionId);
    }
    return OK;
  };
}
