import { afterAll, beforeAll } from 'vitest';
import { DynamoConnectionStore } from '../../src/adapters/dynamodb/connection-store.js';
import { DynamoFanoutClaims } from '../../src/adapters/dynamodb/fanout-claims.js';
import { DynamoMessageStore } from '../../src/adapters/dynamodb/message-store.js';
import { DynamoRateLimiter } from '../../src/adapters/dynamodb/rate-limiter.js';
import { registerRateLimiterContract } from '../contracts/rate-limiter.contract.js';
import { registerConnectionStoreContract } from '../contracts/connection-store.contract.js';
import { registerFanoutClaimsContract } from '../contracts/fanout-claims.contract.js';
import { registerMessageStoreContract } from '../contracts/message-store.contract.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { testStoreName } from '../support/test-store.js';

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

registerConnectionStoreContract(
  `DynamoDB (${testStoreName})`,
  async ({ membersPageSize, shardSize }) =>
    new DynamoConnectionStore(dynamo.client, {
      tables: { connections: dynamo.tables.connections, memberships: dynamo.tables.memberships },
      connectionTtlSeconds: 3 * 3600,
      membersPageSize,
      ...(shardSize !== undefined ? { shardSize } : {}),
    }),
);

registerMessageStoreContract(
  `DynamoDB (${testStoreName})`,
  async () => new DynamoMessageStore(dynamo.client, { table: dynamo.tables.messages, retentionDays: 30 }),
);

registerFanoutClaimsContract(`DynamoDB (${testStoreName})`, async () => {
  const claims = () => new DynamoFanoutClaims(dynamo.client, { table: dynamo.tables.messages });
  return {
    claims: claims(),
    messages: new DynamoMessageStore(dynamo.client, { table: dynamo.tables.messages, retentionDays: 30 }),
    sibling: claims,
  };
});

registerRateLimiterContract(`DynamoDB (${testStoreName})`, async () => {
  let now = 0;
  const clock = { now: () => now };
  return {
    connections: new DynamoConnectionStore(dynamo.client, {
      tables: { connections: dynamo.tables.connections, memberships: dynamo.tables.memberships },
      connectionTtlSeconds: 3 * 3600,
    }),
    limiter: new DynamoRateLimiter(dynamo.client, { table: dynamo.tables.connections, clock }),
    setNow: (ms) => (now = ms),
  };
});
