import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { cached, keepAliveHandler, type ClientConfig } from '../sdk-clients.js';

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

const lambdaClients = new Map<string, LambdaClient>();

/** The container's Lambda client for this region and endpoint, built on first use. */
export function lambdaClient(config: ClientConfig): LambdaClient {
  return cached(lambdaClients, `${config.region}|${config.lambdaEndpoint ?? ''}`, () => createLambdaClient(config));
}
