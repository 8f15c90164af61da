import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../src/local/embedded-dynamo.js';
import { DataDirInUseError, DEFAULT_DATA_DIR, dynamoDataPath, wipeLocalData } from '../../src/local/local-data.js';
import type { TableDefinition } from '../../src/local/serverless-config.js';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { silentLogger } from './helpers.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');
const TABLE = 'fixture-ci-items';
const KEY = { pk: { S: 'room#1' }, sk: { S: 'msg#1' } };
let dataDir: string;
const running: Array<LocalStack | EmbeddedDynamo> = [];

async function start(dir: string | undefined): Promise<LocalStack> {
  const stack = await startLocalStack({
    serverlessFile: FIXTURE,
    port: 0,
    dynamoPort: 0,
    stage: 'ci',
    logger: silentLogger,
    asyncWorkers: 0,
    dataDir: dir,
  });
  running.push(stack);
  return stack;
}

async function startStore(tables: TableDefinition[], dataPath: string): Promise<EmbeddedDynamo> {
  const dynamo = await startEmbeddedDynamo({ port: 0, tables, dataPath });
  running.push(dynamo);
  return dynamo;
}

async function stop(stack: LocalStack | EmbeddedDynamo): Promise<void> {
  const index = running.indexOf(stack);
  if (index >= 0) running.splice(index, 1);
  await stack.close();
}

/** Runs `act` with a client of the stack's store, then destroys the client. */
async function withStore<T>(endpoint: string, act: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  try {
    return await act(client);
  } finally {
    client.destroy();
  }
}

const putItem = (stack: LocalStack) =>
  withStore(stack.dynamoEndpoint, (c) =>
    c.send(new PutItemCommand({ TableName: TABLE, Item: { ...KEY, text: { S: 'kept' } } })),
  );
const getItem = (stack: LocalStack) =>
  withStore(
    stack.dynamoEndpoint,
    async (c) => (await c.send(new GetItemCommand({ TableName: TABLE, Key: KEY, ConsistentRead: true }))).Item,
  );

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ws-chat-local-data-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('local data', () => {
  it('survives a restart on the same directory: the tables are kept, not created again, with their items', async () => {
    const first = await start(dataDir);
    expect(first.dataDir).toBe(dataDir);
    await putItem(first);
    await stop(first);

    const second = await start(dataDir);
    expect(await getItem(second)).toEqual({ ...KEY, text: { S: 'kept' } });
    const table = await withStore(second.dynamoEndpoint, (c) => c.send(new DescribeTableCommand({ TableName: TABLE })));
    expect(table.Table?.TableStatus).toBe('ACTIVE');
    expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byOwner']);
  });

  it('is in memory by default, so a restart starts empty', async () => {
    const first = await start(undefined);
    expect(first.dataDir).toBeUndefined();
    await putItem(first);
    await stop(first);

    const second = await start(undefined);
    expect(await getItem(second)).toBeUndefined();
  });

  it('is gone after wipeLocalData, which keeps the rest of the directory', async () => {
    const first = await start(dataDir);
    await putItem(first);
    await stop(first);

    const notes = path.join(dataDir, 'notes.txt');
    await writeFile(notes, 'mine');
    await wipeLocalData(dataDir);
    expect(await readFile(notes, 'utf8')).toBe('mine');
    const second = await start(dataDir);
    expect(await getItem(second)).toBeUndefined();
  });

  it('is refused, with a way out, to a second store (or a wipe) while one holds the directory', async () => {
    await start(dataDir);
    const second = startStore([], dynamoDataPath(dataDir));
    await expect(second).rejects.toThrow(DataDirInUseError);
    await expect(second).rejects.toThrow(/in use by another process[\s\S]*--in-memory/);
    await expect(wipeLocalData(dataDir)).rejects.toThrow(DataDirInUseError);
  });

  it('refuses a kept table whose keys differ from serverless.yml, pointing at --reset', async () => {
    const dataPath = dynamoDataPath(await mkdtemp(path.join(dataDir, 'schema-')));
    const table = (hash: string): TableDefinition => ({
      logicalId: 'T',
      TableName: 'schema-test',
      KeySchema: [{ AttributeName: hash, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: hash, AttributeType: 'S' }],
    });
    await stop(await startStore([table('pk')], dataPath));

    await expect(startStore([table('id')], dataPath)).rejects.toThrow(
      /schema-test .* has keys\/indexes "pk:HASH " but serverless\.yml declares "id:HASH ".*--reset/,
    );
    // The refused start released the directory: the original table still opens.
    await stop(await startStore([table('pk')], dataPath));
  });

  it('defaults to <repo>/.local-data for npm start', () => {
    expect(DEFAULT_DATA_DIR).toBe(path.resolve(import.meta.dirname, '../../../.local-data'));
  });
});
