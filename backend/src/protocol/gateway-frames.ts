/**
 * API Gateway itself (not our handlers) answers on the socket when a route integration fails or times out:
 * `{"message": "Internal server error", "connectionId": ..., "requestId": ...}`. These frames are outside the
 * chat protocol, but they are the only sign that a request died, so clients and load tests recognise them
 * instead of calling them malformed. https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html
 *
 * @returns the gateway's message, or undefined when the frame is something else.
 */
export function gatewayErrorMessage(data: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const frame = value as Record<string, unknown>;
  if ('type' in frame || typeof frame.message !== 'string') return undefined;
  if (typeof frame.requestId !== 'string' && typeof frame.connectionId !== 'string') return undefined;
  return frame.message;
}
