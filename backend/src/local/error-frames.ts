import { LambdaTimeoutError } from './lambda-runtime.js';

/**
 * The frames API Gateway itself sends on an open connection when a message cannot be delivered to a route
 * (no matching route and no $default: "Forbidden") or the integration failed ("Internal server error",
 * "Endpoint request timed out"). The spacing mirrors what AWS sends, in case a client matches on the text.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html
 */
export type GatewayErrorMessage = 'Forbidden' | 'Internal server error' | 'Endpoint request timed out';

export function gatewayErrorFrame(message: GatewayErrorMessage, connectionId: string, requestId: string): string {
  return `{"message": ${JSON.stringify(message)}, "connectionId":${JSON.stringify(connectionId)}, "requestId":${JSON.stringify(requestId)}}`;
}

/**
 * How a failed invocation surfaces: a Lambda error (including the Lambda's own timeout) is a 500 "Internal
 * server error"; API Gateway giving up at its 29 s integration timeout is a 504 "Endpoint request timed out".
 */
export function integrationFailure(
  error: unknown,
  integrationTimeoutMs: number,
): { status: 500 | 504; message: Exclude<GatewayErrorMessage, 'Forbidden'> } {
  return error instanceof LambdaTimeoutError && error.timeoutMs >= integrationTimeoutMs
    ? { status: 504, message: 'Endpoint request timed out' }
    : { status: 500, message: 'Internal server error' };
}
