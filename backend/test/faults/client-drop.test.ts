import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebSocketEvent } from '../../src/apigw/events.js';
import { LambdaRuntime } from '../../src/local/lambda-runtime.js';
import { ChatClient, ClientPool } from '../support/chat-client.js';
import { eventually, withTimeout } from '../local/helpers.js';
import { isMessageItem, startFaultStack, type FaultStack } from './fault-stack.js';

/*
 * Clients that vanish without a close frame (a killed tab, a dropped network): API Gateway still runs
 * $disconnect, with status 1006, and it must leave nothing of the connection behind.
 */
let env: FaultStack;
const clients = new ClientPool(() => env.gateway.wsUrl);
/** Passes through; records the events the gateway handed to $disconnect. */
const invokeSpy = vi.spyOn(LambdaRuntime.prototype, 'invoke');
const disconnectEvents = () =>
  invokeSpy.mock.calls
    .filter(([spec]) => spec.functionName === 'disconnect')
    .map(([, event]) => event as WebSocketEvent);
const MESSAGE_WRITE = /x-amz-target: DynamoDB_20120810\.PutItem[\s\S]*"sk":\{"S":"m#/i;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** join's count of a new member on the room, between reserving the room and writing the membership. */
const countMember = (table: string, room: string) =>
  new RegExp(`UpdateItem[\\s\\S]*"TableName":"${escape(table)}","Key":\\{"pk":\\{"S":"${escape(room)}#meta"\\}`, 'i');
/** $disconnect's final write. */
const deleteConnection = (table: string, id: string) =>
  new RegExp(
    `DeleteItem[\\s\\S]*"TableName":"${escape(table)}","Key":\\{"connectionId":\\{"S":"${escape(id)}"\\}\\}`,
    'i',
  );

const connect = (name: string): Promise<ChatClient> => clients.open(`name=${name}`);

const rawSocket = (client: ChatClient) => (client.ws as unknown as { _socket: Socket })._socket;

/** The connection id the store holds for a user. */
async function connectionIdOf(userId: string): Promise<string> {
  const items = (await env.dump()).filter((item) => item.userId === userId && item.connectedAt !== undefined);
  expect(items).toHaveLength(1);
  return String(items[0]!.connectionId);
}

/** Resolves once no table holds an item of the connection; bounded. */
async function noItemsLeftOf(connectionId: string): Promise<void> {
  let leftovers: unknown[] = [];
  try {
    await eventually(async () => {
      leftovers = (await env.dump()).filter((item) => item.connectionId === connectionId);
      return leftovers.length === 0 ? true : undefined;
    }, `no items of ${connectionId}`);
  } catch (error) {
    throw new Error(`${(error as Error).message}; left: ${JSON.stringify(leftovers)}`, { cause: error });
  }
}

beforeAll(async () => {
  env = await startFaultStack();
});
afterEach(async () => {
  env.proxy.restore();
  await clients.closeAll();
});
afterAll(async () => {
  await env?.stop();
  invokeSpy.mockRestore();
});

describe('abrupt client drops without a close frame', () => {
  it.each([
    ['terminated', (client: ChatClient) => client.ws.terminate()],
    ['reset (TCP RST)', (client: ChatClient) => rawSocket(client).resetAndDestroy()],
    ['half-closed (FIN, no close frame)', (client: ChatClient) => rawSocket(client).end()],
  ])('%s: $disconnect runs with 1006, removes every item of the connection and tells the room', async (how, drop) => {
    const room = `drop-${how.split(' ')[0]}`;
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    await bob.join(room);
    await bob.join(`${room}-2`);
    const bobId = await connectionIdOf('guest:bob');

    drop(bob);

    expect(await alice.waitFor('presence', (p) => p.room === room && p.state === 'left')).toMatchObject({
      user: { userId: 'guest:bob', name: 'bob' },
    });
    const event = await eventually(
      () => disconnectEvents().find((e) => e.requestContext.connectionId === bobId),
      'the $disconnect event',
    );
    expect(event.requestContext).toMatchObject({
      eventType: 'DISCONNECT',
      routeKey: '$disconnect',
      disconnectStatusCode: 1006,
    });
    await noItemsLeftOf(bobId);
  });

  /*
   * Regression: the ack used to be posted before the fan-out, and its 410 aborted the send, so a message stored
   * when its sender vanished was never delivered live (and the sender's retry, created: false, did not fan out).
   */
  it('the sender drops after its message is stored but before the ack: the room still gets it, once', async () => {
    const room = 'drop-before-ack';
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    await bob.join(room);
    const bobId = await connectionIdOf('guest:bob');

    // Freeze send right after the message write, drop the sender, let $disconnect finish, then resume.
    const held = env.proxy.holdResponseWhen(MESSAGE_WRITE);
    bob.send({ action: 'send', room, text: 'last words', clientMsgId: 'last-1' });
    const hold = await withTimeout(held, 'the message write');
    bob.ws.terminate();
    await noItemsLeftOf(bobId);
    hold.release();

    expect(await alice.waitFor('message', (m) => m.clientMsgId === 'last-1')).toMatchObject({
      text: 'last words',
      sender: { name: 'bob' },
    });
    // Bob never saw an ack, so he retries from a new connection: acked with the same id, not delivered again.
    const stored = (await env.roomItems(room)).filter(isMessageItem);
    expect(stored.map((m) => m.clientMsgId)).toEqual(['last-1']);
    const bobAgain = await connect('bob');
    await bobAgain.join(room);
    bobAgain.send({ action: 'send', room, text: 'last words', clientMsgId: 'last-1' });
    expect((await bobAgain.waitFor('ack')).id).toBe(stored[0]!.id);
    await alice.roundTrip();
    expect(alice.all('message').filter((m) => m.clientMsgId === 'last-1')).toHaveLength(1);
  });

  it('a join racing the drop leaves no membership behind, and counts bob out once', async () => {
    const room = 'drop-while-joining';
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    const bobId = await connectionIdOf('guest:bob');
    const { connections, memberships } = env.tables;

    // join is frozen after counting bob in; bob drops; $disconnect is frozen before it deletes the connection item.
    // Then join writes the entry and the membership, then the delete goes on: the deleted item holds join's entry,
    // so $disconnect deletes that membership too (before, it read the entries first and left an orphan).
    const joinFrozen = env.proxy.holdResponseWhen(countMember(memberships, room));
    const deleteFrozen = env.proxy.holdRequestWhen(deleteConnection(connections, bobId));
    bob.send({ action: 'join', room });
    const join = await withTimeout(joinFrozen, "join's count of the member");
    bob.ws.terminate();
    const disconnect = await withTimeout(deleteFrozen, "$disconnect's delete of the connection");
    join.release();
    await eventually(
      async () => ((await env.dump()).some((i) => i.room === room && i.connectionId === bobId) ? true : undefined),
      'the racing membership',
    );
    disconnect.release();
    await noItemsLeftOf(bobId);
    // Bob was counted in by the join and out once, with his connection item.
    expect((await env.dump()).find((i) => i.pk === `${room}#meta`)).toMatchObject({ members: 1, n0: 1 });
    alice.send({ action: 'send', room, text: 'anyone there?', clientMsgId: 'race-1' });
    await alice.waitFor('message', (m) => m.clientMsgId === 'race-1');
  });
});
