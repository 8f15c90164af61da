import path from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../src/local/embedded-dynamo.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '../../src/local/serverless-config.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');
const started: EmbeddedDynamo[] = [];

function clientFor(dynamo: EmbeddedDynamo): DynamoDBClient {
  return new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
}

afterAll(async () => {
  await Promise.all(started.map((d) => d.close()));
});

describe('embedded DynamoDB', () => {
  it('creates every table of the real serverless.yml, ACTIVE, with its keys', async () => {
    const config = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage: 'local' });
    const dynamo = await startEmbeddedDynamo({ port: 0, tables: config.tables });
    started.push(dynamo);
    expect(dynamo.port).toBeGreaterThan(0);
    expect(dynamo.endpoint).toBe(`http://127.0.0.1:${dynamo.port}`);
    const client = clientFor(dynamo);

    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames?.sort()).toEqual(config.tables.map((t) => t.TableName).sort());
    for (const table of config.tables) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table.TableName }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual(table.KeySchema);
      expect(Table?.AttributeDefinitions).toEqual(expect.arrayContaining(table.AttributeDefinitions));
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    }
    client.destroy();
  });

  it('creates global secondary indexes; TTL stays disabled because dynalite has no UpdateTimeToLive', async () => {
    const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
    const dynamo = await startEmbeddedDynamo({ port: 0, tables: config.tables });
    started.push(dynamo);
    const client = clientFor(dynamo);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'fixture-test-items' }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus, i.KeySchema])).toEqual([
      ['byOwner', 'ACTIVE', [{ AttributeName: 'owner', KeyType: 'HASH' }]],
    ]);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'fixture-test-items' }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    client.destroy();
  });

  it('closes its port', async () => {
    const dynamo = await startEmbeddedDynamo({ port: 0, tables: [] });
    await dynamo.close();
    await expect(fetch(dynamo.endpoint)).rejects.toThrow();
  });
});
