import type { AuthorizerResult, WebSocketAuthorizerContext, WebSocketAuthorizerEvent } from '../apigw/events.js';
import type { RequestParameters } from './event-builder.js';

/**
 * The $connect REQUEST authorizer semantics of API Gateway: identity sources checked before the Lambda runs,
 * the returned IAM policy evaluated against the method ARN, and the outcome mapped to the HTTP status the client
 * sees. https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
export type AuthorizeOutcome =
  { allowed: true; context: WebSocketAuthorizerContext } | { allowed: false; status: 401 | 403 | 500; reason: string };

const IDENTITY_SOURCE = /^(?:route\.request|\$request)\.(querystring|header)\.(.+)$/;

/** Throws at startup for identity sources the local gateway cannot evaluate (stage variables, context). */
export function parseIdentitySources(sources: string[]): Array<{ kind: 'querystring' | 'header'; name: string }> {
  return sources.map((source) => {
    const match = IDENTITY_SOURCE.exec(source.trim());
    if (!match?.[1] || !match[2]) throw new Error(`Identity source "${source}" is not supported locally`);
    return { kind: match[1] as 'querystring' | 'header', name: match[2] };
  });
}

/**
 * API Gateway answers 401 without invoking the authorizer when any identity source is missing or empty.
 * Header names compare case-insensitively, query string names exactly.
 */
export function hasIdentity(sources: ReturnType<typeof parseIdentitySources>, params: RequestParameters): boolean {
  return sources.every(({ kind, name }) => {
    let value: string | undefined;
    if (kind === 'querystring') {
      // Own keys only: a source named like an Object.prototype member ("constructor") must not find the prototype's.
      const query = params.queryStringParameters;
      value = query && Object.hasOwn(query, name) ? query[name] : undefined;
    } else {
      const key = Object.keys(params.headers).find((k) => k.toLowerCase() === name.toLowerCase());
      value = key === undefined ? undefined : params.headers[key];
    }
    return value !== undefined && value !== '';
  });
}

/** "AWS Lambda authorizer result size: 8 KB"; a larger policy is an authorizer configuration error. */
const MAX_RESULT_BYTES = 8 * 1024;

function matches(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(value);
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Turns the authorizer Lambda's settled result into what API Gateway does with it. */
export function evaluateAuthorizerResult(
  settled: { ok: true; value: unknown } | { ok: false; error: unknown },
  event: WebSocketAuthorizerEvent,
  integrationLatency: number,
): AuthorizeOutcome {
  if (!settled.ok) {
    const error = settled.error;
    const message = error instanceof Error ? error.message : String(error);
    // The documented way to answer 401 is to fail with exactly "Unauthorized"; any other failure is a 500.
    return message === 'Unauthorized'
      ? { allowed: false, status: 401, reason: 'authorizer: Unauthorized' }
      : { allowed: false, status: 500, reason: `authorizer failed: ${message}` };
  }
  const result = settled.value as Partial<AuthorizerResult> | undefined;
  if (!result || typeof result !== 'object' || typeof result.principalId !== 'string' || !result.policyDocument) {
    return { allowed: false, status: 500, reason: 'authorizer returned no principalId/policyDocument' };
  }
  if (JSON.stringify(result).length > MAX_RESULT_BYTES) {
    return { allowed: false, status: 500, reason: 'authorizer result exceeds 8 KB' };
  }
  const context = result.context ?? {};
  for (const [key, value] of Object.entries(context)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      return { allowed: false, status: 500, reason: `authorizer context.${key} is not a string, number or boolean` };
    }
  }
  const applicable = asArray(result.policyDocument.Statement).filter(
    (statement) =>
      asArray<string>(statement.Action).some((action) => matches(action, 'execute-api:Invoke')) &&
      asArray<string>(statement.Resource).some((resource) => matches(resource, event.methodArn)),
  );
  if (applicable.some((s) => s.Effect === 'Deny') || !applicable.some((s) => s.Effect === 'Allow')) {
    return { allowed: false, status: 403, reason: 'authorizer policy denies execute-api:Invoke' };
  }
  // Lambda proxy integrations receive every context value stringified ("123", "true").
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
  const stringified = Object.fromEntries(Object.entries(context).map(([key, value]) => [key, String(value)]));
  return {
    allowed: true,
    context: { ...stringified, principalId: result.principalId, integrationLatency } as WebSocketAuthorizerContext,
  };
}
