import type {
  WebSocketAuthorizerContext,
  WebSocketAuthorizerEvent,
  WebSocketEvent,
  WebSocketRequestContext,
} from '../apigw/events.js';
import { clientKeyed } from './client-keyed.js';
import { awsStyleId, requestTimeOf } from './ids.js';

/**
 * Builds the Lambda proxy events API Gateway sends for WebSocket routes, field for field, so handlers never
 * see a local-only shape.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-mapping-template-reference.html
 */
export interface ApiInfo {
  apiId: string;
  stage: string;
  /** The Host the client connected to; in AWS "{apiId}.execute-api.{region}.amazonaws.com". */
  domainName: string;
}

/** What API Gateway remembers about a connection and repeats in every event of it. */
export interface ConnectionInfo {
  connectionId: string;
  connectedAt: number;
  identity: { sourceIp: string; userAgent?: string };
  authorizer?: WebSocketAuthorizerContext;
}

/**
 * Headers and query string of the upgrade request, in the single- and multi-value forms AWS passes. The client
 * names the keys, so the maps have no prototype (see clientKeyed); the events clone them into plain objects.
 */
export interface RequestParameters {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
}

/** Headers API Gateway consumes itself and does not forward to $connect (hop-by-hop upgrade headers). */
const DROPPED_HEADERS = new Set(['connection', 'upgrade']);

/**
 * Keeps the client's header spelling (API Gateway does, e.g. "Sec-WebSocket-Key") and adds the X-Forwarded-*
 * and X-Amzn-Trace-Id headers its front end injects. Repeated headers: last value wins in `headers`.
 */
export function requestParameters(
  rawHeaders: string[],
  url: URL,
  extra: { sourceIp: string; traceId: string; port: number },
): RequestParameters {
  const headers = clientKeyed<string>();
  const multiValueHeaders = clientKeyed<string[]>();
  /** Lowercased name -> the spelling first seen, which both maps keep. */
  const spellings = new Map<string, string>();
  const add = (name: string, value: string) => {
    const key = spellings.get(name.toLowerCase()) ?? name;
    spellings.set(name.toLowerCase(), key);
    headers[key] = value;
    (multiValueHeaders[key] ??= []).push(value);
  };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (!DROPPED_HEADERS.has(name.toLowerCase())) add(name, rawHeaders[i + 1]!);
  }
  add('X-Amzn-Trace-Id', extra.traceId);
  add('X-Forwarded-For', extra.sourceIp);
  add('X-Forwarded-Port', String(extra.port));
  add('X-Forwarded-Proto', 'http');

  const params: RequestParameters = { headers, multiValueHeaders };
  const entries = [...url.searchParams.entries()];
  if (entries.length > 0) {
    const query = clientKeyed<string>();
    const multiValueQuery = clientKeyed<string[]>();
    for (const [key, value] of entries) {
      query[key] = value;
      (multiValueQuery[key] ??= []).push(value);
    }
    params.queryStringParameters = query;
    params.multiValueQueryStringParameters = multiValueQuery;
  }
  return params;
}

function requestContext(
  api: ApiInfo,
  connection: ConnectionInfo,
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
  now: number,
  requestId: string = awsStyleId(),
): WebSocketRequestContext {
  const context: WebSocketRequestContext = {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: requestTimeOf(now),
    messageDirection: 'IN',
    stage: api.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now,
    identity: { ...connection.identity },
    requestId,
    domainName: api.domainName,
    connectionId: connection.connectionId,
    apiId: api.apiId,
  };
  if (connection.authorizer) context.authorizer = { ...connection.authorizer };
  return context;
}

/** `requestId` is shared with the authorizer event: both belong to the same upgrade request. */
export function connectEvent(
  api: ApiInfo,
  connection: ConnectionInfo,
  params: RequestParameters,
  requestId: string,
  now = Date.now(),
): WebSocketEvent {
  return {
    ...structuredClone(params),
    requestContext: requestContext(api, connection, '$connect', 'CONNECT', now, requestId),
    isBase64Encoded: false,
  };
}

/** MESSAGE events carry a messageId; text frames only, as API Gateway rejects binary frames before routing. */
export function messageEvent(
  api: ApiInfo,
  connection: ConnectionInfo,
  routeKey: string,
  body: string,
  now = Date.now(),
): WebSocketEvent {
  const context = requestContext(api, connection, routeKey, 'MESSAGE', now);
  return {
    requestContext: { ...context, messageId: awsStyleId() },
    body,
    isBase64Encoded: false,
  };
}

/**
 * DISCONNECT events carry a fixed set of placeholder headers rather than the client's (observed in AWS
 * events; the mapping template reference does not list them), so handlers must not rely on headers here.
 */
export function disconnectEvent(
  api: ApiInfo,
  connection: ConnectionInfo,
  status: { code: number; reason: string },
  now = Date.now(),
): WebSocketEvent {
  const context = requestContext(api, connection, '$disconnect', 'DISCONNECT', now);
  const headers: Record<string, string> = {
    Host: api.domainName,
    'x-api-key': '',
    'X-Forwarded-For': '',
    'x-restapi': '',
  };
  return {
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: { ...context, disconnectStatusCode: status.code, disconnectReason: status.reason },
    isBase64Encoded: false,
  };
}

/**
 * REQUEST authorizer input for $connect.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
export function authorizerEvent(
  api: ApiInfo & { region: string; accountId: string },
  connection: ConnectionInfo,
  params: RequestParameters,
  requestId: string,
  now = Date.now(),
): WebSocketAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/$connect`,
    ...structuredClone(params),
    stageVariables: {},
    requestContext: requestContext(api, connection, '$connect', 'CONNECT', now, requestId),
  };
}
