import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/adapters/aws-clients.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../src/local/embedded-dynamo.js';
import { startGateway, type Gateway } from '../../src/local/gateway.js';
import {
  DEFAULT_SERVERLESS_FILE,
  loadServerlessConfig,
  type ServerlessConfig,
} from '../../src/local/serverless-config.js';
import { silentLogger } from '../local/helpers.js';
import { startStoreProxy, type StoreProxy } from './store-proxy.js';

/**
 * The local stack in parts, so a test can break one of them: dynalite, a cuttable proxy in front of it (the
 * handlers' DYNAMODB_ENDPOINT), and the gateway, which can be stopped and started again on the same port.
 */
export interface FaultStack {
  config: ServerlessConfig;
  dynamo: EmbeddedDynamo;
  proxy: StoreProxy;
  gateway: Gateway;
  /** Reads past the proxy, so assertions see the store even while the handlers cannot. */
  db: DynamoDBDocumentClient;
  tables: { connections: string; memberships: string; messages: string };
  /** Closes the gateway (clients get 1001, $disconnect runs) and starts a new one on the same port. */
  restartGateway(): Promise<void>;
  /** Every item of a room's partition in the messages table. */
  roomItems(room: string): Promise<Array<Record<string, unknown>>>;
  /** Every item of every table (tests may Scan; the product never does). */
  dump(): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

export async function startFaultStack(params: Record<string, string> = {}): Promise<FaultStack> {
  // Handler error logs are the expected outcome of a fault; the assertions say what matters.
  const config = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, {
    stage: 'local',
    params: { logLevel: 'SILENT', ...params },
  });
  const name = (id: string) => config.tables.find((t) => t.logicalId === id)!.TableName;
  const tables = {
    connections: name('ConnectionsTable'),
    memberships: name('MembershipsTable'),
    messages: name('MessagesTable'),
  };
  const dynamo = await startEmbeddedDynamo({
    host: '127.0.0.1',
    port: 0,
    tables: config.tables,
    region: config.region,
  });
  const proxy = await startStoreProxy({ host: '127.0.0.1', port: dynamo.port });
  const start = (port: number) =>
    startGateway({
      config,
      serverlessFile: DEFAULT_SERVERLESS_FILE,
      host: '127.0.0.1',
      port,
      dynamoEndpoint: proxy.endpoint,
      logger: silentLogger,
    });
  const db = createDocumentClient(
    { region: config.region, dynamoDbEndpoint: dynamo.endpoint, managementEndpoint: undefined },
    { credentials: LOCAL_CREDENTIALS },
  );
  const stack: FaultStack = {
    config,
    dynamo,
    proxy,
    gateway: await start(0),
    db,
    tables,
    async restartGateway() {
      const { port } = stack.gateway;
      await stack.gateway.close();
      stack.gateway = await start(port);
    },
    async roomItems(room) {
      const out = await db.send(
        new QueryCommand({
          TableName: tables.messages,
          KeyConditionExpression: 'room = :r',
          ExpressionAttributeValues: { ':r': room },
          ConsistentRead: true,
        }),
      );
      return out.Items ?? [];
    },
    async dump() {
      const all: Array<Record<string, unknown>> = [];
      for (const table of Object.values(tables))
        all.push(...((await db.send(new ScanCommand({ TableName: table }))).Items ?? []));
      return all;
    },
    async stop() {
      db.destroy();
      proxy.restore();
      await stack.gateway.close();
      await proxy.close();
      await dynamo.close();
    },
  };
  return stack;
}

export const isMessageItem = (item: Record<string, unknown>): boolean => String(item.sk).startsWith('m#');
