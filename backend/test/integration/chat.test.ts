import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ChatClient, ClientPool } from '../support/chat-client.js';
import { eventually } from '../local/helpers.js';
import { startTestStack, type TestStack } from './stack.js';

let env: TestStack;
const clients = new ClientPool(() => env.stack.wsUrl);
let roomSeq = 0;
const freshRoom = () => `room-${process.pid}-${++roomSeq}`;

const connect = (name: string): Promise<ChatClient> => clients.open(`name=${encodeURIComponent(name)}`);

beforeAll(async () => {
  env = await startTestStack();
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await env?.stop();
});

describe('chat over the local gateway with the real handlers and dynalite', () => {
  it('join answers members and history, and tells the room about the newcomer', async () => {
    const room = freshRoom();
    const alice = await connect('alice');
    const first = await alice.join(room);
    expect(first).toEqual({ type: 'joined', room, members: [{ userId: 'guest:alice', name: 'alice' }], history: [] });

    const bob = await connect('bob');
    const joined = await bob.join(room);
    expect(joined.members).toEqual(
      expect.arrayContaining([
        { userId: 'guest:alice', name: 'alice' },
        { userId: 'guest:bob', name: 'bob' },
      ]),
    );
    expect(joined.members).toHaveLength(2);
    const presence = await alice.waitFor('presence', (f) => f.room === room && f.state === 'joined');
    expect(presence.user).toEqual({ userId: 'guest:bob', name: 'bob' });
    expect(bob.all('presence')).toHaveLength(0);
  });

  it('send acks the sender, then delivers one message to every member including the sender, and no one else', async () => {
    const room = freshRoom();
    const [alice, bob, carol, outsider] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map(connect));
    for (const c of [alice!, bob!, carol!]) await c.join(room);
    alice!.send({ action: 'send', room, text: 'hello 👋 <b>world</b>', clientMsgId: 'm-1' });
    const ack = await alice!.waitFor('ack');
    expect(ack).toMatchObject({ type: 'ack', clientMsgId: 'm-1' });
    for (const c of [alice!, bob!, carol!]) {
      const message = await c.waitFor('message', (m) => m.clientMsgId === 'm-1');
      expect(message).toEqual({
        type: 'message',
        room,
        id: ack.id,
        ts: ack.ts,
        sender: { userId: 'guest:alice', name: 'alice' },
        text: 'hello 👋 <b>world</b>',
        clientMsgId: 'm-1',
      });
    }
    const aliceFrames = alice!.frames.map((f) => f.type);
    expect(aliceFrames.indexOf('ack')).toBeLessThan(aliceFrames.lastIndexOf('message'));
    await outsider!.roundTrip();
    expect(outsider!.all('message')).toHaveLength(0);
  });

  it('takes the sender from the connection, never from the frame', async () => {
    const room = freshRoom();
    const mallory = await connect('mallory');
    await mallory.join(room);
    mallory.send({
      action: 'send',
      room,
      text: 'I am alice',
      clientMsgId: 'spoof-1',
      sender: { userId: 'guest:alice', name: 'alice' },
    });
    const message = await mallory.waitFor('message');
    expect(message.sender).toEqual({ userId: 'guest:mallory', name: 'mallory' });
  });

  it('stores and delivers a repeated clientMsgId once, acking both with the same id', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    await bob.join(room);
    alice.send({ action: 'send', room, text: 'once', clientMsgId: 'dup-1' });
    alice.send({ action: 'send', room, text: 'once', clientMsgId: 'dup-1' });
    await eventually(() => (alice.all('ack').length === 2 ? true : undefined), 'two acks');
    const [a1, a2] = alice.all('ack');
    expect(a2!.id).toBe(a1!.id);
    await bob.waitFor('message');
    await bob.roundTrip();
    expect(bob.all('message')).toHaveLength(1);
    bob.send({ action: 'history', room });
    const history = await bob.waitFor('history');
    expect(history.messages.map((m) => m.clientMsgId)).toEqual(['dup-1']);
  });

  it('join returns the newest 50 messages oldest first, and history pages back with before/hasMore', async () => {
    const room = freshRoom();
    // Three writers, as one connection may send only 20 frames per 10 s.
    const writers = await Promise.all(['w1', 'w2', 'w3'].map(connect));
    for (const w of writers) await w.join(room);
    for (let i = 0; i < 55; i++) {
      const writer = writers[i % 3]!;
      writer.send({ action: 'send', room, text: `n${i}`, clientMsgId: `h-${i}` });
      await writer.waitFor('ack', (a) => a.clientMsgId === `h-${i}`);
    }
    const reader = await connect('reader');
    const joined = await reader.join(room);
    expect(joined.history.map((m) => m.text)).toEqual(Array.from({ length: 50 }, (_, i) => `n${i + 5}`));
    reader.send({ action: 'history', room, before: joined.history[0]!.id, limit: 3 });
    const older = await reader.waitFor('history');
    expect(older).toMatchObject({ room, hasMore: true });
    expect(older.messages.map((m) => m.text)).toEqual(['n2', 'n3', 'n4']);
    reader.send({ action: 'history', room, before: older.messages[0]!.id });
    const oldest = await reader.waitFor('history', (h) => h.messages[0]?.text === 'n0');
    expect(oldest.messages.map((m) => m.text)).toEqual(['n0', 'n1']);
    expect(oldest.hasMore).toBe(false);
  });

  it('typing reaches the others only; ping answers pong', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    await bob.join(room);
    alice.send({ action: 'typing', room });
    expect(await bob.waitFor('typing')).toEqual({
      type: 'typing',
      room,
      user: { userId: 'guest:alice', name: 'alice' },
    });
    await alice.roundTrip();
    expect(alice.all('typing')).toHaveLength(0);
  });

  it('leave answers left, tells the room, and stops deliveries', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    await bob.join(room);
    bob.send({ action: 'leave', room });
    expect(await bob.waitFor('left')).toEqual({ type: 'left', room });
    expect(await alice.waitFor('presence', (p) => p.state === 'left')).toMatchObject({ user: { name: 'bob' } });
    alice.send({ action: 'send', room, text: 'after', clientMsgId: 'after-leave' });
    await alice.waitFor('message');
    await bob.roundTrip();
    expect(bob.all('message')).toHaveLength(0);
    bob.send({ action: 'leave', room });
    expect(await bob.waitFor('error')).toMatchObject({ code: 'not_member', action: 'leave' });
  });

  describe('bad input gets an exact error frame and the connection stays usable', () => {
    const cases: Array<{
      name: string;
      frame: unknown;
      code: string;
      action?: string;
      clientMsgId?: string;
      needsRoom?: boolean;
    }> = [
      { name: 'malformed JSON', frame: '{"action":', code: 'bad_request' },
      { name: 'JSON that is not an object', frame: '[1,2]', code: 'bad_request' },
      { name: 'no action', frame: { room: 'x' }, code: 'unknown_action' },
      { name: 'unknown action', frame: { action: 'explode' }, code: 'unknown_action', action: 'explode' },
      { name: 'bad room name', frame: { action: 'join', room: 'no spaces!' }, code: 'bad_request', action: 'join' },
      {
        name: 'text over 4000 characters',
        frame: { action: 'send', room: 'R', text: 'x'.repeat(4001), clientMsgId: 'big' },
        code: 'bad_request',
        action: 'send',
        clientMsgId: 'big',
        needsRoom: true,
      },
      {
        name: 'empty text',
        frame: { action: 'send', room: 'R', text: '  ', clientMsgId: 'empty' },
        code: 'bad_request',
        action: 'send',
        clientMsgId: 'empty',
        needsRoom: true,
      },
      {
        name: 'missing clientMsgId',
        frame: { action: 'send', room: 'R', text: 'hi' },
        code: 'bad_request',
        action: 'send',
        needsRoom: true,
      },
      {
        name: 'text of the wrong type',
        frame: { action: 'send', room: 'R', text: 42, clientMsgId: 'typ' },
        code: 'bad_request',
        action: 'send',
        clientMsgId: 'typ',
        needsRoom: true,
      },
      {
        name: 'history limit over 100',
        frame: { action: 'history', room: 'R', limit: 101 },
        code: 'bad_request',
        action: 'history',
        needsRoom: true,
      },
      {
        name: 'control characters in text',
        frame: { action: 'send', room: 'R', text: 'bell\u0007', clientMsgId: 'ctl' },
        code: 'bad_request',
        action: 'send',
        clientMsgId: 'ctl',
        needsRoom: true,
      },
      {
        name: 'a lone surrogate in text',
        frame: '{"action":"send","room":"R","text":"half \\ud83d","clientMsgId":"sur"}',
        code: 'bad_request',
        action: 'send',
        clientMsgId: 'sur',
        needsRoom: true,
      },
      {
        name: 'clientMsgId over 64 characters',
        frame: { action: 'send', room: 'R', text: 'hi', clientMsgId: 'c'.repeat(65) },
        code: 'bad_request',
        action: 'send',
        needsRoom: true,
      },
      {
        name: 'room of the wrong type',
        frame: { action: 'join', room: ['lobby'] },
        code: 'bad_request',
        action: 'join',
      },
      { name: 'action of the wrong type', frame: { action: 7 }, code: 'unknown_action' },
      {
        name: 'send to a room not joined',
        frame: { action: 'send', room: 'not-joined', text: 'hi', clientMsgId: 'nj' },
        code: 'not_member',
        action: 'send',
        clientMsgId: 'nj',
      },
      {
        name: 'history of a room not joined',
        frame: { action: 'history', room: 'not-joined' },
        code: 'not_member',
        action: 'history',
      },
      {
        name: 'typing in a room not joined',
        frame: { action: 'typing', room: 'not-joined' },
        code: 'not_member',
        action: 'typing',
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const room = freshRoom();
        const client = await connect('tester');
        await client.join(room);
        const frame = !c.needsRoom
          ? c.frame
          : typeof c.frame === 'string'
            ? c.frame.replace('"room":"R"', `"room":"${room}"`)
            : { ...(c.frame as object), room };
        client.send(frame);
        const error = await client.waitFor('error');
        expect(error.code).toBe(c.code);
        expect(error.message.length).toBeGreaterThan(0);
        expect(error.action).toBe(c.action);
        expect(error.clientMsgId).toBe(c.clientMsgId);
        await client.roundTrip();
        client.send({ action: 'history', room });
        expect((await client.waitFor('history')).messages).toEqual([]);
      });
    }

    it('text that looks like HTML, and hard Unicode, round-trips exactly as text', async () => {
      const room = freshRoom();
      const client = await connect('unicode');
      await client.join(room);
      const texts = [
        '<script>alert(1)</script><img src=x onerror=alert(2)>',
        '👩‍👩‍👧‍👦 family, 🇫🇷 flag, e\u0301 combining',
        '\u202Eright-to-left override and zero\u200Bwidth',
        'tab\tnew\nline',
        '😀'.repeat(4000),
      ];
      // Sent without waiting for acks, 3 ms apart: the room's order is the gateway's receipt order (docs/PROTOCOL.md).
      for (const [i, text] of texts.entries()) {
        client.send({ action: 'send', room, text, clientMsgId: `u-${i}` });
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      for (let i = 0; i < texts.length; i++) {
        expect((await client.waitFor('message', (m) => m.clientMsgId === `u-${i}`)).text).toBe(texts[i]);
      }
      client.send({ action: 'history', room });
      expect((await client.waitFor('history')).messages.map((m) => m.text)).toEqual(texts);
    });

    it('a flood gets rate_limited errors, keeps the connection, and loses none of the accepted messages', async () => {
      const room = freshRoom();
      const [flooder, listener] = await Promise.all([connect('flooder'), connect('listener')]);
      await flooder.join(room);
      await listener.join(room);
      const total = 40;
      // Limits count in fixed 10 s windows (epoch-aligned, same clock as this process): start early in one, so
      // the whole flood lands in it and exactly the limit is accepted.
      const intoWindow = Date.now() % 10_000;
      if (intoWindow > 5_000) await new Promise((resolve) => setTimeout(resolve, 10_000 - intoWindow + 50));
      for (let i = 0; i < total; i++) flooder.send({ action: 'send', room, text: `f${i}`, clientMsgId: `f-${i}` });
      await eventually(
        () => (flooder.all('ack').length + flooder.all('error').length === total ? true : undefined),
        'an answer to every send',
        15_000,
      );
      const acked = flooder.all('ack').map((a) => a.clientMsgId);
      const limited = flooder.all('error');
      expect({ acked: acked.length, errors: limited.filter((e) => e.code !== 'rate_limited') }).toEqual({
        acked: 20,
        errors: [],
      }); // RATE_LIMIT_SEND default per 10 s window
      expect(limited.every((e) => e.code === 'rate_limited' && e.action === 'send')).toBe(true);
      expect(new Set([...acked, ...limited.map((e) => e.clientMsgId)]).size).toBe(total);
      await eventually(
        () => (listener.all('message').length === acked.length ? true : undefined),
        'every accepted message delivered',
      );
      listener.send({ action: 'history', room });
      const stored = (await listener.waitFor('history')).messages.map((m) => m.clientMsgId);
      expect(stored.sort()).toEqual([...acked].sort());
      await flooder.roundTrip();
    });

    it('a connection cannot join more rooms than the limit', async () => {
      const client = await connect('collector');
      const rooms = Array.from({ length: 21 }, () => freshRoom());
      for (const room of rooms.slice(0, 20)) await client.join(room);
      client.send({ action: 'join', room: rooms[20] });
      expect(await client.waitFor('error')).toMatchObject({ code: 'bad_request', action: 'join' });
      await client.roundTrip();
    });

    it('frames naming other connections or users change nothing for them', async () => {
      const room = freshRoom();
      const [victim, attacker] = await Promise.all([connect('victim'), connect('attacker')]);
      await victim.join(room);
      const victimId = await connectionIdOf('guest:victim', room);
      attacker.send({ action: 'leave', room, connectionId: victimId });
      expect(await attacker.waitFor('error')).toMatchObject({ code: 'not_member', action: 'leave' });
      attacker.send({
        action: 'send',
        room,
        text: 'x',
        clientMsgId: 'y',
        connectionId: victimId,
        userId: 'guest:victim',
      });
      expect(await attacker.waitFor('error', (e) => e.clientMsgId === 'y')).toMatchObject({ code: 'not_member' });
      await victim.roundTrip();
      expect(victim.all('message')).toHaveLength(0);
      expect(await connectionIdOf('guest:victim', room)).toBe(victimId);
    });

    it('a frame over 128 KB closes the socket with 1009, like API Gateway', async () => {
      const client = await connect('huge');
      client.send(JSON.stringify({ action: 'send', room: 'r', text: 'x'.repeat(130 * 1024), clientMsgId: 'h' }));
      expect((await client.closed).code).toBe(1009);
    });
  });

  it('refuses a handshake without a name (401) and with a bad name (400)', async () => {
    await expect(ChatClient.open(env.stack.wsUrl, '')).rejects.toMatchObject({ status: 401 });
    await expect(ChatClient.open(env.stack.wsUrl, `name=${encodeURIComponent('bad\u0007name')}`)).rejects.toMatchObject(
      { status: 400 },
    );
    await expect(ChatClient.open(env.stack.wsUrl, `name=${encodeURIComponent(' padded')}`)).rejects.toMatchObject({
      status: 400,
    });
  });

  it('disconnect leaves no item of the connection in any table and tells the rooms', async () => {
    const [roomA, roomB] = [freshRoom(), freshRoom()];
    const [leaver, stayer] = await Promise.all([connect('leaver'), connect('stayer')]);
    await leaver.join(roomA);
    await leaver.join(roomB);
    await stayer.join(roomA);
    const connectionId = await connectionIdOf('guest:leaver', roomA);
    await leaver.close();
    await stayer.waitFor('presence', (p) => p.state === 'left' && p.user.name === 'leaver');
    await eventuallyAsync(async () => {
      const dump = await env.dump();
      const left = Object.values(dump)
        .flat()
        .filter((item) => item.connectionId === connectionId);
      return left.length === 0 ? true : undefined;
    }, 'the connection items to be deleted');
  });

  it('a 410 during fan-out deletes the TARGET connection and its memberships, not the sender', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join(room);
    await bob.join(room);
    // A connection whose $disconnect never ran: its items exist, its socket does not.
    const ghost = 'GhostConn0000A=';
    await env.db.send(
      new PutCommand({
        TableName: env.tables.connections,
        Item: {
          connectionId: ghost,
          userId: 'guest:ghost',
          name: 'ghost',
          connectedAt: Date.now(),
          rooms: new Set([`${room}#0`]),
          ttl: Math.floor(Date.now() / 1000) + 3600,
        },
      }),
    );
    await env.db.send(
      new PutCommand({
        TableName: env.tables.memberships,
        Item: {
          pk: `${room}#0`,
          room,
          shard: 0,
          connectionId: ghost,
          userId: 'guest:ghost',
          name: 'ghost',
          joinedAt: Date.now(),
          ttl: Math.floor(Date.now() / 1000) + 3600,
        },
      }),
    );

    alice.send({ action: 'send', room, text: 'anyone?', clientMsgId: 'g-1' });
    await bob.waitFor('message');
    expect(await bob.waitFor('presence', (p) => p.state === 'left')).toMatchObject({
      user: { userId: 'guest:ghost' },
    });
    await eventuallyAsync(async () => {
      const dump = await env.dump();
      return Object.values(dump)
        .flat()
        .some((item) => item.connectionId === ghost)
        ? undefined
        : true;
    }, 'the ghost items to be deleted');
    // The sender is untouched and still receives.
    bob.send({ action: 'send', room, text: 'still here', clientMsgId: 'g-2' });
    await alice.waitFor('message', (m) => m.clientMsgId === 'g-2');
  });
});

async function connectionIdOf(userId: string, room: string): Promise<string> {
  const dump = await env.dump();
  const item = dump[env.tables.memberships]!.find((m) => m.userId === userId && m.room === room);
  if (typeof item?.connectionId !== 'string') throw new Error(`no membership of ${userId} in ${room}`);
  return item.connectionId;
}

async function eventuallyAsync<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
