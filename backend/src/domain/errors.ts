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

/** The sender acted on a room it has not joined. */
export class NotMemberError extends ChatError {
  constructor(public readonly room: string) {
    super(`not a member of room "${room}"`, 'not_member');
    this.name = 'NotMemberError';
  }
}

/** A frame was valid JSON and well-typed but still not acceptable (e.g. limits). */
export class BadRequestError extends ChatError {
  constructor(message: string) {
    super(message, 'bad_request');
    this.name = 'BadRequestError';
  }
}

/** The store or the management API failed in a way the client cannot fix; reported as `internal`. */
export class StoreUnavailableError extends ChatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'internal', options);
    this.name = 'StoreUnavailableError';
  }
}
