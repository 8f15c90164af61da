import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from './credentials.js';
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

/**
 * The SDK waiter polls at >= 1 s; dynalite flips to ACTIVE on the next tick, so poll fast at first, then back off
 * to 1 s for an endpoint that takes a while (AWS itself: DescribeTable is rate-limited per account).
 */
async function waitUntilActive(client: DynamoDBClient, TableName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 10; ; delayMs = Math.min(delayMs * 2, 1_000)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Table ${TableName} not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** An unknown table: the SDK's class when it deserialises the error, the error name otherwise (a copied SDK). */
function isMissingTable(error: unknown): boolean {
  return (
    error instanceof ResourceNotFoundException ||
    (error as { name?: unknown } | null)?.name === 'ResourceNotFoundException'
  );
}

type KeySchema = ReadonlyArray<{ AttributeName?: string; KeyType?: string }> | undefined;

const keysOf = (schema: KeySchema) => (schema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');

/** Index name and key schema of each GSI, sorted: what a table must match to serve the declared queries. */
function indexesOf(indexes: ReadonlyArray<{ IndexName?: string; KeySchema?: KeySchema }> | undefined): string {
  return (indexes ?? [])
    .map((index) => `${index.IndexName}(${keysOf(index.KeySchema)})`)
    .sort()
    .join(' ');
}

/** A DynamoDB endpoint and what createTables needs to create serverless.yml's tables on it. */
export interface TableTarget {
  endpoint: string;
  region: string;
  tables: TableDefinition[];
  /**
   * Undefined: the SDK default credential chain (env, profile, SSO...), as against AWS itself. The embedded store
   * passes LOCAL_CREDENTIALS.
   */
  credentials: DynamoDBClientConfig['credentials'];
  /**
   * Apply each table's TimeToLiveSpecification with UpdateTimeToLive, where the endpoint implements it (AWS does;
   * dynalite does not implement the operation at all).
   */
  timeToLive: boolean;
  /** For the error about an existing table that does not match serverless.yml: where it is, and the way out. */
  mismatch: { location: string; remedy: string };
  /** How long a new table may take to become ACTIVE; default 10 s (dynalite is immediate, AWS takes seconds). */
  activeTimeoutMs?: number;
}

/** For activeTimeoutMs on an endpoint other than the embedded one: AWS makes a table ACTIVE in seconds, at times minutes. */
export const EXTERNAL_ACTIVE_TIMEOUT_MS = 300_000;

function clientFor(target: Pick<TableTarget, 'endpoint' | 'region' | 'credentials'>): DynamoDBClient {
  return new DynamoDBClient({ endpoint: target.endpoint, region: target.region, credentials: target.credentials });
}

/**
 * Creates serverless.yml's tables that are missing; a table that exists is kept with its items. A kept table whose
 * keys or indexes differ from serverless.yml's would fail the handlers in confusing ways, so it stops the start
 * with a way out.
 */
export async function createTables(target: TableTarget): Promise<void> {
  const client = clientFor(target);
  const activeTimeoutMs = target.activeTimeoutMs ?? 10_000;
  try {
    for (const table of target.tables) {
      const existing = await client.send(new DescribeTableCommand({ TableName: table.TableName })).then(
        (output) => output.Table,
        (error: unknown) => {
          if (isMissingTable(error)) return undefined;
          throw error;
        },
      );
      const declared = createTableInput(table);
      if (existing) {
        const want = `${keysOf(declared.KeySchema)} ${indexesOf(declared.GlobalSecondaryIndexes)}`;
        const have = `${keysOf(existing.KeySchema)} ${indexesOf(existing.GlobalSecondaryIndexes)}`;
        if (want !== have) {
          throw new Error(
            `Table ${table.TableName} in ${target.mismatch.location} has keys/indexes "${have}" but serverless.yml declares ` +
              `"${want}": ${target.mismatch.remedy}`,
          );
        }
        await waitUntilActive(client, table.TableName, activeTimeoutMs);
        continue;
      }
      await client.send(new CreateTableCommand(declared));
      await waitUntilActive(client, table.TableName, activeTimeoutMs);
      const ttl = table.TimeToLiveSpecification;
      if (target.timeToLive && ttl?.Enabled) {
        await client.send(new UpdateTimeToLiveCommand({ TableName: table.TableName, TimeToLiveSpecification: ttl }));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Deletes tables createTables made on a store that outlives them (an endpoint shared by test files); a missing one is fine. */
export async function deleteTables(
  target: Pick<TableTarget, 'endpoint' | 'region' | 'credentials' | 'tables'>,
): Promise<void> {
  const client = clientFor(target);
  try {
    for (const table of target.tables) {
      await client.send(new DeleteTableCommand({ TableName: table.TableName })).catch((error: unknown) => {
        if (!isMissingTable(error)) throw error;
      });
    }
  } finally {
    client.destroy();
  }
}

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions): Promise<EmbeddedDynamo> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataPath !== undefined) await ensureStoreAvailable(options.dataPath);
  const { port, close } = await startDynaliteThread(host, options.port ?? 8000, options.dataPath);
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    await createTables({
      endpoint,
      region: options.region ?? 'us-east-1',
      tables: options.tables,
      credentials: LOCAL_CREDENTIALS,
      timeToLive: false,
      mismatch: {
        location: options.dataPath ?? 'memory',
        remedy: 'wipe the local data (npm start -- --reset) to recreate it.',
      },
    });
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { port, endpoint, close };
}

type ThreadMessage =
  | { type: 'listening'; port: number }
  | { type: 'error'; message: string; code?: string; port?: number }
  | { type: 'closed' };

/**
 * dynalite in a worker thread: on the gateway's thread it took about a fifth of that thread's CPU under a burst of
 * handshakes (docs/PERFORMANCE.md), CPU the second core can take. Errors starting it (a port in use) come back as
 * errors with their `code`.
 */
async function startDynaliteThread(
  host: string,
  port: number,
  path: string | undefined,
): Promise<{ port: number; close: () => Promise<void> }> {
  const worker = new Worker(new URL('./dynalite-thread.cjs', import.meta.url), { workerData: { host, port, path } });
  const next = () =>
    new Promise<ThreadMessage>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the dynalite thread exited (${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (message: ThreadMessage) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(message);
      });
    });
  const started = await next();
  if (started.type !== 'listening') {
    await worker.terminate();
    if (started.type !== 'error') throw new Error('the dynalite thread did not start');
    throw Object.assign(new Error(started.message), { code: started.code, port: started.port });
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const closed = next();
      worker.postMessage('close');
      await closed.catch(() => undefined);
      await worker.terminate();
    })());
  return { port: started.port, close };
}
