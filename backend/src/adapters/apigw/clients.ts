import {
  ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { Config } from '../../config.js';
import type { ConnectionGateway } from '../../domain/ports.js';
import { cached, keepAliveHandler, type ApiTarget, type ClientConfig } from '../sdk-clients.js';
import { ApiGatewayConnectionGateway } from './connection-gateway.js';
import {
  SignedPoster,
  SignedPostConnectionGateway,
  type CredentialProvider,
  type SignedPosterOptions,
} from './signed-post.js';

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

const managementClients = new Map<string, ApiGatewayManagementApiClient>();
const signedPosters = new Map<string, SignedPoster>();

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

/** The gateway of the API an event came from: signed posts (POST_CLIENT=signed), the SDK for the rest. */
export function gatewayFor(config: ClientConfig, target: ApiTarget): ConnectionGateway {
  const sdk = new ApiGatewayConnectionGateway(managementApiClient(config, target));
  return config.postClient === 'sdk' ? sdk : new SignedPostConnectionGateway(signedPoster(config, target), sdk);
}
