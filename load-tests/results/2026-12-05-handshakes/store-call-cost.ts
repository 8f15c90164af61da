/**
 * What one DynamoDB call costs the local stack's thread: the handlers' document client (SDK) against a raw
 * node:http POST of the same request, both to the embedded dynalite in this process, so each figure is the CPU of
 * client + dynalite + both ends of the loopback HTTP. A GetItem, and the join's members Query (101 memberships).
 * Then what dynalite's expression parser takes for a condition written with and without grouping parentheses.
 *
 *     npx tsx load-tests/results/2026-12-05-handshakes/store-call-cost.ts   (from the repository root)
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createDocumentClient } from '../../../backend/src/adapters/aws-clients.js';
import { LOCAL_CREDENTIALS } from '../../../backend/src/local/credentials.js';
import { startEmbeddedDynamo } from '../../../backend/src/local/embedded-dynamo.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '../../../backend/src/local/serverless-config.js';

const ROUNDS = 5;
const CALLS = 2_000;
const IN_FLIGHT = 16;

const config = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage: 'local', params: {} });
const dynamo = await startEmbeddedDynamo({ host: '127.0.0.1', port: 0, tables: config.tables, region: config.region });
const table = (id: string) => config.tables.find((t) => t.logicalId === id)!.TableName;
const [connections, memberships] = [table('ConnectionsTable'), table('MembershipsTable')];
const client = createDocumentClient(
  { region: config.region, dynamoDbEndpoint: dynamo.endpoint, managementEndpoint: undefined },
  { credentials: LOCAL_CREDENTIALS },
);
for (let i = 0; i < 300; i += 1) {
  const user = { userId: `guest:lt-${i}`, name: `lt-${i}` };
  const item = { pk: 'lt#0', room: 'lt', shard: 0, connectionId: `c${i}AAAAAAAAAAAA=`, ...user, joinedAt: 1, ttl: 4e9 };
  await client.send(new PutCommand({ TableName: memberships, Item: item }));
}

const members = {
  KeyConditionExpression: 'pk = :pk',
  FilterExpression: '#ttl > :now',
  ExpressionAttributeNames: { '#ttl': 'ttl' },
  ConsistentRead: true,
  Limit: 101,
};
const agent = new Agent({ keepAlive: true });
const { hostname, port } = new URL(dynamo.endpoint);
/** The request the SDK would send, unsigned (dynalite does not check signatures); the reply parsed and unmarshalled. */
const raw = (operation: string, body: object) =>
  new Promise<void>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20261205/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0',
      'x-amz-date': '20261205T000000Z',
      'content-length': Buffer.byteLength(payload),
    };
    const req = request({ hostname, port, method: 'POST', path: '/', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const out = JSON.parse(Buffer.concat(chunks).toString()) as { Item?: object; Items?: object[] };
        if (res.statusCode !== 200) return reject(new Error(`${operation}: ${JSON.stringify(out)}`));
        if (operation === 'Query' && out.Items?.length !== 101) return reject(new Error('expected 101 members'));
        for (const item of out.Items ?? (out.Item ? [out.Item] : [])) unmarshall(item as never);
        resolve();
      });
    });
    req.on('error', reject);
    req.end(payload);
  });

const variants: Record<string, (i: number) => Promise<unknown>> = {
  'GetItem, SDK document client': (i) =>
    client.send(new GetCommand({ TableName: connections, Key: { connectionId: `c${i % 64}` }, ConsistentRead: true })),
  'GetItem, raw node:http': (i) =>
    raw('GetItem', { TableName: connections, Key: { connectionId: { S: `c${i % 64}` } }, ConsistentRead: true }),
  'Query of 101 members, SDK document client': () =>
    client.send(
      new QueryCommand({ TableName: memberships, ...members, ExpressionAttributeValues: { ':pk': 'lt#0', ':now': 1 } }),
    ),
  'Query of 101 members, raw node:http': () =>
    raw('Query', {
      TableName: memberships,
      ...members,
      ExpressionAttributeValues: { ':pk': { S: 'lt#0' }, ':now': { N: '1' } },
    }),
};

async function round(call: (i: number) => Promise<unknown>, calls: number): Promise<number> {
  const started = process.cpuUsage();
  let next = 0;
  const lane = async () => {
    while (next < calls) await call(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const used = process.cpuUsage(started);
  return (used.user + used.system) / calls;
}

const results = new Map<string, number[]>();
for (const [name, call] of Object.entries(variants)) await round(call, CALLS / 4); // warm-up
for (let r = 0; r < ROUNDS; r += 1) {
  for (const [name, call] of Object.entries(variants)) {
    const calls = name.startsWith('Query') ? CALLS / 10 : CALLS;
    results.set(name, [...(results.get(name) ?? []), await round(call, calls)]);
  }
}
for (const [name, perCall] of results) {
  const sorted = [...perCall].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`${name.padEnd(42)} median ${median.toFixed(0)} µs of CPU per call (${sorted.map((v) => v.toFixed(0)).join(', ')})`);
}

type Parser = { parse(expression: string, options: { context: object }): unknown };
const conditionParser = createRequire(import.meta.url)('dynalite/db/conditionParser.js') as Parser;
const names = { '#w': 'w', '#n': 'n', '#room': 'room' };
const values = { ':w': { N: '1' }, ':limit': { N: '5' }, ':max': { N: '50' }, ':room': { S: 'r' } };
const conditions = {
  'rate limit, grouped': 'attribute_exists(connectionId) AND (attribute_not_exists(#w) OR (#w = :w AND #n < :limit))',
  'rate limit, flat': '#w = :w AND #n < :limit OR attribute_exists(connectionId) AND attribute_not_exists(#w)',
  'room limit, grouped':
    'attribute_exists(connectionId) AND NOT contains(roomNames, :room) AND (attribute_not_exists(roomNames) OR size(roomNames) < :max)',
  'room limit, flat':
    'attribute_exists(connectionId) AND attribute_not_exists(roomNames) OR NOT contains(roomNames, :room) AND size(roomNames) < :max',
};
for (const [name, condition] of Object.entries(conditions)) {
  const parse = () =>
    conditionParser.parse(condition, {
      context: { attrNames: names, attrVals: values, unusedAttrNames: {}, unusedAttrVals: {}, isReserved: () => false },
    });
  for (let i = 0; i < 2_000; i += 1) parse();
  const started = process.hrtime.bigint();
  for (let i = 0; i < 5_000; i += 1) parse();
  const us = Number(process.hrtime.bigint() - started) / 5_000 / 1_000;
  console.log(`dynalite parses the ${name.padEnd(20)} condition in ${us.toFixed(0)} µs`);
}
client.destroy();
agent.destroy();
await dynamo.close();
