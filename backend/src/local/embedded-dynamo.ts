import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureStoreAvailable } from './local-data.js';
import type { TableDefinition } from './serverless-config.js';

/**
 * A DynamoDB-compatible endpoint (dynalite) with the tables serverless.yml declares, so the handlers use the real
 * AWS SDK against it with no AWS account, Java or Docker. In memory unless given a directory to keep its data in.
 * dynalite gaps that matter: no transactions (TransactWriteItems/TransactGetItems), no TTL
 * (UpdateTimeToLive is not implemented, so TimeToLiveSpecification is not applied and nothing expires).
 */
export interface EmbeddedDynamoOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Created when missing; a table already in `dataPath` is kept with its items. */
  tables: TableDefinition[];
  region?: string;
  /** A LevelDB directory that keeps the data across restarts (created when missing); default in memory. */
  dataPath?: string;
}

export interface EmbeddedDynamo {
  port: number;
  endpoint: string;
  close(): Promise<void>;
}

/** Translates a CloudFormation AWS::DynamoDB::Table into a CreateTable request (the fields dynalite honours). */
export function createTableInput(table: TableDefinition): CreateTableCommandInput {
  const input: CreateTableCommandInput = {
    TableName: table.TableName,
    KeySchema: table.KeySchema,
    AttributeDefinitions: table.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
  };
  if (table.GlobalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = table.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'];
  }
  return input;
}

/** The SDK waiter polls at >= 1 s; dynalite flips to ACTIVE on the next tick, so poll fast instead. */
async function waitUntilActive(client: DynamoDBClient, TableName: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Table ${TableName} not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type KeySchema = ReadonlyArray<{ AttributeName?: string; KeyType?: string }> | undefined;

const keysOf = (schema: KeySchema) => (schema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');

/** Index name and key schema of each GSI, sorted: what a table must match to serve the declared queries. */
function indexesOf(indexes: ReadonlyArray<{ IndexName?: string; KeySchema?: KeySchema }> | undefined): string {
  return (indexes ?? []).map((index) => `${index.IndexName}(${keysOf(index.KeySchema)})`).sort().join(' ');
}

/**
 * Creates the table unless a kept one exists. A kept table whose keys or indexes differ from serverless.yml's
 * would fail the handlers in confusing ways, so it stops the start with a way out.
 */
async function ensureTable(client: DynamoDBClient, table: TableDefinition, dataPath: string | undefined): Promise<void> {
  const existing = await client.send(new DescribeTableCommand({ TableName: table.TableName })).then(
    (output) => output.Table,
    (error: unknown) => {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    },
  );
  if (!existing) {
    await client.send(new CreateTableCommand(createTableInput(table)));
  } else {
    const declared = createTableInput(table);
    const want = `${keysOf(declared.KeySchema)} ${indexesOf(declared.GlobalSecondaryIndexes)}`;
    const have = `${keysOf(existing.KeySchema)} ${indexesOf(existing.GlobalSecondaryIndexes)}`;
    if (want !== have) {
      throw new Error(
        `Table ${table.TableName} in ${dataPath} has keys/indexes "${have}" but serverless.yml declares "${want}": ` +
          'wipe the local data (npm start -- --reset) to recreate it.',
      );
    }
  }
  await waitUntilActive(client, table.TableName);
}

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions): Promise<EmbeddedDynamo> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataPath !== undefined) await ensureStoreAvailable(options.dataPath);
  const server = dynalite({ path: options.dataPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error?: Error) => (error ? reject(error) : resolve()));
    });

  const client = new DynamoDBClient({
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    for (const table of options.tables) await ensureTable(client, table, options.dataPath);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  } finally {
    client.destroy();
  }
  return { port, endpoint, close };
}
