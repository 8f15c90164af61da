import { LIMITED_ACTIONS, type ActionLimit, type LimitedAction } from './domain/ports.js';

/**
 * The only reader of process.env. Cloud and local differ only in these values (endpoints), never in code
 * paths: the local runtime sets DYNAMODB_ENDPOINT and APIGW_MANAGEMENT_ENDPOINT, AWS leaves them unset.
 */
export interface Config {
  region: string;
  tables: { connections: string; memberships: string; messages: string };
  /** DynamoDB endpoint override (dynalite locally); undefined means the regional AWS endpoint. */
  dynamoDbEndpoint: string | undefined;
  /**
   * @connections endpoint override. In AWS it is derived from the event (https://{domainName}/{stage}),
   * see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
   */
  managementEndpoint: string | undefined;
  auth: { mode: 'guest' | 'jwt'; issuer: string; audience: string; jwksUri: string };
  messageRetentionDays: number;
  /** Connection and membership items expire after this, a safety net when $disconnect never ran (2 h API limit + margin). */
  connectionTtlSeconds: number;
  fanoutConcurrency: number;
  /** Large rooms: members per membership partition, and the size above which `send` hands fan-out to workers. */
  largeRooms: {
    shardSize: number;
    inlineMax: number;
    /** The `fanout` function `send` invokes asynchronously; unset means every room is fanned out inline. */
    functionName: string | undefined;
    /** @connections posts per second a large room's workers share (the account quota, 10,000 by default). */
    callbackRateBudget: number;
  };
  /** Lambda endpoint override (the local gateway serves the Invoke API); undefined means the regional endpoint. */
  lambdaEndpoint: string | undefined;
  /**
   * SDK socket timeouts per attempt, and the attempts of the DynamoDB and Lambda clients. A call that hangs
   * takes attempts x (connect + request) plus backoff, and that must end well under the 29 s integration timeout,
   * or API Gateway's generic timeout frame beats our `internal` error frame (loadConfig checks the sum).
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
   */
  sdkTimeouts: { connectMs: number; requestMs: number; maxAttempts: number };
  /**
   * How PostToConnection is made: `signed` (default) signs one HTTP request per post itself, `sdk` goes through the
   * SDK client, the fallback. DeleteConnection always uses the SDK client. Why: docs/PERFORMANCE.md#what-one-post-costs.
   */
  postClient: PostClient;
  /** Limits; API Gateway's stage throttling only protects the account, not one room from one client. */
  limits: {
    /** Per action, per connection and per user (RATE_LIMIT_<ACTION>, RATE_LIMIT_USER_<ACTION>), per 10 s. */
    rates: Record<LimitedAction, ActionLimit>;
    roomsPerConnection: number;
    ephemeralMaxMembers: number;
  };
}

export const POST_CLIENTS = ['signed', 'sdk'] as const;
export type PostClient = (typeof POST_CLIENTS)[number];

/** Longest a hung store call may take (all attempts and backoff): 29 s less time for the error frame and the rest. */
export const SDK_BUDGET_MS = 22_000;

/** The SDK's standard retry backoff before attempt n is at most 100 ms x 2^(n-1) (jittered), far under 20 s. */
const sdkBackoffMs = (attempts: number): number =>
  Array.from({ length: attempts - 1 }, (_, i) => 100 * 2 ** i).reduce((a, b) => a + b, 0);

/** Worst case of one SDK call against a store or API that stops answering. */
export const sdkWorstCaseMs = ({ connectMs, requestMs, maxAttempts }: Config['sdkTimeouts']): number =>
  maxAttempts * (connectMs + requestMs) + sdkBackoffMs(maxAttempts);

/** Defaults per 10 s window: enough for a client rejoining its rooms and filling history gaps after a reconnect. */
const RATE_DEFAULTS: Record<LimitedAction, { perConnection: number; perUser: number }> = {
  join: { perConnection: 30, perUser: 60 },
  leave: { perConnection: 30, perUser: 60 },
  send: { perConnection: 20, perUser: 30 },
  history: { perConnection: 30, perUser: 60 },
  typing: { perConnection: 10, perUser: 20 },
};

function rates(env: Env): Record<LimitedAction, ActionLimit> {
  const entries = LIMITED_ACTIONS.map((action) => {
    const name = action.toUpperCase();
    const defaults = RATE_DEFAULTS[action];
    const perConnection = intFrom(env, `RATE_LIMIT_${name}`, defaults.perConnection, 1, 10_000);
    // Never below the connection's: a lower per-user limit would make the per-connection one meaningless.
    const perUser = Math.max(perConnection, intFrom(env, `RATE_LIMIT_USER_${name}`, defaults.perUser, 1, 100_000));
    return [action, { perConnection, perUser, windowMs: 10_000 }] as const;
  });
  return Object.fromEntries(entries) as Record<LimitedAction, ActionLimit>;
}

function sdkTimeouts(env: Env): Config['sdkTimeouts'] {
  const timeouts = {
    connectMs: intFrom(env, 'SDK_CONNECT_TIMEOUT_MS', 3_000, 100, 9_000),
    requestMs: intFrom(env, 'SDK_REQUEST_TIMEOUT_MS', 5_000, 100, 9_000),
    maxAttempts: intFrom(env, 'SDK_MAX_ATTEMPTS', 2, 1, 3),
  };
  const worst = sdkWorstCaseMs(timeouts);
  if (worst > SDK_BUDGET_MS) {
    throw new Error(
      `SDK_MAX_ATTEMPTS x (SDK_CONNECT_TIMEOUT_MS + SDK_REQUEST_TIMEOUT_MS) + backoff is ${worst} ms; it must stay under ` +
        `${SDK_BUDGET_MS} ms so a hung store is answered before API Gateway's 29 s timeout`,
    );
  }
  return timeouts;
}

type Env = Record<string, string | undefined>;

/**
 * API Gateway closes every connection after 2 h; items live at least 10 min longer, so TTL only ever removes what
 * a skipped $disconnect left behind. https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export const MIN_CONNECTION_TTL_SECONDS = 2 * 3600 + 600;

function intFrom(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${key} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

function required(env: Env, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`${key} is not set (it comes from serverless.yml provider.environment)`);
  return value;
}

function postClient(env: Env): PostClient {
  const value = env.POST_CLIENT || 'signed';
  const known = POST_CLIENTS.find((client) => client === value);
  if (known === undefined) throw new Error(`POST_CLIENT must be ${POST_CLIENTS.join(' or ')}, got "${value}"`);
  return known;
}

export function loadConfig(env: Env = process.env): Config {
  const mode = env.AUTH_MODE || 'guest';
  if (mode !== 'guest' && mode !== 'jwt') throw new Error(`AUTH_MODE must be guest or jwt, got "${mode}"`);
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    tables: {
      connections: required(env, 'CONNECTIONS_TABLE'),
      memberships: required(env, 'MEMBERSHIPS_TABLE'),
      messages: required(env, 'MESSAGES_TABLE'),
    },
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    managementEndpoint: env.APIGW_MANAGEMENT_ENDPOINT || undefined,
    auth: {
      mode,
      issuer: env.JWT_ISSUER ?? '',
      audience: env.JWT_AUDIENCE ?? '',
      jwksUri: env.JWKS_URI ?? '',
    },
    messageRetentionDays: intFrom(env, 'MESSAGE_RETENTION_DAYS', 30, 1, 3650),
    // Above API Gateway's 2 h connection limit, so no live connection or membership expires under its member.
    connectionTtlSeconds: intFrom(env, 'CONNECTION_TTL_SECONDS', 3 * 3600, MIN_CONNECTION_TTL_SECONDS, 7 * 24 * 3600),
    fanoutConcurrency: intFrom(env, 'FANOUT_CONCURRENCY', 64, 1, 1000),
    largeRooms: {
      shardSize: intFrom(env, 'MEMBERSHIP_SHARD_SIZE', 500, 1, 100_000),
      inlineMax: intFrom(env, 'FANOUT_INLINE_MAX', 500, 0, 10_000_000),
      functionName: env.FANOUT_FUNCTION_NAME || undefined,
      callbackRateBudget: intFrom(env, 'CALLBACK_RATE_BUDGET', 10_000, 1, 1_000_000),
    },
    lambdaEndpoint: env.LAMBDA_ENDPOINT || undefined,
    sdkTimeouts: sdkTimeouts(env),
    postClient: postClient(env),
    limits: {
      rates: rates(env),
      roomsPerConnection: intFrom(env, 'MAX_ROOMS_PER_CONNECTION', 20, 1, 1000),
      ephemeralMaxMembers: intFrom(env, 'PRESENCE_MAX_MEMBERS', 100, 0, 100_000),
    },
  };
}
