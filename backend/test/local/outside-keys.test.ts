import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateAuthorizerResult, hasIdentity } from '../../src/local/authorizer.js';
import { requestParameters } from '../../src/local/event-builder.js';
import { records } from './fixtures/handlers/recorder.js';
import { openClient, useFixtureGateway } from './helpers.js';

/**
 * Query string and header names are the client's to choose, including names of Object.prototype members. On AWS
 * they are only keys of the JSON event the Lambda runtime parses, so the local gateway must treat them as keys too.
 */
const { gateway: fixtureGateway, clients } = useFixtureGateway();

/** JSON.parse, as the Lambda runtime builds the event: `__proto__` becomes an own key, like any other. */
const asAws = (json: string): Record<string, unknown> => JSON.parse(json);

beforeEach(() => {
  records().length = 0;
});

describe('keys named like Object.prototype members', () => {
  it('connect with them in the query string and the headers, and reach the authorizer and $connect as plain keys', async () => {
    // Prepare
    const query = 'name=alice&constructor=1&__proto__=x&toString=y&hasOwnProperty=h&constructor=2';
    const headers = { 'User-Agent': 'vitest-client', constructor: 'z', ['__proto__']: 'p', valueOf: 'v' };

    // Act
    const client = await openClient(`${fixtureGateway().wsUrl}/?${query}`, { headers });
    clients.push(client);

    // Assess: both events carry them as AWS would
    const [auth] = records().filter((r) => r.fn === 'authorize');
    const [conn] = records().filter((r) => r.fn === 'connect');
    for (const event of [auth!.event, conn!.event]) {
      expect(event.queryStringParameters).toEqual(
        asAws('{"name":"alice","constructor":"2","__proto__":"x","toString":"y","hasOwnProperty":"h"}'),
      );
      expect(event.multiValueQueryStringParameters).toEqual(
        asAws('{"name":["alice"],"constructor":["1","2"],"__proto__":["x"],"toString":["y"],"hasOwnProperty":["h"]}'),
      );
      expect(event.headers).toMatchObject(asAws('{"constructor":"z","__proto__":"p","valueOf":"v"}'));
      expect(event.multiValueHeaders).toMatchObject(asAws('{"constructor":["z"],"__proto__":["p"],"valueOf":["v"]}'));
      expect(Object.getPrototypeOf(event.headers)).toBe(Object.prototype);
    }
    expect(conn!.event.requestContext.authorizer).toMatchObject({ principalId: 'user-alice', name: 'alice' });

    // Assess: the connection works
    client.ws.send('{"action":"echo"}');
    expect((await client.nextJson()).event.requestContext.authorizer.principalId).toBe('user-alice');
    client.ws.close();
  });
});

describe('identity sources named like Object.prototype members', () => {
  const params = (url: string, rawHeaders: string[] = []) =>
    requestParameters(rawHeaders, new URL(url), { sourceIp: '1.2.3.4', traceId: 't', port: 1 });

  it('are missing unless the client sent them', () => {
    const sources = (name: string) => [{ kind: 'querystring' as const, name }];
    expect(hasIdentity(sources('constructor'), params('http://x/?name=a'))).toBe(false);
    expect(hasIdentity(sources('toString'), params('http://x/'))).toBe(false);
    expect(hasIdentity(sources('constructor'), params('http://x/?constructor=1'))).toBe(true);
    expect(hasIdentity([{ kind: 'header', name: 'valueOf' }], params('http://x/'))).toBe(false);
    expect(hasIdentity([{ kind: 'header', name: 'valueOf' }], params('http://x/', ['ValueOf', 'v']))).toBe(true);
  });
});

describe('authorizer context keys named like Object.prototype members', () => {
  it('reach every event of the connection stringified, as own keys', () => {
    const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect';
    const policyDocument = {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }],
    };
    const context = asAws('{"__proto__":"a","constructor":1,"toString":true}');
    const outcome = evaluateAuthorizerResult(
      { ok: true, value: { principalId: 'p', policyDocument, context } },
      { methodArn } as Parameters<typeof evaluateAuthorizerResult>[1],
      3,
    );
    expect(outcome).toEqual({
      allowed: true,
      context: asAws('{"__proto__":"a","constructor":"1","toString":"true","principalId":"p","integrationLatency":3}'),
    });
  });
});
