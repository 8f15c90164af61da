import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config.js';
import { SignedPoster, type CredentialProvider, type SignedPosterOptions } from './apigw/signed-post.js';

/** The parts of Config that decide how clients are built. */
export type ClientConfig = Pick<Config, 'region' | 'dynamoDbEndpoint' | 'managementEndpoint'> &
  Partial<Pick<Config, 'sdkTimeouts' | 'lambdaEndpoint'>>;

/** Where a WebSocket API lives, from the event's requestContext. */
export interface ApiTarget {
  domainName: string;
  stage: string;
}

/**
 * Keep-alive agents so a warm Lambda reuses TLS connections instead of paying a handshake per call.
 * Concurrency is bounded by the code (fan-out runs at most FANOUT_CONCURRENCY posts at once), not by
 * the agent: a maxSockets cap would queue requests inside the agent, and the SDK's connection timeout
 * counts that queueing, so a large fan-out (or, locally, several handlers sharing one process) would
 * fail posts that never even tried to connect. Timeouts stay bounded so one stuck socket cannot hold a
 * fan-out until the Lambda timeout.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-reusing-connections.html
 */
export function keepAliveHandler(
  timeouts: Pick<Config['sdkTimeouts'], 'connectMs' | 'requestMs'> = { connectMs: 3_000, requestMs: 5_000 },
): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
    connectionTimeout: timeouts.connectMs,
    requestTimeout: timeouts.requestMs,
    throwOnRequestTimeout: true,
  });
}

/**
 * Builds a fresh document client. Use documentClient() in handlers; this exists for tests that need their
 * own credentials or retry settings. removeUndefinedValues lets optional fields be absent, not an error.
 */
export function createDocumentClient(
  config: ClientConfig,
  overrides: Partial<DynamoDBClientConfig> = {},
): DynamoDBDocumentClient {
  const base = new DynamoDBClient({
    region: config.region,
    endpoint: config.dynamoDbEndpoint,
    requestHandler: keepAliveHandler(config.sdkTimeouts),
    // Explicit, so the worst case of a hung call is the one loadConfig checked against the 29 s timeout.
    maxAttempts: config.sdkTimeouts?.maxAttempts ?? 2,
    // No cacheMiddleware here: lib-dynamodb's document client refuses it.
    ...overrides,
  });
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * The management endpoint of the API the event came from; an override (the local gateway) wins.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
export function managementEndpoint(config: Pick<Config, 'managementEndpoint'>, target: ApiTarget): string {
  return config.managementEndpoint ?? `https://${target.domainName}/${target.stage}`;
}

/**
 * Builds a fresh management API client; use managementApiClient() in handlers. One attempt per call: the
 * domain retries throttled and transient posts itself, with backoff and a concurrency that adapts to 429s
 * (SDK retries underneath would multiply attempts and hide the throttling from it). cacheMiddleware reuses
 * the resolved middleware stack across calls, about a fifth of the SDK's CPU per post in a fan-out.
 */
export function createManagementApiClient(
  config: ClientConfig,
  endpoint: string,
  overrides: Partial<ApiGatewayManagementApiClientConfig> = {},
): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    region: config.region,
    endpoint,
    requestHandler: keepAliveHandler(config.sdkTimeouts),
    cacheMiddleware: true,
    maxAttempts: 1,
    ...overrides,
  });
}

let defaultCredentials: CredentialProvider | undefined;

/**
 * The SDK's default credential chain (environment, as in Lambda, then SSO, profiles, container and instance
 * metadata), built once: it memoizes what it resolved and refreshes it five minutes before it expires.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-credentials-node.html
 */
function defaultCredentialProvider(): CredentialProvider {
  defaultCredentials ??= defaultProvider();
  return defaultCredentials;
}

/**
 * Builds a fresh signed poster (PostToConnection without the SDK client); use signedPoster() in handlers. Like the
 * management client it makes one attempt per post and gives up after the SDK's request timeout.
 */
export function createSignedPoster(
  config: ClientConfig,
  endpoint: string,
  overrides: Partial<SignedPosterOptions> = {},
): SignedPoster {
  return new SignedPoster({
    endpoint,
    region: config.region,
    credentials: defaultCredentialProvider(),
    requestTimeoutMs: config.sdkTimeouts?.requestMs ?? 5_000,
    ...overrides,
  });
}

/** Builds a fresh Lambda client (fan-out dispatch); use lambdaClient() in handlers. */
export function createLambdaClient(config: ClientConfig, overrides: Partial<LambdaClientConfig> = {}): LambdaClient {
  return new LambdaClient({
    region: config.region,
    endpoint: config.lambdaEndpoint,
    requestHandler: keepAliveHandler(config.sdkTimeouts),
    cacheMiddleware: true,
    maxAttempts: config.sdkTimeouts?.maxAttempts ?? 2,
    ...overrides,
  });
}

// Module scope lives as long as the Lambda container, so each client (and its warm sockets) is built once.
const documentClients = new Map<string, DynamoDBDocumentClient>();
const lambdaClients = new Map<string, LambdaClient>();
const managementClients = new Map<string, ApiGatewayManagementApiClient>();
const signedPosters = new Map<string, SignedPoster>();

function cached<T>(clients: Map<string, T>, key: string, build: () => T): T {
  let client = clients.get(key);
  if (client === undefined) {
    client = build();
    clients.set(key, client);
  }
  return client;
}

/** The container's document client for this region and endpoint, built on first use. */
export function documentClient(config: ClientConfig): DynamoDBDocumentClient {
  return cached(documentClients, `${config.region}|${config.dynamoDbEndpoint ?? ''}`, () =>
    createDocumentClient(config),
  );
}

/** The container's Lambda client for this region and endpoint, built on first use. */
export function lambdaClient(config: ClientConfig): LambdaClient {
  return cached(lambdaClients, `${config.region}|${config.lambdaEndpoint ?? ''}`, () => createLambdaClient(config));
}

/** The container's management client for the API the event came from, built on first use per endpoint. */
export function managementApiClient(config: ClientConfig, target: ApiTarget): ApiGatewayManagementApiClient {
  const endpoint = managementEndpoint(config, target);
  return cached(managementClients, `${config.region}|${endpoint}`, () => createManagementApiClient(config, endpoint));
}

/** The container's signed poster for the API the event came from, built on first use per endpoint. */
export function signedPoster(config: ClientConfig, target: ApiTarget): SignedPoster {
  const endpoint = managementEndpoint(config, target);
  return cached(signedPosters, `${config.region}|${endpoint}`, () => createSignedPoster(config, endpoint));
}
