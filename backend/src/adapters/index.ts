import type { Config } from '../config.js';
import type { Clock, ConnectionGateway, ConnectionStore, MessageStore, RateLimiter } from '../domain/ports.js';
import { ApiGatewayConnectionGateway } from './apigw/connection-gateway.js';
import { documentClient, managementApiClient, type ApiTarget } from './aws-clients.js';
import { DynamoConnectionStore } from './dynamodb/connection-store.js';
import { DynamoMessageStore } from './dynamodb/message-store.js';
import { DynamoRateLimiter } from './dynamodb/rate-limiter.js';

export interface AwsAdapters {
  connections: ConnectionStore;
  messages: MessageStore;
  rateLimiter: RateLimiter;
  /** The gateway of the API an event came from (its requestContext domainName and stage). */
  gatewayFor(target: ApiTarget): ConnectionGateway;
}

/**
 * Wires the ports to AWS from Config alone, so handlers stay free of SDK imports. Cheap to call per
 * invocation: the SDK clients underneath are cached per container.
 */
export function awsAdapters(config: Config, clock?: Clock): AwsAdapters {
  const client = documentClient(config);
  return {
    connections: new DynamoConnectionStore(client, {
      tables: { connections: config.tables.connections, memberships: config.tables.memberships },
      connectionTtlSeconds: config.connectionTtlSeconds,
      ...(clock !== undefined ? { clock } : {}),
    }),
    messages: new DynamoMessageStore(client, {
      table: config.tables.messages,
      retentionDays: config.messageRetentionDays,
      ...(clock !== undefined ? { clock } : {}),
    }),
    rateLimiter: new DynamoRateLimiter(client, {
      table: config.tables.connections,
      ...(clock !== undefined ? { clock } : {}),
    }),
    gatewayFor: (target) => new ApiGatewayConnectionGateway(managementApiClient(config, target)),
  };
}

export type { ApiTarget } from './aws-clients.js';
