import type { Config } from '../config.js';
import type {
  Clock,
  ConnectionGateway,
  ConnectionStore,
  FanoutClaims,
  FanoutDispatcher,
  MessageStore,
  RateLimiter,
} from '../domain/ports.js';
import { gatewayFor } from './apigw/clients.js';
import { documentClient } from './dynamodb/client.js';
import type { ApiTarget } from './sdk-clients.js';
import { lazyFanoutDispatcher } from './lambda/lazy-dispatcher.js';
import { DynamoConnectionStore } from './dynamodb/connection-store.js';
import { DynamoFanoutClaims } from './dynamodb/fanout-claims.js';
import { DynamoMessageStore } from './dynamodb/message-store.js';
import { DynamoRateLimiter } from './dynamodb/rate-limiter.js';

export interface AwsAdapters {
  connections: ConnectionStore;
  messages: MessageStore;
  claims: FanoutClaims;
  rateLimiter: RateLimiter;
  /** The gateway of the API an event came from (its requestContext domainName and stage). */
  gatewayFor(target: ApiTarget): ConnectionGateway;
  /** Large-room workers posting to the same API; undefined when no fan-out function is configured. */
  dispatcherFor(target: ApiTarget): FanoutDispatcher | undefined;
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
      shardSize: config.largeRooms.shardSize,
      clock,
    }),
    messages: new DynamoMessageStore(client, {
      table: config.tables.messages,
      retentionDays: config.messageRetentionDays,
      clock,
    }),
    claims: new DynamoFanoutClaims(client, { table: config.tables.messages, clock }),
    rateLimiter: new DynamoRateLimiter(client, {
      table: config.tables.connections,
      clock,
    }),
    gatewayFor: (target) => gatewayFor(config, target),
    dispatcherFor: (target) => {
      const { functionName } = config.largeRooms;
      return functionName === undefined ? undefined : lazyFanoutDispatcher(config, functionName, target);
    },
  };
}

export type { ApiTarget } from './sdk-clients.js';
// For load-tests/ (the post-cost bench measures the very adapters fan-out uses).
export { ApiGatewayConnectionGateway } from './apigw/connection-gateway.js';
export { SignedPostConnectionGateway } from './apigw/signed-post.js';
export { createManagementApiClient, createSignedPoster } from './apigw/clients.js';
export type { FanoutEvent } from './lambda/fanout-dispatcher.js';
