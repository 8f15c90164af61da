import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/adapters/aws-clients.js';
import { createTables, EXTERNAL_ACTIVE_TIMEOUT_MS, startEmbeddedDynamo } from '../../src/local/embedded-dynamo.js';
import {
  dropExternalTables,
  externalDynamoEndpoint,
  isolatedStage,
  testStoreConfig,
  testStoreCredentials,
} from './test-store.js';

export interface TestDynamo {
  client: DynamoDBDocumentClient;
  endpoint: string;
  /** The stage the tables are named after: `stage` itself on dynalite, made unique on a shared store. */
  stage: string;
  tables: { connections: string; memberships: string; messages: string };
  stop(): Promise<void>;
}

/**
 * The tables exactly as serverless.yml declares them, on dynalite (127.0.0.1, a free port) or on the external
 * store test-store.ts selects, and a document client built by the production factory with that store's
 * credentials (test-store.ts: the local identity, or the SDK default chain).
 */
export async function startTestDynamo(requestedStage = 'test'): Promise<TestDynamo> {
  const stage = isolatedStage(requestedStage);
  const sls = await testStoreConfig(stage);
  const tableName = (logicalId: string): string => {
    const table = sls.tables.find((t) => t.logicalId === logicalId);
    if (table === undefined) throw new Error(`serverless.yml declares no ${logicalId}`);
    return table.TableName;
  };
  let endpoint: string;
  let closeStore: () => Promise<void>;
  if (externalDynamoEndpoint === undefined) {
    const dynamo = await startEmbeddedDynamo({ host: '127.0.0.1', port: 0, tables: sls.tables, region: sls.region });
    endpoint = dynamo.endpoint;
    closeStore = () => dynamo.close();
  } else {
    endpoint = externalDynamoEndpoint;
    await createTables({
      endpoint,
      region: sls.region,
      tables: sls.tables,
      credentials: testStoreCredentials,
      timeToLive: true,
      mismatch: { location: endpoint, remedy: 'delete it.' },
      activeTimeoutMs: EXTERNAL_ACTIVE_TIMEOUT_MS,
    });
    closeStore = () => dropExternalTables(stage);
  }
  const client = createDocumentClient(
    { region: sls.region, dynamoDbEndpoint: endpoint, managementEndpoint: undefined },
    { credentials: testStoreCredentials, maxAttempts: 2 },
  );
  return {
    client,
    endpoint,
    stage,
    tables: {
      connections: tableName('ConnectionsTable'),
      memberships: tableName('MembershipsTable'),
      messages: tableName('MessagesTable'),
    },
    async stop() {
      client.destroy();
      await closeStore();
    },
  };
}
