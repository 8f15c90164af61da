import { readFile } from 'node:fs/promises';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { parse } from 'yaml';
import { DynamoConnectionStore } from '../../src/adapters/dynamodb/connection-store.js';
import { DynamoFanoutClaims } from '../../src/adapters/dynamodb/fanout-claims.js';
import { DynamoMessageStore } from '../../src/adapters/dynamodb/message-store.js';
import { DynamoRateLimiter } from '../../src/adapters/dynamodb/rate-limiter.js';
import { ConnectionGoneError, StoreUnavailableError, TooManyRoomsError } from '../../src/domain/errors.js';
import type { Clock, Membership } from '../../src/domain/ports.js';
import { DEFAULT_SERVERLESS_FILE } from '../../src/local/serverless-config.js';
import type { Message } from '../../src/protocol/index.js';
import { unique, uniqueRoom } from '../contracts/ids.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { testStoreConfig, testStoreName } from '../support/test-store.js';

/**
 * 2100-01-01, so every TTL these tests write lies in the real future: on a store with TTL on (an external
 * TEST_DYNAMODB_ENDPOINT) an item already expired may be deleted at any moment, and these tests read back what
 * they wrote. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
const NOW = 4_102_444_800_000;
const fixedClock = (now: number): Clock => ({ now: () => now });

let dynamo: TestDynamo;
let send: MockInstance;

beforeAll(async () => {
  dynamo = await startTestDynamo('items');
});
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(() => {
  send?.mockRestore();
  send = vi.spyOn(dynamo.client, 'send');
});

const sentCommands = (): string[] => send.mock.calls.map(([command]) => (command as object).constructor.name);

function connectionStore(clock: Clock = fixedClock(NOW), membersPageSize?: number) {
  return new DynamoConnectionStore(dynamo.client, {
    tables: { connections: dynamo.tables.connections, memberships: dynamo.tables.memberships },
    connectionTtlSeconds: 3600,
    clock,
    ...(membersPageSize !== undefined ? { membersPageSize } : {}),
  });
}

const messageStore = (clock: Clock = fixedClock(NOW)) =>
  new DynamoMessageStore(dynamo.client, { table: dynamo.tables.messages, retentionDays: 30, clock });

async function rawItem(table: string, key: Record<string, string>) {
  return (await dynamo.client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

const message = (room: string, overrides: Partial<Message> = {}): Message => ({
  room,
  id: '0004102444800000-0001',
  ts: NOW,
  sender: { userId: 'u#1', name: 'Zoë' },
  text: 'hi',
  clientMsgId: 'c-1',
  ...overrides,
});

describe(`DynamoDB adapters on ${testStoreName}: items and access patterns`, () => {
  it('writes connection and membership items with a String Set of <room>#<shard> entries, the room counters, and TTL in epoch seconds', async () => {
    // Prepare
    const store = connectionStore();
    const [connectionId, room] = [unique('c'), uniqueRoom()];
    const user = { userId: 'u-1', name: 'Zoë' };
    // Act
    await store.saveConnection({ connectionId, user, connectedAt: NOW - 5 });
    await store.addMembership({ room, connectionId, user, joinedAt: NOW });
    // Assess
    const connection = await rawItem(dynamo.tables.connections, { connectionId });
    const [entry] = [...((connection?.rooms as Set<string> | undefined) ?? [])];
    // The entry carries the join's token, and the membership item the same one.
    const token = /^[^#]+#0#([A-Za-z0-9_-]{8})$/.exec(entry ?? '')?.[1];
    expect(token).toBeDefined();
    expect(connection).toEqual({
      connectionId,
      userId: 'u-1',
      name: 'Zoë',
      connectedAt: NOW - 5,
      roomNames: new Set([room]),
      rooms: new Set([`${room}#0#${token}`]),
      ttl: NOW / 1000 + 3600,
    });
    expect(await rawItem(dynamo.tables.memberships, { pk: `${room}#0`, connectionId })).toEqual({
      pk: `${room}#0`,
      room,
      shard: 0,
      connectionId,
      userId: 'u-1',
      name: 'Zoë',
      joinedAt: NOW,
      joinToken: token,
      ttl: NOW / 1000 + 3600,
    });
    expect(await rawItem(dynamo.tables.memberships, { pk: `${room}#meta`, connectionId: '#' })).toEqual({
      pk: `${room}#meta`,
      connectionId: '#',
      members: 1,
      n0: 1,
      shards: 1,
      ttl: NOW / 1000 + 3600,
    });
  });

  it('writes the message and an idempotency record with an encoded userId under one room partition', async () => {
    const room = uniqueRoom();

    await messageStore().append(message(room));

    const ttl = NOW / 1000 + 30 * 86_400;
    expect(await rawItem(dynamo.tables.messages, { room, sk: 'm#0004102444800000-0001' })).toEqual({
      room,
      sk: 'm#0004102444800000-0001',
      id: '0004102444800000-0001',
      ts: NOW,
      userId: 'u#1',
      name: 'Zoë',
      text: 'hi',
      clientMsgId: 'c-1',
      writeToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      pending: NOW,
      pendingBy: expect.any(String),
      ttl,
    });
    expect(await rawItem(dynamo.tables.messages, { room, sk: 'z#u%231#c-1' })).toEqual({
      room,
      sk: 'z#u%231#c-1',
      messageId: '0004102444800000-0001',
      ts: NOW,
      ttl,
      writeToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("counts a bucket's first use in one UpdateItem per counter, and a later window's first action in two", async () => {
    let now = NOW;
    const clock: Clock = { now: () => now };
    const connections = connectionStore(clock);
    const limiter = new DynamoRateLimiter(dynamo.client, { table: dynamo.tables.connections, clock });
    const [connectionId, userId] = [unique('c'), unique('u')];
    await connections.saveConnection({ connectionId, user: { userId, name: 'U' }, connectedAt: 1 });
    const policy = { limit: 2, windowMs: 10_000 };
    send.mockClear();

    expect(await limiter.tryConsume(connectionId, 'join', policy)).toBe(true);
    expect(await limiter.tryConsumeUser(userId, 'join', policy)).toBe(true);
    expect(sentCommands()).toEqual(['UpdateCommand', 'UpdateCommand']);
    expect(await rawItem(dynamo.tables.connections, { connectionId })).toMatchObject({
      rl_join_w: NOW / 10_000,
      rl_join_n: 1,
    });
    expect(await rawItem(dynamo.tables.connections, { connectionId: `user#${userId}` })).toEqual({
      connectionId: `user#${userId}`,
      rl_join_w: NOW / 10_000,
      rl_join_n: 1,
      ttl: (NOW + 10_000) / 1000 + 3600,
    });

    send.mockClear();
    expect([
      await limiter.tryConsume(connectionId, 'join', policy),
      await limiter.tryConsume(connectionId, 'join', policy),
    ]).toEqual([true, false]);
    // Refused in its window: the failed increment, the failed window start, the increment again, the existence read.
    expect(sentCommands()).toEqual(['UpdateCommand', 'UpdateCommand', 'UpdateCommand', 'UpdateCommand', 'GetCommand']);

    now += policy.windowMs;
    send.mockClear();
    expect(await limiter.tryConsume(connectionId, 'join', policy)).toBe(true);
    expect(sentCommands()).toEqual(['UpdateCommand', 'UpdateCommand']);
    expect(await rawItem(dynamo.tables.connections, { connectionId })).toMatchObject({
      rl_join_w: now / 10_000,
      rl_join_n: 1,
    });
  });

  it('writes its conditions without grouping parentheses, which dynalite parses several times slower', async () => {
    const connections = connectionStore();
    const limiter = new DynamoRateLimiter(dynamo.client, { table: dynamo.tables.connections });
    const [room, id] = [uniqueRoom(), unique('c')];
    const user = { userId: unique('u'), name: 'U' };
    const policy = { limit: 5, windowMs: 10_000 };
    await connections.saveConnection({ connectionId: id, user, connectedAt: 1 });
    for (let i = 0; i < 2; i += 1) {
      await limiter.tryConsume(id, 'join', policy);
      await limiter.tryConsumeUser(user.userId, 'join', policy);
      await connections.addMembership({ room, connectionId: id, user, joinedAt: 2 }, { maxRooms: 2 });
    }
    await connections.addMembership({ room: uniqueRoom(), connectionId: id, user, joinedAt: 3 }, { maxRooms: 2 });
    await expect(
      connections.addMembership({ room: uniqueRoom(), connectionId: id, user, joinedAt: 4 }, { maxRooms: 2 }),
    ).rejects.toBeInstanceOf(TooManyRoomsError);
    await connections.removeMembership(room, id);
    await connections.removeConnection(id);
    await expect(connections.addMembership({ room, connectionId: id, user, joinedAt: 5 })).rejects.toBeInstanceOf(
      ConnectionGoneError,
    );

    const conditions = send.mock.calls.flatMap(([command]) => {
      const { input } = command as { input: Record<string, unknown> };
      return ['ConditionExpression', 'KeyConditionExpression', 'FilterExpression'].flatMap((key) =>
        typeof input[key] === 'string' ? [input[key]] : [],
      );
    });
    expect(conditions.length).toBeGreaterThan(10);
    // A "(" after anything but a function name groups.
    expect(conditions.filter((condition) => /(^|[^\w])\(/.test(condition))).toEqual([]);
  });

  it('sends each table only the operations serverless.yml grants on that table, and never Scan', async () => {
    const connections = connectionStore(fixedClock(Date.now()), 2);
    const messages = messageStore();
    const limiter = new DynamoRateLimiter(dynamo.client, { table: dynamo.tables.connections });
    const [room, a, b] = [uniqueRoom(), unique('c'), unique('c')];
    const user = { userId: 'u', name: 'U' };
    for (const id of [a, b]) {
      await connections.saveConnection({ connectionId: id, user, connectedAt: 1 });
      await connections.addMembership({ room, connectionId: id, user, joinedAt: 2 });
    }
    await connections.addMembership({ room, connectionId: a, user, joinedAt: 3 });
    await limiter.tryConsume(a, 'send', { limit: 5, windowMs: 10_000 });
    for await (const page of connections.members(room)) expect(page.length).toBeGreaterThan(0);
    await connections.room(room);
    await connections.isMember(room, a);
    await connections.getConnection(a);
    await connections.removeMembership(room, a);
    await connections.removeConnection(b);
    await limiter.tryConsumeUser('u', 'send', { limit: 5, windowMs: 10_000 });
    await limiter.refundUser('u', 'send', { limit: 5, windowMs: 10_000 });
    await messages.append(message(room));
    await messages.append(message(room));
    await messages.release(await messages.reserve({ ...message(room), clientMsgId: 'c-refused' }));
    await messages.markDelivered(room, '0004102444800000-0001');
    await messages.page(room, { limit: 10 });
    const claims = new DynamoFanoutClaims(dynamo.client, { table: dynamo.tables.messages });
    const job = { room, shard: 0, jobId: 'm-1' };
    await claims.claimFanoutJob(job);
    await claims.claimFanoutJob(job);
    await claims.releaseFanoutJob(job);

    // What serverless.yml grants, per table: statements whose Resource is `Fn::GetAtt: [<Table>, Arn]`.
    const sls = await testStoreConfig(dynamo.stage);
    const tableOf = new Map(sls.tables.map((t) => [t.logicalId, t.TableName]));
    const allowed = new Set<string>();
    const collect = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const { Action, Resource } = node as { Action?: unknown; Resource?: unknown };
      if (Array.isArray(Action) && Array.isArray(Resource)) {
        for (const resource of Resource) {
          const [logicalId] = (resource as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'] ?? [];
          const table = logicalId === undefined ? undefined : tableOf.get(logicalId);
          if (table !== undefined) for (const action of Action) allowed.add(`${table} ${String(action)}`);
        }
      }
      Object.values(node).forEach(collect);
    };
    collect(parse(await readFile(DEFAULT_SERVERLESS_FILE, 'utf8')));
    expect(allowed.size).toBeGreaterThan(0);
    // GetCommand -> dynamodb:GetItem, BatchWriteCommand -> dynamodb:BatchWriteItem, QueryCommand -> dynamodb:Query
    const action = (command: string) =>
      `dynamodb:${command.replace(/Command$/, '').replace(/^(Get|Put|Update|Delete|BatchWrite)$/, '$1Item')}`;
    const used = new Set(
      send.mock.calls.flatMap(([command]) => {
        const { input } = command as { input: { TableName?: string; RequestItems?: Record<string, unknown> } };
        const tables = input.TableName !== undefined ? [input.TableName] : Object.keys(input.RequestItems ?? {});
        return tables.map((table) => `${table} ${action((command as object).constructor.name)}`);
      }),
    );
    expect([...used].some((u) => u.endsWith('dynamodb:BatchWriteItem'))).toBe(true);
    expect([...used].filter((u) => u.endsWith('dynamodb:Scan'))).toEqual([]);
    expect([...used].filter((u) => !allowed.has(u))).toEqual([]);
    // And nothing is granted that no adapter uses (least privilege both ways).
    expect([...allowed].filter((a) => !used.has(a)).sort()).toEqual([]);
  });

  it('skips memberships past their TTL, which DynamoDB may still return for days', async () => {
    const [room, connectionId] = [uniqueRoom(), unique('c')];
    const user = { userId: 'u', name: 'U' };
    const past = connectionStore(fixedClock(NOW));
    await past.saveConnection({ connectionId, user, connectedAt: NOW });
    await past.addMembership({ room, connectionId, user, joinedAt: NOW });

    const later = connectionStore(fixedClock(NOW + 3601 * 1000));
    const seen: Membership[] = [];
    for await (const page of later.members(room)) seen.push(...page);

    expect(seen).toEqual([]);
  });

  it('reads history past the 1 MB Query response limit with several requests', async () => {
    const store = messageStore();
    const room = uniqueRoom();
    // A maximal message (4000 emoji) is 16 KB in DynamoDB, which counts UTF-8 bytes, so 101 of them pass
    // 1 MB; dynalite counts UTF-16 units (8 K), so this uses 12 K of ASCII to pass 1 MB there too.
    const text = 'x'.repeat(12_000);
    for (let i = 0; i < 140; i += 1) {
      await store.append(message(room, { id: `${NOW + i}-0000`, ts: NOW + i, clientMsgId: `c-${i}`, text }));
    }
    send.mockClear();

    const page = await store.page(room, { limit: 100 });

    expect(page.messages).toHaveLength(100);
    expect(page.messages[0]?.id).toBe(`${NOW + 40}-0000`);
    expect(page.hasMore).toBe(true);
    expect(sentCommands().filter((name) => name === 'QueryCommand').length).toBeGreaterThan(1);
  });

  it('finishes a send whose first attempt claimed the clientMsgId but never wrote the message', async () => {
    const store = messageStore();
    const room = uniqueRoom();
    // The first attempt crashed between its two writes: only the claim exists.
    await dynamo.client.send(
      new PutCommand({
        TableName: dynamo.tables.messages,
        Item: { room, sk: 'z#u%231#c-1', messageId: 'claimed-id', ts: NOW - 1000, ttl: NOW / 1000 + 60 },
      }),
    );

    const retry = await store.append(message(room, { id: 'retry-id', ts: NOW }));
    const again = await store.append(message(room, { id: 'third-id', ts: NOW + 1 }));

    const finished = message(room, { id: 'claimed-id', ts: NOW - 1000 });
    expect(retry).toEqual({ message: finished, created: true, pending: true });
    expect(again).toEqual({ message: finished, created: false, pending: true });
    expect((await store.page(room, { limit: 10 })).messages).toEqual([finished]);
  });

  it("refuses to hand out another sender's message when a message id collides", async () => {
    const store = messageStore();
    const room = uniqueRoom();
    await store.append(message(room));

    const clash = store.append(message(room, { sender: { userId: 'someone-else', name: 'X' }, clientMsgId: 'other' }));

    await expect(clash).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('removeMembership heals a room left in the connection without a membership', async () => {
    const store = connectionStore();
    const [connectionId, room] = [unique('c'), uniqueRoom()];
    await store.saveConnection({ connectionId, user: { userId: 'u', name: 'U' }, connectedAt: NOW });
    // A crash after the ADD rooms of a join, before its membership Put.
    await dynamo.client.send(
      new UpdateCommand({
        TableName: dynamo.tables.connections,
        Key: { connectionId },
        UpdateExpression: 'ADD rooms :r',
        ExpressionAttributeValues: { ':r': new Set([room]) },
      }),
    );

    // The half-made membership is ended (its entry, which counted it, is removed).
    expect(await store.removeMembership(room, connectionId)).toBe(true);
    expect((await store.getConnection(connectionId))?.rooms).toEqual([]);
    expect(await store.removeMembership(room, connectionId)).toBe(false);
  });
});
