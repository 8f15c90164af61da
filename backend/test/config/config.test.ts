import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const tables = { CONNECTIONS_TABLE: 'c', MEMBERSHIPS_TABLE: 'm', MESSAGES_TABLE: 'x' };

describe('loadConfig', () => {
  it('selects the post client with POST_CLIENT, signed unless set, and names the variable when it is neither', () => {
    expect(loadConfig({ ...tables, POST_CLIENT: '' }).postClient).toBe('signed');
    expect(loadConfig({ ...tables, POST_CLIENT: 'signed' }).postClient).toBe('signed');
    expect(loadConfig({ ...tables, POST_CLIENT: 'sdk' }).postClient).toBe('sdk');
    expect(() => loadConfig({ ...tables, POST_CLIENT: 'SDK' })).toThrow('POST_CLIENT must be signed or sdk, got "SDK"');
  });

  it('defaults to AWS behaviour: no endpoint overrides, guest auth, 3 s connect timeout', () => {
    const config = loadConfig({ ...tables, AWS_REGION: 'eu-west-1' });
    expect(config).toMatchObject({
      region: 'eu-west-1',
      tables: { connections: 'c', memberships: 'm', messages: 'x' },
      dynamoDbEndpoint: undefined,
      managementEndpoint: undefined,
      auth: { mode: 'guest' },
      fanoutConcurrency: 64,
      largeRooms: { shardSize: 500, inlineMax: 500, functionName: undefined, callbackRateBudget: 10_000 },
      lambdaEndpoint: undefined,
      sdkTimeouts: { connectMs: 3_000, requestMs: 5_000, maxAttempts: 2 },
      postClient: 'signed',
      limits: {
        rates: {
          join: { perConnection: 30, perUser: 60 },
          leave: { perConnection: 30, perUser: 60 },
          send: { perConnection: 20, perUser: 30, windowMs: 10_000 },
          history: { perConnection: 30, perUser: 60 },
          typing: { perConnection: 10, perUser: 20 },
        },
        roomsPerConnection: 20,
        ephemeralMaxMembers: 100,
      },
    });
  });

  it('reads every override the local runtime and serverless.yml params set', () => {
    const config = loadConfig({
      ...tables,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      APIGW_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:3001',
      AUTH_MODE: 'jwt',
      FANOUT_CONCURRENCY: '8',
      RATE_LIMIT_SEND: '5',
      RATE_LIMIT_USER_SEND: '7',
      RATE_LIMIT_HISTORY: '100',
      PRESENCE_MAX_MEMBERS: '0',
      SDK_CONNECT_TIMEOUT_MS: '4000',
      MEMBERSHIP_SHARD_SIZE: '250',
      FANOUT_INLINE_MAX: '0',
      FANOUT_FUNCTION_NAME: 'ws-chat-local-fanout',
      LAMBDA_ENDPOINT: 'http://127.0.0.1:3001',
      CALLBACK_RATE_BUDGET: '2500',
    });
    expect(config.largeRooms).toEqual({
      shardSize: 250,
      inlineMax: 0,
      functionName: 'ws-chat-local-fanout',
      callbackRateBudget: 2500,
    });
    expect(config.lambdaEndpoint).toBe('http://127.0.0.1:3001');
    expect(config.dynamoDbEndpoint).toBe('http://127.0.0.1:8000');
    expect(config.managementEndpoint).toBe('http://127.0.0.1:3001');
    expect(config.auth.mode).toBe('jwt');
    expect(config.fanoutConcurrency).toBe(8);
    expect(config.limits.rates.send).toEqual({ perConnection: 5, perUser: 7, windowMs: 10_000 });
    // A per-connection limit raised over the per-user default raises the per-user one with it.
    expect(config.limits.rates.history).toEqual({ perConnection: 100, perUser: 100, windowMs: 10_000 });
    expect(config.limits.ephemeralMaxMembers).toBe(0);
    expect(config.sdkTimeouts.connectMs).toBe(4_000);
  });

  it.each([
    [{ CONNECTIONS_TABLE: '' }, /CONNECTIONS_TABLE is not set/],
    [{ AUTH_MODE: 'open' }, /AUTH_MODE must be guest or jwt/],
    [{ FANOUT_CONCURRENCY: '0' }, /FANOUT_CONCURRENCY must be an integer in \[1, 1000\]/],
    [{ RATE_LIMIT_SEND: '2.5' }, /RATE_LIMIT_SEND must be an integer/],
    [{ MEMBERSHIP_SHARD_SIZE: '0' }, /MEMBERSHIP_SHARD_SIZE must be an integer in \[1, 100000\]/],
    [{ MESSAGE_RETENTION_DAYS: 'forever' }, /MESSAGE_RETENTION_DAYS must be an integer/],
    // 3 attempts of more than 9 s could outlast the 29 s Lambda timeout.
    [{ SDK_REQUEST_TIMEOUT_MS: '10000' }, /SDK_REQUEST_TIMEOUT_MS must be an integer in \[100, 9000\]/],
    // Each value is allowed alone, but together a hung call would take 2 x 17 s: past API Gateway's 29 s.
    [
      { SDK_CONNECT_TIMEOUT_MS: '8000', SDK_REQUEST_TIMEOUT_MS: '9000' },
      /SDK_MAX_ATTEMPTS x \(SDK_CONNECT_TIMEOUT_MS \+ SDK_REQUEST_TIMEOUT_MS\) \+ backoff is 34100 ms/,
    ],
    [{ SDK_MAX_ATTEMPTS: '3' }, /is 24300 ms; it must stay under 22000/],
    [{ SDK_MAX_ATTEMPTS: '4' }, /SDK_MAX_ATTEMPTS must be an integer in \[1, 3\]/],
    [{ CONNECTION_TTL_SECONDS: '3600' }, /CONNECTION_TTL_SECONDS must be an integer in \[7800, /],
    [{ RATE_LIMIT_USER_JOIN: '0' }, /RATE_LIMIT_USER_JOIN must be an integer/],
  ])('refuses a bad setting with its name: %o', (override, message) => {
    expect(() => loadConfig({ ...tables, ...override })).toThrow(message);
  });
});
