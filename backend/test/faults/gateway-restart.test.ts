import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, ClientPool } from '../support/chat-client.js';
import { eventually, withTimeout } from '../local/helpers.js';
import { startFaultStack, type FaultStack } from './fault-stack.js';

/*
 * The gateway goes away and comes back on the same port while the store stays: clients see 1001 (as when
 * API Gateway drops connections on a deployment), reconnect with new connection ids, and nothing is lost.
 */
let env: FaultStack;
const clients = new ClientPool(() => env.gateway.wsUrl);

const connect = (name: string): Promise<ChatClient> => clients.open(`name=${name}`);

/** Connections the store knows, from connection and membership items (not the rooms' counters). */
/** Ids in connection and membership items (not room counters, not the per-user rate counters `user#<id>`). */
const connectionIds = async () =>
  new Set(
    (await env.dump())
      .filter(
        (i) =>
          i.connectionId !== undefined &&
          !String(i.pk).endsWith('#meta') &&
          !String(i.connectionId).startsWith('user#'),
      )
      .map((i) => String(i.connectionId)),
  );

beforeAll(async () => {
  env = await startFaultStack();
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await env?.stop();
});

describe('gateway restart', () => {
  it('clients are closed with 1001, reconnect and rejoin, find the whole history, and chat on', async () => {
    const room = 'restart';
    const names = ['alice', 'bob', 'carol'];
    const before = await Promise.all(names.map(connect));
    for (const client of before) await client.join(room);
    const sent: string[] = [];
    for (let i = 0; i < 6; i++) {
      const writer = before[i % before.length]!;
      writer.send({ action: 'send', room, text: `before ${i}`, clientMsgId: `b-${i}` });
      await writer.waitFor('ack', (a) => a.clientMsgId === `b-${i}`);
      sent.push(`before ${i}`);
    }
    const oldIds = await connectionIds();
    expect(oldIds.size).toBe(3);
    const wsUrl = env.gateway.wsUrl;

    await env.restartGateway();

    for (const client of before)
      expect(await withTimeout(client.closed, 'the close at shutdown')).toMatchObject({ code: 1001 });
    // Shutdown ran $disconnect for every connection before the store could be needed elsewhere.
    expect(await connectionIds()).toEqual(new Set());
    expect(env.gateway.wsUrl).toBe(wsUrl);

    const after = await Promise.all(names.map(connect));
    const joined = await after[0]!.join(room);
    expect(joined.history.map((m) => m.text)).toEqual(sent);
    expect(joined.history.map((m) => m.sender.name)).toEqual(['alice', 'bob', 'carol', 'alice', 'bob', 'carol']);
    for (const client of after.slice(1)) await client.join(room);
    const newIds = await connectionIds();
    expect(newIds.size).toBe(3);
    expect([...newIds].filter((id) => oldIds.has(id))).toEqual([]);

    after[1]!.send({ action: 'send', room, text: 'after restart', clientMsgId: 'a-1' });
    for (const client of after) await client.waitFor('message', (m) => m.clientMsgId === 'a-1');
    for (const client of after) {
      await client.roundTrip();
      expect(client.all('message').map((m) => m.text)).toEqual(['after restart']);
    }
    after[2]!.send({ action: 'history', room });
    expect((await after[2]!.waitFor('history')).messages.map((m) => m.text)).toEqual([...sent, 'after restart']);
  });

  it('after a crash that skipped $disconnect, the stale connections are cleaned by the first fan-out and history is intact', async () => {
    const room = 'crash';
    // The previous test's clients are closed, but their $disconnect may still be running.
    await eventually(
      async () => ((await connectionIds()).size === 0 ? true : undefined),
      'an empty store of connections',
    );
    const before = await Promise.all(['alice', 'bob', 'dave'].map(connect));
    for (const client of before) await client.join(room);
    for (const [i, client] of before.entries()) {
      client.send({ action: 'send', room, text: `pre-crash ${i}`, clientMsgId: `c-${i}` });
      await client.waitFor('ack');
    }
    const staleIds = await connectionIds();

    // With the store unreachable, shutdown's $disconnect handlers fail: what a crashed gateway leaves behind.
    env.proxy.cut();
    await env.restartGateway();
    env.proxy.restore();
    for (const client of before) await withTimeout(client.closed, 'the close at shutdown');
    expect(await connectionIds()).toEqual(staleIds);

    // alice and bob come back, dave does not.
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    const joined = await alice.join(room);
    expect(joined.history.map((m) => m.text)).toEqual(['pre-crash 0', 'pre-crash 1', 'pre-crash 2']);
    // alice's stale twin is still listed, so her join is no news (presence is per user); her first message
    // reaches the stale connections, which answer 410 and are removed.
    alice.send({ action: 'send', room, text: 'back', clientMsgId: 'back-1' });
    await alice.waitFor('ack');
    await eventually(async () => {
      const ids = await connectionIds();
      return [...staleIds].some((id) => ids.has(id)) ? undefined : true;
    }, 'the stale connections to be removed');
    expect((await bob.join(room)).members.map((m) => m.name).sort()).toEqual(['alice', 'bob']);

    bob.send({ action: 'send', room, text: 'post-crash', clientMsgId: 'p-1' });
    for (const [client, expected] of [
      [alice, ['back', 'post-crash']],
      [bob, ['post-crash']],
    ] as const) {
      await client.waitFor('message', (m) => m.clientMsgId === 'p-1');
      await client.roundTrip();
      expect(client.all('message').map((m) => m.text)).toEqual(expected);
    }
  });
});
