import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoConnectionStore } from '../../src/adapters/dynamodb/connection-store.js';
import { DynamoFanoutClaims } from '../../src/adapters/dynamodb/fanout-claims.js';
import { DynamoMessageStore } from '../../src/adapters/dynamodb/message-store.js';
import type { Message } from '../../src/protocol/index.js';
import { unique, uniqueRoom } from '../contracts/ids.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

/*
 * Conditional writes when the SDK repeats them: the first request was applied but its response was lost (a
 * reset socket, the 5 s request timeout), so the SDK's retry of the same request fails its own condition. A
 * store that reads that as "someone else got there first" skips a whole shard, or never fans a message out.
 * The fault (apply, then send the same command again) is injected around the real client on dynalite.
 */
let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo('lost');
});
afterAll(async () => {
  await dynamo?.stop();
});

type Command = { constructor: { name: string }; input: Record<string, unknown> };

/** A client that sends the commands `repeat` picks twice, like an SDK retry after a lost response. */
function repeating(repeat: (command: Command) => boolean): DynamoDBDocumentClient {
  const real = dynamo.client;
  const send = async (command: Command) => {
    const first = await real.send(command as never);
    return repeat(command) ? real.send(command as never) : first;
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

/** A client that holds the first command `pause` picks once it is applied (`reached`) until `release` is called. */
function pausing(pause: (command: Command) => boolean) {
  let release!: () => void;
  let reach!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  let paused = false;
  const send = async (command: Command) => {
    const out = await dynamo.client.send(command as never);
    if (!paused && pause(command)) {
      paused = true;
      reach();
      await released;
    }
    return out;
  };
  return { client: { send } as unknown as DynamoDBDocumentClient, reached, release };
}

const isPut = (command: Command) => command.constructor.name === 'PutCommand';
const isJoinWrite = (command: Command) =>
  command.constructor.name === 'UpdateCommand' && String(command.input.UpdateExpression).startsWith('ADD roomNames');

const messages = (client: DynamoDBDocumentClient) =>
  new DynamoMessageStore(client, { table: dynamo.tables.messages, retentionDays: 1 });
const claims = (client: DynamoDBDocumentClient) => new DynamoFanoutClaims(client, { table: dynamo.tables.messages });
const connections = (client: DynamoDBDocumentClient, shardSize = 1) =>
  new DynamoConnectionStore(client, {
    tables: { connections: dynamo.tables.connections, memberships: dynamo.tables.memberships },
    connectionTtlSeconds: 3600,
    shardSize,
  });
const user = (name: string) => ({ userId: `u-${name}`, name });

async function memberIds(room: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of connections(dynamo.client).members(room)) ids.push(...page.map((m) => m.connectionId));
  return ids.sort();
}

async function connected(...ids: string[]): Promise<void> {
  for (const connectionId of ids) {
    await connections(dynamo.client).saveConnection({ connectionId, user: user(connectionId), connectedAt: 1 });
  }
}

describe('a conditional write the SDK repeated after its response was lost', () => {
  it('still claims the fan-out job for the one worker that wrote the claim', async () => {
    const job = { room: uniqueRoom(), shard: 3, jobId: unique('m') };
    expect(await claims(repeating(isPut)).claimFanoutJob(job)).toBe(true);
    // Anyone else still finds it claimed.
    expect(await claims(dynamo.client).claimFanoutJob(job)).toBe(false);
  });

  it('still reports the message as created, so it is fanned out', async () => {
    const message: Message = {
      room: uniqueRoom(),
      id: '0001800000000000-0001',
      ts: 1_800_000_000_000,
      sender: user('ann'),
      text: 'hello',
      clientMsgId: unique('c'),
    };
    const isMessagePut = (command: Command) =>
      isPut(command) && (command.input.Item as { sk: string }).sk.startsWith('m#');
    expect(await messages(repeating(isMessagePut)).append(message)).toEqual({ message, created: true, pending: true });
    // The sender's own retry of the send is still recognised.
    expect((await messages(dynamo.client).append({ ...message, id: '0001800000000001-0001' })).created).toBe(false);
  });

  it('still reserves the send for the attempt that wrote the claim, whose append then creates the message', async () => {
    const message: Message = {
      room: uniqueRoom(),
      id: '0001800000000002-0001',
      ts: 1_800_000_000_002,
      sender: user('bea'),
      text: 'hello',
      clientMsgId: unique('c'),
    };
    const isClaimPut = (command: Command) =>
      isPut(command) && (command.input.Item as { sk: string }).sk.startsWith('z#');
    const store = messages(repeating(isClaimPut));
    const reservation = await store.reserve(message);
    expect(reservation.fresh).toBe(true);
    expect(await store.append(message, { reservation })).toEqual({ message, created: true, pending: true });
    // Someone else's reservation of the same key finds it taken.
    expect((await messages(dynamo.client).reserve({ ...message, id: '0001800000000003-0001' })).fresh).toBe(false);
  });

  it('still makes a first join a first join: counted once, in a shard fan-out reads', async () => {
    const room = uniqueRoom();
    const [a, b] = [unique('c'), unique('c')];
    await connected(a, b);
    await connections(dynamo.client).addMembership({ room, connectionId: a, user: user('a'), joinedAt: 1 });

    const joined = await connections(repeating(isJoinWrite)).addMembership({
      room,
      connectionId: b,
      user: user('b'),
      joinedAt: 2,
    });

    // Shards of 1: b opened shard 1, which the room's shard count must include.
    expect(joined).toEqual({ already: false, room: { members: 2, shards: 2 } });
    expect(await connections(dynamo.client).room(room)).toEqual({ members: 2, shards: 2 });
    expect(await memberIds(room)).toEqual([a, b].sort());
  });
});

describe('fan-out claims', () => {
  it('are given back only by the instance that made them', async () => {
    const job = { room: uniqueRoom(), shard: 0, jobId: unique('m') };
    const worker = claims(dynamo.client);
    const other = claims(dynamo.client);
    expect(await worker.claimFanoutJob(job)).toBe(true);

    await other.releaseFanoutJob(job);
    expect(await other.claimFanoutJob(job)).toBe(false);

    await worker.releaseFanoutJob(job);
    expect(await other.claimFanoutJob(job)).toBe(true);
    // A stale release (the claim is someone else's by now) leaves it alone.
    await worker.releaseFanoutJob(job);
    expect(await worker.claimFanoutJob(job)).toBe(false);
  });

  it('are remembered for the 1,000 latest jobs only, so a warm container does not grow', async () => {
    const store = claims(dynamo.client);
    const room = uniqueRoom();
    const first = { room, shard: 0, jobId: 'm-0' };
    expect(await store.claimFanoutJob(first)).toBe(true);
    for (let i = 1; i <= 1_000; i += 1)
      expect(await store.claimFanoutJob({ room, shard: 0, jobId: `m-${i}` })).toBe(true);

    // The first claim's token is forgotten: releasing it does nothing, the latest one is still released.
    await store.releaseFanoutJob(first);
    await store.releaseFanoutJob({ room, shard: 0, jobId: 'm-1000' });
    expect(await store.claimFanoutJob(first)).toBe(false);
    expect(await store.claimFanoutJob({ room, shard: 0, jobId: 'm-1000' })).toBe(true);
  }, 30_000);
});

describe('joins that fail half-way or race a leave', () => {
  it('a join retried after it wrote its entry but failed to grow the shard count grows it', async () => {
    const room = uniqueRoom();
    const [a, b] = [unique('c'), unique('c')];
    await connected(a, b);
    await connections(dynamo.client).addMembership({ room, connectionId: a, user: user('a'), joinedAt: 1 });
    const growFails = {
      send: async (command: Command) => {
        if (command.constructor.name === 'UpdateCommand' && command.input.UpdateExpression === 'SET shards = :n') {
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
            name: 'ThrottlingException',
          });
        }
        return dynamo.client.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    await expect(
      connections(growFails).addMembership({ room, connectionId: b, user: user('b'), joinedAt: 2 }),
    ).rejects.toThrow();

    // The client retries the join: its entry is already there, so it is a re-join, which must still grow the count.
    const retried = await connections(dynamo.client).addMembership({
      room,
      connectionId: b,
      user: user('b'),
      joinedAt: 3,
    });

    expect(retried.already).toBe(true);
    expect(await memberIds(room)).toEqual([a, b].sort());
  });

  it('a leave that read the connection before a racing join wrote it leaves that join whole', async () => {
    const room = uniqueRoom();
    const [x, y] = [unique('c'), unique('c')];
    await connected(x, y);
    await connections(dynamo.client).addMembership({ room, connectionId: y, user: user('y'), joinedAt: 1 });
    const slow = pausing(
      (command) =>
        command.constructor.name === 'GetCommand' &&
        (command.input.Key as { connectionId?: string }).connectionId === x,
    );

    const leaving = connections(slow.client).removeMembership(room, x);
    // The leave has read x's (empty) rooms and waits; the join goes all the way through meanwhile.
    await slow.reached;
    await connections(dynamo.client).addMembership(
      { room, connectionId: x, user: user('x'), joinedAt: 2 },
      { maxRooms: 5 },
    );
    slow.release();

    expect(await leaving).toBe(false);
    expect(await connections(dynamo.client).isMember(room, x)).toBe(true);
    // A second join is a re-join, not a second membership.
    expect(
      (
        await connections(dynamo.client).addMembership(
          { room, connectionId: x, user: user('x'), joinedAt: 3 },
          { maxRooms: 5 },
        )
      ).already,
    ).toBe(true);
    expect(await memberIds(room)).toEqual([x, y].sort());
  });
});
