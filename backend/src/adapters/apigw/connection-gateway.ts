import {
  DeleteConnectionCommand,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  ChatError,
  ConnectionGoneError,
  GatewayError,
  PayloadTooLargeError,
  ThrottledError,
} from '../../domain/errors.js';
import type { ConnectionGateway } from '../../domain/ports.js';
import { MAX_FRAME_BYTES, type ServerFrame } from '../../protocol/index.js';
import { encoded } from './frame-encoding.js';

interface SdkErrorShape {
  name?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape).$metadata?.httpStatusCode : undefined;

const nameOf = (error: unknown): unknown => (error instanceof Error ? error.name : undefined);

/**
 * SDK v3 reports a closed connection as GoneException with $metadata.httpStatusCode 410; `error.statusCode`
 * (SDK v2) is undefined, which is the classic porting bug. Checked by class, name and status so a duplicated
 * SDK copy or a local gateway that only sends the status still counts.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
export function isGone(error: unknown): boolean {
  return error instanceof GoneException || nameOf(error) === 'GoneException' || statusOf(error) === 410;
}

/**
 * The account's @connections rate is used up: 429 LimitExceededException (TooManyRequestsException in some
 * SDK and service versions).
 */
export function isThrottled(error: unknown): boolean {
  const name = nameOf(error);
  return (
    error instanceof LimitExceededException ||
    name === 'LimitExceededException' ||
    name === 'TooManyRequestsException' ||
    statusOf(error) === 429
  );
}

/** The typed error for a failed @connections call, from an SDK exception or anything shaped like one. */
export function toGatewayError(connectionId: string, error: unknown): ChatError {
  if (isGone(error)) return new ConnectionGoneError(connectionId, { cause: error });
  if (isThrottled(error)) return new ThrottledError(connectionId, { cause: error });
  if (
    error instanceof PayloadTooLargeException ||
    nameOf(error) === 'PayloadTooLargeException' ||
    statusOf(error) === 413
  ) {
    return new PayloadTooLargeError(connectionId, undefined, { cause: error });
  }
  return new GatewayError(connectionId, statusOf(error), { cause: error });
}

/**
 * ConnectionGateway over API Gateway's @connections management API (in AWS and, through an endpoint
 * override, the local gateway). Failures become ConnectionGoneError, PayloadTooLargeError or GatewayError,
 * so fan-out can tell "delete this connection" from "log and move on".
 */
export class ApiGatewayConnectionGateway implements ConnectionGateway {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  /** Oversized frames are refused before the call: API Gateway would answer 413 after a full upload. */
  async post(connectionId: string, frame: ServerFrame): Promise<void> {
    const { data } = encoded(frame);
    if (data.byteLength > MAX_FRAME_BYTES) throw new PayloadTooLargeError(connectionId, data.byteLength);
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
    } catch (error) {
      throw toGatewayError(connectionId, error);
    }
  }

  /** Idempotent: a connection that is already gone (410) is as closed as it gets. */
  async close(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (isGone(error)) return;
      throw toGatewayError(connectionId, error);
    }
  }
}
