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
   * SDK socket timeouts, per attempt (the SDK makes 3). They must add up to well under the 29 s Lambda
   * timeout, or API Gateway's generic timeout frame beats our `internal` error frame. The local runtime runs
   * every "Lambda" on one event loop, where a busy loop delays socket events themselves, so it sets 8 s.
   */
  sdkTimeouts: { connectMs: number; requestMs: number };
  /** Per-connection limits; API Gateway's stage throttling only protects the account, not one room from one client. */
  limits: {
    send: { limit: number; windowMs: number };
    typing: { limit: number; windowMs: number };
    roomsPerConnection: number;
    ephemeralMaxMembers: number;
  };
}

type Env = Record<string, string | undefined>;

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
    connectionTtlSeconds: intFrom(env, 'CONNECTION_TTL_SECONDS', 3 * 3600, 60, 7 * 24 * 3600),
    fanoutConcurrency: intFrom(env, 'FANOUT_CONCURRENCY', 64, 1, 1000),
    largeRooms: {
      shardSize: intFrom(env, 'MEMBERSHIP_SHARD_SIZE', 500, 1, 100_000),
      inlineMax: intFrom(env, 'FANOUT_INLINE_MAX', 500, 0, 10_000_000),
      functionName: env.FANOUT_FUNCTION_NAME || undefined,
      callbackRateBudget: intFrom(env, 'CALLBACK_RATE_BUDGET', 10_000, 1, 1_000_000),
    },
    lambdaEndpoint: env.LAMBDA_ENDPOINT || undefined,
    sdkTimeouts: {
      connectMs: intFrom(env, 'SDK_CONNECT_TIMEOUT_MS', 3_000, 100, 9_000),
      requestMs: intFrom(env, 'SDK_REQUEST_TIMEOUT_MS', 5_000, 100, 9_000),
    },
    limits: {
      send: { limit: intFrom(env, 'RATE_LIMIT_SEND', 20, 1, 10_000), windowMs: 10_000 },
      typing: { limit: intFrom(env, 'RATE_LIMIT_TYPING', 10, 1, 10_000), windowMs: 10_000 },
      roomsPerConnection: intFrom(env, 'MAX_ROOMS_PER_CONNECTION', 20, 1, 1000),
      ephemeralMaxMembers: intFrom(env, 'PRESENCE_MAX_MEMBERS', 100, 0, 100_000),
    },
  };
}
