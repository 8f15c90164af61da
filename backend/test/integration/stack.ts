import { DeleteCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/adapters/aws-clients.js';
import type { LocalStack } from '../../src/local/stack.js';
import { silentLogger } from '../local/helpers.js';
import { startTestLocalStack } from '../support/local-stack.js';
import { testStoreConfig, testStoreCredentials } from '../support/test-store.js';

export interface TestStack {
  stack: LocalStack;
  db: DynamoDBDocumentClient;
  tables: { connections: string; memberships: string; messages: string };
  /** Every item of every table (tests may Scan; the product never does). */
  dump(): Promise<Record<string, Array<Record<string, unknown>>>>;
  stop(): Promise<void>;
}

/** The real local stack (the test store + gateway + the serverless.yml handlers) on free loopback ports. */
export async function startTestStack(): Promise<TestStack> {
  const stack = await startTestLocalStack({ logger: silentLogger });
  const sls = await testStoreConfig(stack.stage);
  const name = (id: string) => sls.tables.find((t) => t.logicalId === id)?.TableName ?? id;
  const tables = {
    connections: name('ConnectionsTable'),
    memberships: name('MembershipsTable'),
    messages: name('MessagesTable'),
  };
  const db = createDocumentClient(
    { region: sls.region, dynamoDbEndpoint: stack.dynamoEndpoint, managementEndpoint: undefined },
    { credentials: testStoreCredentials },
  );
  return {
    stack,
    db,
    tables,
    async dump() {
      const out: Record<string, Array<Record<string, unknown>>> = {};
      for (const table of Object.values(tables)) {
        out[table] = (await db.send(new ScanCommand({ TableName: table }))).Items ?? [];
      }
      return out;
    },
    async stop() {
      db.destroy();
      await stack.close();
    },
  };
}

export { DeleteCommand, PutCommand };
