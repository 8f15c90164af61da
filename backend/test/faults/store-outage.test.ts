import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, ClientPool } from '../support/chat-client.js';
import { eventually, withTimeout } from '../local/helpers.js';
import { isMessageItem as isMessage, startFaultStack, type FaultStack } from './fault-stack.js';

/*
 * The store going away under a running gateway: the handlers reach dynalite through a proxy the test cuts.
 * Waits allow for the SDK's own retries (3 attempts) and the local runtime's 8 s SDK timeouts (config.ts).
 */
const FAULT_WAIT_MS = 20_000;

let env: FaultStack;
const clients = new ClientPool(() => env.gateway.wsUrl);

const connect = (name: string): Promise<ChatClient> => clients.open(`name=${name}`);

const roomItems = (room: string) => env.roomItems(room);

beforeAll(async () => {
  env = await startFaultStack();
});
afterEach(async () => {
  env.proxy.restore();
  await clients.closeAll();
});
afterAll(async () => {
  await env?.stop();
});

describe('the store going away mid-send', () => {
  it('store down before the send: an internal error echoing the clientMsgId, nothing stored or delivered; a retry after recovery is delivered once', async () => {
    const room = 'outage-before';
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    await bob.join(room);

    env.proxy.cut();
    alice.send({ action: 'send', room, text: 'while down', clientMsgId: 'down-1' });
    const error = await alice.waitFor('error', (e) => e.clientMsgId === 'down-1', FAULT_WAIT_MS);
    expect(error).toMatchObject({ type: 'error', code: 'internal', action: 'send', clientMsgId: 'down-1' });
    // The connections survive the outage (ping needs no store) and nobody saw an ack or a message.
    await alice.roundTrip();
    await bob.roundTrip();
    expect(alice.all('ack')).toEqual([]);
    expect([...alice.all('message'), ...bob.all('message')]).toEqual([]);
    expect(await roomItems(room)).toEqual([]);

    env.proxy.restore();
    alice.send({ action: 'send', room, text: 'while down', clientMsgId: 'down-1' });
    const ack = await alice.waitFor('ack', (a) => a.clientMsgId === 'down-1', FAULT_WAIT_MS);
    for (const client of [alice, bob]) {
      expect(await client.waitFor('message', (m) => m.clientMsgId === 'down-1')).toMatchObject({
        id: ack.id,
        text: 'while down',
      });
    }
    await bob.roundTrip();
    expect(bob.all('message')).toHaveLength(1);
    expect((await roomItems(room)).filter(isMessage).map((m) => m.clientMsgId)).toEqual(['down-1']);
  });

  it('store gone between the idempotency claim and the message write: error, no visible message; the retry finishes it under the claimed id, once', async () => {
    const room = 'outage-mid';
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    await bob.join(room);

    // The message PutItem is the second conditional Put of append(); the claim before it goes through.
    const tripped = env.proxy.cutWhen(/x-amz-target: DynamoDB_20120810\.PutItem[\s\S]*"sk":\{"S":"m#/i);
    alice.send({ action: 'send', room, text: 'half written', clientMsgId: 'mid-1' });
    await withTimeout(tripped, 'the message write to reach the proxy', FAULT_WAIT_MS);
    const error = await alice.waitFor('error', (e) => e.clientMsgId === 'mid-1', FAULT_WAIT_MS);
    expect(error).toMatchObject({ code: 'internal', action: 'send', clientMsgId: 'mid-1' });
    await bob.roundTrip();
    expect(alice.all('ack')).toEqual([]);
    expect([...alice.all('message'), ...bob.all('message')]).toEqual([]);

    // Only the claim exists: history (sk < m$) cannot see it, and it names the id the retry must reuse.
    const items = await roomItems(room);
    expect(items.filter(isMessage)).toEqual([]);
    expect(items).toHaveLength(1);
    const claimedId = items[0]!.messageId;

    env.proxy.restore();
    const reader = await connect('reader');
    expect((await reader.join(room)).history).toEqual([]);

    alice.send({ action: 'send', room, text: 'half written', clientMsgId: 'mid-1' });
    const ack = await alice.waitFor('ack', (a) => a.clientMsgId === 'mid-1', FAULT_WAIT_MS);
    expect(ack.id).toBe(claimedId);
    for (const client of [alice, bob, reader]) await client.waitFor('message', (m) => m.clientMsgId === 'mid-1');

    // A further retry (say the ack was lost) is acked with the same id and delivered to no one again.
    alice.send({ action: 'send', room, text: 'half written', clientMsgId: 'mid-1' });
    await eventually(() => (alice.all('ack').length === 2 ? true : undefined), 'the second ack');
    expect(alice.all('ack')[1]!.id).toBe(claimedId);
    for (const client of [alice, bob, reader]) {
      await client.roundTrip();
      expect(client.all('message').filter((m) => m.clientMsgId === 'mid-1')).toHaveLength(1);
    }
    expect((await roomItems(room)).filter(isMessage)).toHaveLength(1);
    bob.send({ action: 'history', room });
    expect((await bob.waitFor('history')).messages.map((m) => [m.id, m.clientMsgId])).toEqual([[claimedId, 'mid-1']]);
  });

  it('a join while the store is down fails with internal and leaves the connection usable once it is back', async () => {
    const room = 'outage-join';
    const alice = await connect('alice');
    env.proxy.cut();
    alice.send({ action: 'join', room });
    expect(await alice.waitFor('error', (e) => e.action === 'join', FAULT_WAIT_MS)).toMatchObject({ code: 'internal' });
    env.proxy.restore();
    expect((await alice.join(room)).members).toEqual([{ userId: 'guest:alice', name: 'alice' }]);
  });
});
