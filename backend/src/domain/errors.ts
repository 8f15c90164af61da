import type { ErrorCode } from '../protocol/index.js';

/** Base of every error the chat logic understands; anything else is a bug and becomes `internal`. */
export class ChatError extends Error {
  constructor(
    message: string,
    public readonly code: ErrorCode = 'internal',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ChatError';
  }
}

/** The target connection no longer exists (API Gateway answered 410 GoneException). */
export class ConnectionGoneError extends ChatError {
  constructor(
    public readonly connectionId: string,
    options?: ErrorOptions,
  ) {
    super(`Connection ${connectionId} is gone`, 'internal', options);
    this.name = 'ConnectionGoneError';
  }
}

/**
 * The caller's own connection went away while its frame was handled (API Gateway answered 410 to a post to it): a
 * normal end for a client that closed or reconnected, not a failure, as there is nobody left to answer.
 */
export function isCallerGone(error: unknown, callerConnectionId: string): boolean {
  return error instanceof ConnectionGoneError && error.connectionId === callerConnectionId;
}

/**
 * The caller's own connection is no longer known to the store (its item expired by TTL, the store was reset, or a
 * 410 cleanup removed it): the client is told `unauthorized` and the socket is closed, so it reconnects instead of
 * sending into a connection that can never work again.
 */
export class ConnectionExpiredError extends ChatError {
  constructor(public readonly connectionId: string) {
    super('connection expired', 'unauthorized');
    this.name = 'ConnectionExpiredError';
  }
}

/** The sender acted on a room it has not joined. */
export class NotMemberError extends ChatError {
  constructor(public readonly room: string) {
    super(`not a member of room "${room}"`, 'not_member');
    this.name = 'NotMemberError';
  }
}

/** The connection used up its allowance for this action; the client should slow down and retry. */
export class RateLimitedError extends ChatError {
  constructor(action: string, policy: { limit: number; windowMs: number }) {
    super(`too many ${action} frames: at most ${policy.limit} per ${policy.windowMs / 1000} s`, 'rate_limited');
    this.name = 'RateLimitedError';
  }
}

/** A frame was valid JSON and well-typed but still not acceptable (e.g. limits). */
export class BadRequestError extends ChatError {
  constructor(message: string) {
    super(message, 'bad_request');
    this.name = 'BadRequestError';
  }
}

/** Joining one more room would pass the per-connection limit; checked by the store's write, so races cannot pass it. */
export class TooManyRoomsError extends BadRequestError {
  constructor(public readonly max: number) {
    super(`a connection can be in at most ${max} rooms: leave one first`);
    this.name = 'TooManyRoomsError';
  }
}

/** The store or the management API failed in a way the client cannot fix; reported as `internal`. */
export class StoreUnavailableError extends ChatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'internal', options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * API Gateway's management API failed for a reason other than a gone connection (throttling, 403 from a
 * wrong endpoint or missing execute-api:ManageConnections, 5xx). Kept apart from ConnectionGoneError because
 * the connection may still be alive: fan-out logs it and must not delete the connection.
 */
export class GatewayError extends ChatError {
  constructor(
    public readonly connectionId: string,
    public readonly statusCode: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `Posting to connection ${connectionId} failed${statusCode ? ` (HTTP ${statusCode})` : ''}`,
      'internal',
      options,
    );
    this.name = 'GatewayError';
  }
}

/**
 * The management API refused the call for the account's rate (429 LimitExceededException /
 * TooManyRequestsException). The connection is fine and the call is worth repeating later: fan-out backs off,
 * retries and lowers its own concurrency, since every post of a big room competes for one account-wide quota.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export class ThrottledError extends GatewayError {
  constructor(connectionId: string, options?: ErrorOptions) {
    super(connectionId, 429, options);
    this.name = 'ThrottledError';
  }
}

/**
 * A server frame is over API Gateway's 128 KB WebSocket frame limit (the management API answers 413
 * PayloadTooLargeException), so it can never be delivered as is and must be made smaller by the caller.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export class PayloadTooLargeError extends ChatError {
  constructor(
    public readonly connectionId: string,
    public readonly bytes: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `Frame for connection ${connectionId} is over the 128 KB limit${bytes ? ` (${bytes} bytes)` : ''}`,
      'internal',
      options,
    );
    this.name = 'PayloadTooLargeError';
  }
}

/** A large room's fan-out job could not be handed to a worker (the Invoke call failed); it is sent inline. */
export class DispatchError extends ChatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'internal', options);
    this.name = 'DispatchError';
  }
}
