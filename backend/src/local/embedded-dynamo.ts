import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
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

  const client = new DynamoDBClient({
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    for (const table of options.tables) {
      await client.send(new CreateTableCommand(createTableInput(table)));
      await waitUntilActive(client, table.TableName);
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  } finally {
    client.destroy();
  }
  return { port, endpoint, close };
}
