import type { WebSocketResult } from '../apigw/events.js';
import { evaluateAuthorizerResult, hasIdentity, parseIdentitySources } from './authorizer.js';
import { integrationFailure } from './error-frames.js';
import {
  authorizerEvent,
  connectEvent,
  type ApiInfo,
  type ConnectionInfo,
  type RequestParameters,
} from './event-builder.js';
import type { FunctionSpec } from './lambda-runtime.js';
import type { WebSocketRoute } from './serverless-config.js';
import { GATEWAY_ERROR_BODIES } from './upgrade-response.js';

/**
 * The $connect sequence API Gateway runs before answering the upgrade: identity sources, REQUEST authorizer,
 * then the $connect integration. The outcome is the HTTP answer; on success the authorizer context is stored on
 * the connection for every later event.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html
 */
export type ConnectOutcome =
  | { accepted: true; protocol?: string }
  | { accepted: false; status: number; body?: { message: string }; reason: string; error?: unknown };

export interface ConnectFlowOptions {
  route: WebSocketRoute | undefined;
  region: string;
  accountId: string;
  integrationTimeoutMs: number;
  invoke(spec: FunctionSpec, event: unknown): Promise<unknown>;
}

export interface ConnectRequest {
  api: ApiInfo;
  connection: ConnectionInfo;
  params: RequestParameters;
  requestId: string;
  now: number;
}

/** Validates the authorizer's identity sources up front, so a bad serverless.yml fails at startup. */
export function createConnectFlow(options: ConnectFlowOptions): (request: ConnectRequest) => Promise<ConnectOutcome> {
  const { route, invoke } = options;
  const auth = route?.authorizer;
  const identitySources = auth ? parseIdentitySources(auth.identitySource) : [];

  return async ({ api, connection, params, requestId, now }) => {
    if (auth) {
      if (!hasIdentity(identitySources, params)) {
        return {
          accepted: false,
          status: 401,
          body: GATEWAY_ERROR_BODIES[401],
          reason: `missing ${auth.identitySource.join(', ')}`,
        };
      }
      const event = authorizerEvent(
        { ...api, region: options.region, accountId: options.accountId },
        connection,
        params,
        requestId,
        now,
      );
      const started = Date.now();
      const settled = await invoke(auth, event).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      const outcome = evaluateAuthorizerResult(settled, event, Date.now() - started);
      if (!outcome.allowed) {
        const body = GATEWAY_ERROR_BODIES[outcome.status];
        return {
          accepted: false,
          status: outcome.status,
          body,
          reason: outcome.reason,
          error: settled.ok ? undefined : settled.error,
        };
      }
      connection.authorizer = outcome.context;
    }
    if (!route) return { accepted: true };

    let result: Partial<WebSocketResult> | undefined;
    try {
      result = (await invoke(route, connectEvent(api, connection, params, requestId, now))) as
        Partial<WebSocketResult> | undefined;
    } catch (error) {
      const failure = integrationFailure(error, options.integrationTimeoutMs);
      return {
        accepted: false,
        status: failure.status,
        body: GATEWAY_ERROR_BODIES[failure.status],
        reason: '$connect failed',
        error,
      };
    }
    // AWS does not document a result without statusCode; treating it as success matches common practice.
    const status = typeof result?.statusCode === 'number' ? result.statusCode : 200;
    if (status < 200 || status > 299) return { accepted: false, status, reason: `$connect returned ${status}` };
    const protocol = Object.entries(result?.headers ?? {}).find(
      ([key]) => key.toLowerCase() === 'sec-websocket-protocol',
    )?.[1];
    return protocol ? { accepted: true, protocol } : { accepted: true };
  };
}
