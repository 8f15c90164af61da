import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LOCAL_CREDENTIALS } from './credentials.js';
import type { TableDefinition } from './serverless-config.js';

/**
 * An in-memory DynamoDB-compatible endpoint (dynalite) with the tables serverless.yml declares, so the handlers
 * use the real AWS SDK against it with no AWS account, Java or Docker. Data is lost on close.
 * dynalite gaps that matter: no transactions (TransactWriteItems/TransactGetItems), no TTL
 * (UpdateTimeToLive is not implemented, so TimeToLiveSpecification is not applied and nothing expires).
 */
export interface EmbeddedDynamoOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  tables: TableDefinition[];
  region?: string;
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

/** The SDK waiter polls at >= 1 s; dynalite and DynamoDB Local flip to ACTIVE at once, so poll fast instead. */
async function waitUntilActive(client: DynamoDBClient, TableName: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Table ${TableName} not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface TableTarget {
  endpoint: string;
  region: string;
  tables: TableDefinition[];
  /**
   * Apply each table's TimeToLiveSpecification with UpdateTimeToLive. DynamoDB Local supports it; dynalite
   * does not implement the operation at all.
   */
  timeToLive: boolean;
}

function localClient(target: Pick<TableTarget, 'endpoint' | 'region'>): DynamoDBClient {
  return new DynamoDBClient({ endpoint: target.endpoint, region: target.region, credentials: LOCAL_CREDENTIALS });
}

/** Creates serverless.yml's tables on a local endpoint, the embedded one or an external DynamoDB Local alike. */
export async function createTables(target: TableTarget): Promise<void> {
  const client = localClient(target);
  try {
    for (const table of target.tables) {
      await client.send(new CreateTableCommand(createTableInput(table)));
      await waitUntilActive(client, table.TableName);
      const ttl = table.TimeToLiveSpecification;
      if (target.timeToLive && ttl?.Enabled) {
        await client.send(new UpdateTimeToLiveCommand({ TableName: table.TableName, TimeToLiveSpecification: ttl }));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Deletes tables createTables made on a store that outlives them (DynamoDB Local shared by test files). */
export async function deleteTables(target: Pick<TableTarget, 'endpoint' | 'region' | 'tables'>): Promise<void> {
  const client = localClient(target);
  try {
    for (const table of target.tables) {
      // By name: dynalite and DynamoDB Local both answer an unknown table with this error type.
      await client.send(new DeleteTableCommand({ TableName: table.TableName })).catch((error: unknown) => {
        if ((error as { name?: unknown } | null)?.name !== 'ResourceNotFoundException') throw error;
      });
    }
  } finally {
    client.destroy();
  }
}

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions): Promise<EmbeddedDynamo> {
  const host = options.host ?? '127.0.0.1';
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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
  try {
    await createTables({ endpoint, region: options.region ?? 'us-east-1', tables: options.tables, timeToLive: false });
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { port, endpoint, close };
}
