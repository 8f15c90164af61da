import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableDefinition } from '../../src/local/serverless-config.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { externalDynamoEndpoint, testStoreConfig, testStoreCredentials, testStoreName } from '../support/test-store.js';

let dynamo: TestDynamo;
let client: DynamoDBClient;
let tables: TableDefinition[];

beforeAll(async () => {
  dynamo = await startTestDynamo('tables');
  const sls = await testStoreConfig(dynamo.stage);
  tables = sls.tables;
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: sls.region, credentials: testStoreCredentials });
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

describe(`the tables the tests get on ${testStoreName}`, () => {
  it('have the keys and indexes serverless.yml declares', async () => {
    expect(tables.length).toBeGreaterThan(0);
    for (const declared of tables) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: declared.TableName }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual(declared.KeySchema);
      expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(
        (declared.GlobalSecondaryIndexes as Array<{ IndexName: string }> | undefined)?.map((i) => i.IndexName).sort(),
      );
    }
  });

  // dynalite has no UpdateTimeToLive, so its tables get no TTL; an external endpoint gets it as AWS would.
  it.skipIf(externalDynamoEndpoint === undefined)(
    'have TTL enabled on the attribute serverless.yml declares',
    async () => {
      const withTtl = tables.filter((t) => t.TimeToLiveSpecification?.Enabled);
      expect(withTtl.length).toBeGreaterThan(0);
      for (const declared of withTtl) {
        const { TimeToLiveDescription } = await client.send(
          new DescribeTimeToLiveCommand({ TableName: declared.TableName }),
        );
        expect(TimeToLiveDescription?.AttributeName).toBe(declared.TimeToLiveSpecification?.AttributeName);
        // AWS may report ENABLING for a while after UpdateTimeToLive:
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-how-to.html
        expect(['ENABLING', 'ENABLED']).toContain(TimeToLiveDescription?.TimeToLiveStatus);
      }
    },
  );
});
