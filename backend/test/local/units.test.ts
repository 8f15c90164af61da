import { describe, expect, it } from 'vitest';
import { evaluateAuthorizerResult, hasIdentity, parseIdentitySources } from '../../src/local/authorizer.js';
import { integrationFailure } from '../../src/local/error-frames.js';
import { requestParameters } from '../../src/local/event-builder.js';
import { LambdaTimeoutError } from '../../src/local/lambda-runtime.js';
import { apiIdFor, requestTimeOf } from '../../src/local/ids.js';
import { localOptionsFromEnv } from '../../src/local/options.js';
import { createRouteSelector } from '../../src/local/route-selection.js';
import type { WebSocketRoute } from '../../src/local/serverless-config.js';

const route = (routeKey: string): WebSocketRoute => ({
  routeKey,
  functionName: routeKey,
  handler: `h/${routeKey}.handler`,
  timeoutSeconds: 6,
  memorySize: 1024,
});

describe('route selection', () => {
  const routes = new Map([
    ['$default', route('$default')],
    ['send', route('send')],
    ['deep', route('deep')],
  ]);

  it('follows nested $request.body paths', () => {
    const select = createRouteSelector('$request.body.meta.kind', routes);
    expect(select('{"meta":{"kind":"deep"}}')?.routeKey).toBe('deep');
    expect(select('{"meta":"deep"}')?.routeKey).toBe('$default');
  });

  it('returns undefined for unmatched messages when there is no $default', () => {
    const select = createRouteSelector('$request.body.action', new Map([['send', route('send')]]));
    expect(select('{"action":"send"}')?.routeKey).toBe('send');
    expect(select('{"action":"other"}')).toBeUndefined();
  });

  it('refuses expressions it cannot evaluate', () => {
    expect(() => createRouteSelector('${request.body.action}-${request.body.kind}', routes)).toThrow(/not supported/);
  });
});

describe('authorizer', () => {
  const params = requestParameters(['Host', 'x', 'Authorization', 'Bearer t'], new URL('http://x/?name=a&empty='), {
    sourceIp: '1.2.3.4',
    traceId: 't',
    port: 1,
  });
  const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect';
  const event = { methodArn } as Parameters<typeof evaluateAuthorizerResult>[1];
  const policy = (statements: unknown[], context: Record<string, unknown> = {}) => ({
    ok: true as const,
    value: { principalId: 'p', policyDocument: { Version: '2012-10-17', Statement: statements }, context },
  });

  it('checks identity sources: headers case-insensitively, query strings exactly, empty counts as missing', () => {
    expect(hasIdentity(parseIdentitySources(['route.request.header.authorization']), params)).toBe(true);
    expect(
      hasIdentity(parseIdentitySources(['route.request.querystring.name', 'route.request.header.Host']), params),
    ).toBe(true);
    expect(hasIdentity(parseIdentitySources(['route.request.querystring.Name']), params)).toBe(false);
    expect(hasIdentity(parseIdentitySources(['route.request.querystring.empty']), params)).toBe(false);
    expect(() => parseIdentitySources(['stageVariables.x'])).toThrow(/not supported/);
  });

  it('allows on a matching Allow (wildcards included) and passes the stringified context, principalId and integrationLatency', () => {
    const outcome = evaluateAuthorizerResult(
      policy([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:*:abc/*' }], {
        userId: 'u',
        n: 1,
        b: true,
      }),
      event,
      7,
    );
    expect(outcome).toEqual({
      allowed: true,
      context: { userId: 'u', n: '1', b: 'true', principalId: 'p', integrationLatency: 7 },
    });
  });

  it('denies (403) on an explicit Deny, or when no statement applies', () => {
    const allow = { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' };
    const deny = { Action: '*', Effect: 'Deny', Resource: methodArn };
    expect(evaluateAuthorizerResult(policy([allow, deny]), event, 1)).toMatchObject({ allowed: false, status: 403 });
    expect(evaluateAuthorizerResult(policy([{ ...allow, Resource: 'arn:other' }]), event, 1)).toMatchObject({
      status: 403,
    });
  });

  it('answers 500 for malformed results, nested context values and results over 8 KB', () => {
    const allow = [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }];
    expect(evaluateAuthorizerResult({ ok: true, value: { principalId: 'p' } }, event, 1)).toMatchObject({
      status: 500,
    });
    expect(evaluateAuthorizerResult(policy(allow, { nested: { a: 1 } }), event, 1)).toMatchObject({ status: 500 });
    expect(evaluateAuthorizerResult(policy(allow, { big: 'x'.repeat(9000) }), event, 1)).toMatchObject({ status: 500 });
  });

  it('maps a thrown "Unauthorized" to 401 and anything else to 500', () => {
    expect(evaluateAuthorizerResult({ ok: false, error: new Error('Unauthorized') }, event, 1)).toMatchObject({
      status: 401,
    });
    expect(evaluateAuthorizerResult({ ok: false, error: 'Unauthorized' }, event, 1)).toMatchObject({ status: 401 });
    expect(evaluateAuthorizerResult({ ok: false, error: new Error('nope') }, event, 1)).toMatchObject({ status: 500 });
  });
});

describe('integration failures', () => {
  it("reports a Lambda error or Lambda timeout as 500, API Gateway's own 29 s timeout as 504", () => {
    expect(integrationFailure(new Error('x'), 29_000)).toEqual({ status: 500, message: 'Internal server error' });
    expect(integrationFailure(new LambdaTimeoutError('f', 6_000), 29_000)).toEqual({
      status: 500,
      message: 'Internal server error',
    });
    expect(integrationFailure(new LambdaTimeoutError('f', 29_000), 29_000)).toEqual({
      status: 504,
      message: 'Endpoint request timed out',
    });
  });
});

describe('ids and formats', () => {
  it('formats requestTime in UTC CLF', () => {
    expect(requestTimeOf(Date.UTC(2026, 10, 5, 8, 3, 9))).toBe('05/Nov/2026:08:03:09 +0000');
  });

  it('derives a stable 10-character api id', () => {
    expect(apiIdFor('svc', 'dev')).toMatch(/^[a-z0-9]{10}$/);
    expect(apiIdFor('svc', 'dev')).toBe(apiIdFor('svc', 'dev'));
    expect(apiIdFor('svc', 'prod')).not.toBe(apiIdFor('svc', 'dev'));
  });

  it('keeps header spelling, last value wins, and omits query parameters when there are none', () => {
    const params = requestParameters(['X-A', '1', 'x-a', '2', 'Connection', 'Upgrade'], new URL('http://x/'), {
      sourceIp: 'ip',
      traceId: 't',
      port: 9,
    });
    expect(params.headers['X-A']).toBe('2');
    expect(params.multiValueHeaders['X-A']).toEqual(['1', '2']);
    expect(params.headers).not.toHaveProperty('Connection');
    expect(params).not.toHaveProperty('queryStringParameters');
  });
});

describe('local options', () => {
  it('uses the contract ports by default and env overrides', () => {
    expect(localOptionsFromEnv({})).toMatchObject({ host: '127.0.0.1', port: 3001, dynamoPort: 8000, stage: 'local' });
    expect(
      localOptionsFromEnv({ LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '8100', LOCAL_HOST: '0.0.0.0' }),
    ).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      dynamoPort: 8100,
    });
    expect(() => localOptionsFromEnv({ LOCAL_WS_PORT: 'abc' })).toThrow(/LOCAL_WS_PORT/);
  });
});
