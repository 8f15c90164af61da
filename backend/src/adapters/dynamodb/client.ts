import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { cached, keepAliveHandler, type ClientConfig } from '../sdk-clients.js';

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

const documentClients = new Map<string, DynamoDBDocumentClient>();

/** The container's document client for this region and endpoint, built on first use. */
export function documentClient(config: ClientConfig): DynamoDBDocumentClient {
  return cached(documentClients, `${config.region}|${config.dynamoDbEndpoint ?? ''}`, () =>
    createDocumentClient(config),
  );
}
