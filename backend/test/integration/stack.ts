import { DeleteCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/adapters/aws-clients.js';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '../../src/local/serverless-config.js';
import { silentLogger } from '../local/helpers.js';

export interface TestStack {
  stack: LocalStack;
  db: DynamoDBDocumentClient;
  tables: { connections: string; memberships: string; messages: string };
  /** Every item of every table (tests may Scan; the product never does). */
  dump(): Promise<Record<string, Array<Record<string, unknown>>>>;
  stop(): Promise<void>;
}

/** The real local stack (dynalite + gateway + the serverless.yml handlers) on free loopback ports. */
export async function startTestStack(): Promise<TestStack> {
  const stack = await startLocalStack({ host: '127.0.0.1', port: 0, dynamoPort: 0, logger: silentLogger });
  const sls = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage: 'local' });
  const name = (id: string) => sls.tables.find((t) => t.logicalId === id)?.TableName ?? id;
  const tables = { connections: name('ConnectionsTable'), memberships: name('MembershipsTable'), messages: name('MessagesTable') };
  const db = createDocumentClient(
    { region: 'us-east-1', dynamoDbEndpoint: stack.dynamoEndpoint, managementEndpoint: undefined },
    { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
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
