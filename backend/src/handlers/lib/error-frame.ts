import { ChatError } from '../../domain/errors.js';
import {
  FrameError,
  parseClientFrame,
  type ClientAction,
  type ClientFrame,
  type ErrorFrame,
} from '../../protocol/index.js';
import type { WebSocketResult } from '../../apigw/events.js';
import { logger } from './logger.js';

/** Echo of the request in an error frame, so a client can match the error to what it sent. */
function echo(frame: { action?: string; clientMsgId?: string }): Pick<ErrorFrame, 'action' | 'clientMsgId'> {
  return {
    action: frame.action,
    clientMsgId: frame.clientMsgId,
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

/** Every message route answers 200, so API Gateway never replaces our error frame with its generic one. */
export const OK: WebSocketResult = { statusCode: 200 };

/**
 * Parses a route's frame and checks it is the route's action. `request` is filled in as soon as the frame's action
 * and clientMsgId are known, so an error frame can echo them.
 */
export function parseRouteFrame<A extends ClientAction>(
  action: A,
  body: string | undefined,
  request: { action?: string; clientMsgId?: string },
): Extract<ClientFrame, { action: A }> {
  const frame = parseClientFrame(body);
  request.action = frame.action;
  if ('clientMsgId' in frame) request.clientMsgId = frame.clientMsgId;
  if (frame.action !== action)
    throw new FrameError('unknown_action', `route ${action} got action "${frame.action}"`, frame.action);
  return frame as Extract<ClientFrame, { action: A }>;
}
