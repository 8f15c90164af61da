/**
 * The Lambda event and result shapes API Gateway WebSocket APIs use. Written out (rather than taken from
 * @types/aws-lambda) because that package omits the authorizer context on MESSAGE/DISCONNECT events and the
 * disconnect status fields. Kept outside handlers/ because the local gateway (local/) builds exactly these and
 * handlers consume them: one definition for both sides.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-mapping-template-reference.html
 */
export interface WebSocketAuthorizerContext {
  principalId: string;
  userId: string;
  name: string;
  integrationLatency?: number;
  [key: string]: string | number | boolean | undefined;
}

export interface WebSocketRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  messageId?: string;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string; userAgent?: string };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  disconnectStatusCode?: number;
  disconnectReason?: string;
  authorizer?: WebSocketAuthorizerContext;
}

export interface WebSocketEvent {
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: boolean;
  /** $connect only. */
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
}

export interface WebSocketResult {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
}

/** REQUEST authorizer event for a WebSocket $connect. */
export interface WebSocketAuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  stageVariables?: Record<string, string>;
  requestContext: WebSocketRequestContext;
}

export interface AuthorizerResult {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: Array<{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }>;
  };
  /** Values must be strings, numbers or booleans; API Gateway passes them to every route as requestContext.authorizer. */
  context?: Record<string, string | number | boolean>;
}
