import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/adapters/aws-clients.js';
import { startEmbeddedDynamo } from '../../src/local/embedded-dynamo.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '../../src/local/serverless-config.js';

export interface TestDynamo {
  client: DynamoDBDocumentClient;
  endpoint: string;
  tables: { connections: string; memberships: string; messages: string };
  stop(): Promise<void>;
}

/**
 * dynalite on 127.0.0.1 and a free port, with the tables exactly as serverless.yml declares them, and a
 * document client built by the production factory (only credentials differ: dynalite ignores them, the SDK
 * still wants some and must not go looking in the environment).
 */
export async function startTestDynamo(stage = 'test'): Promise<TestDynamo> {
  const sls = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage });
  const tableName = (logicalId: string): string => {
    const table = sls.tables.find((t) => t.logicalId === logicalId);
    if (table === undefined) throw new Error(`serverless.yml declares no ${logicalId}`);
    return table.TableName;
  };
  const dynamo = await startEmbeddedDynamo({ host: '127.0.0.1', port: 0, tables: sls.tables });
  const client = createDocumentClient(
    { region: 'us-east-1', dynamoDbEndpoint: dynamo.endpoint, managementEndpoint: undefined },
    { credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2 },
  );
  return {
    client,
    endpoint: dynamo.endpoint,
    tables: {
      connections: tableName('ConnectionsTable'),
      memberships: tableName('MembershipsTable'),
      messages: tableName('MessagesTable'),
    },
    async stop() {
      client.destroy();
      await dynamo.close();
    },
  };
}
