import {
  FrameError,
  parseClientFrame,
  type ClientAction,
  type ClientFrame,
  type ErrorFrame,
} from '../../protocol/index.js';
import type { Caller, ChatService } from '../../domain/chat-service.js';
import { ChatError, ConnectionExpiredError } from '../../domain/errors.js';
import { callerOf } from './caller.js';
import { chatFor } from './deps.js';
import type { WebSocketEvent, WebSocketResult } from '../../apigw/events.js';
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

const OK: WebSocketResult = { statusCode: 200 };

/** Echo of the request in an error frame, so a client can match the error to what it sent. */
function echo(frame: { action?: string; clientMsgId?: string }): Pick<ErrorFrame, 'action' | 'clientMsgId'> {
  return {
    action: frame.action,
    clientMsgId: frame.clientMsgId,
  };
}

/**
 * Wraps one message route: parse and validate the frame, run the chat logic, and turn every failure into an
 * error frame to the caller. It always answers 200 so API Gateway never replaces our error with its generic
 * "Internal server error" frame, and the connection stays usable.
 */
export function wsHandler<A extends ClientAction>(action: A, logic: RouteLogic<A>) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const chat = chatFor(event);
    const { connectionId } = event.requestContext;
    let request: { action?: string; clientMsgId?: string } = { action };
    try {
      const frame = parseClientFrame(event.body);
      request = { action: frame.action, ...('clientMsgId' in frame ? { clientMsgId: frame.clientMsgId } : {}) };
      if (frame.action !== action)
        throw new FrameError('unknown_action', `route ${action} got action "${frame.action}"`, frame.action);
      await logic(chat, callerOf(event), frame as Extract<ClientFrame, { action: A }>, {
        receivedAt: event.requestContext.requestTimeEpoch,
      });
    } catch (error) {
      await chat.sendError(connectionId, errorFrameFor(error, request));
      // A connection the store no longer knows can never work again: closing it makes the client reconnect.
      if (error instanceof ConnectionExpiredError) await chat.closeConnection(connectionId);
    }
    return OK;
  };
}

/** Maps any failure to the contract's error frame; unknown failures are logged and reported as `internal`. */
export function errorFrameFor(error: unknown, request: { action?: string; clientMsgId?: string }): ErrorFrame {
  if (error instanceof FrameError) return error.toFrame();
  if (error instanceof ChatError && error.code !== 'internal') {
    return { type: 'error', code: error.code, message: error.message, ...echo(request) };
  }
  logger.error('route failed', { error: error as Error, action: request.action });
  return { type: 'error', code: 'internal', message: 'internal error, please retry', ...echo(request) };
}
