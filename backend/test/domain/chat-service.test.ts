import { beforeEach, describe, expect, it } from 'vitest';
import { ChatService, type Caller } from '../../src/domain/chat-service.js';
import {
  BadRequestError,
  GatewayError,
  NotMemberError,
  RateLimitedError,
  StoreUnavailableError,
  ThrottledError,
} from '../../src/domain/errors.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { testRates } from '../support/limits.js';
import {
  MemoryConnectionStore,
  MemoryFanoutClaims,
  MemoryMessageStore,
  MemoryRateLimiter,
} from '../support/memory-stores.js';
import { on } from '../support/observer.js';

const user = (name: string) => ({ userId: `u-${name}`, name });
const caller = (name: string): Caller => ({ connectionId: `c-${name}`, user: user(name) });

describe('ChatService', () => {
  let connections: MemoryConnectionStore;
  let messages: MemoryMessageStore;
  let gateway: MemoryGateway;
  let now: number;
  let chat: ChatService;
  const problems: string[] = [];
  const sleeps: number[] = [];

  beforeEach(() => {
    sleeps.length = 0;
    // Prepare
    connections = new MemoryConnectionStore({ membersPageSize: 2 });
    messages = new MemoryMessageStore();
    gateway = new MemoryGateway();
    now = 1_700_000_000_000;
    let seq = 0;
    problems.length = 0;
    const clock = { now: () => now++ };
    chat = new ChatService({
      connections,
      messages,
      gateway,
      clock,
      ids: { messageId: (ts) => `${ts}-${String(++seq).padStart(4, '0')}` },
      fanoutConcurrency: 2,
      rateLimiter: new MemoryRateLimiter(connections, clock),
      limits: { rates: testRates({ send: 30, typing: 2 }), roomsPerConnection: 3, ephemeralMaxMembers: 4 },
      claims: new MemoryFanoutClaims(),
      observer: on('fanoutProblems', ({ room, result }) => problems.push(`${room}:${result.failed.length}`)),
      timers: { sleep: async (ms) => void sleeps.push(ms) },
      retry: { maxAttempts: 4, transientAttempts: 2, baseDelayMs: 10, maxDelayMs: 40 },
    });
  });

  async function enter(name: string, room: string): Promise<Caller> {
    const c = caller(name);
    await chat.connect(c, now);
    await chat.join(c, room);
    return c;
  }

  it('join replies with distinct members; a re-join (perhaps a retry after a failure) is announced again', async () => {
    const alice = await enter('alice', 'r');
    const bob = await enter('bob', 'r');
    // The same user in a second tab.
    const bob2: Caller = { connectionId: 'c-bob-2', user: user('bob') };
    await chat.connect(bob2, now);
    await chat.join(bob2, 'r');
    const joined = gateway.framesOfType(bob2.connectionId, 'joined')[0]!;
    expect(joined.members.map((m) => m.name).sort()).toEqual(['alice', 'bob']);
    gateway.clearPosts();
    await chat.join(alice, 'r');
    expect(gateway.framesOfType(bob.connectionId, 'presence')).toEqual([
      { type: 'presence', room: 'r', user: user('alice'), state: 'joined', ts: expect.any(Number) },
    ]);
    expect(gateway.framesOfType(alice.connectionId, 'joined')).toHaveLength(1);
    expect(await connections.room('r')).toMatchObject({ members: 3 });
  });

  it('send stores before it acks and acks before it fans out; fan-out pages through the room', async () => {
    const members = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => enter(n, 'big')));
    gateway.clearPosts();
    await chat.send(members[0]!, { action: 'send', room: 'big', text: 'hi', clientMsgId: 'k1' });
    const order = gateway.posts.map((p) => `${p.connectionId}:${p.frame.type}`);
    expect(order[0]).toBe('c-a:ack');
    expect(order.filter((o) => o.endsWith(':message')).sort()).toEqual(
      members.map((m) => `${m.connectionId}:message`).sort(),
    );
    const page = await messages.page('big', { limit: 10 });
    expect(page.messages).toHaveLength(1);
  });

  it('a repeated clientMsgId is acked with the original id and not delivered again', async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    await chat.send(a, { action: 'send', room: 'r', text: 'one', clientMsgId: 'same' });
    await chat.send(a, { action: 'send', room: 'r', text: 'one', clientMsgId: 'same' });
    const acks = gateway.framesOfType(a.connectionId, 'ack');
    expect(acks).toHaveLength(2);
    expect(acks[1]!.id).toBe(acks[0]!.id);
    expect(gateway.framesOfType(b.connectionId, 'message')).toHaveLength(1);
  });

  it('refuses send, typing and history from a non-member', async () => {
    const outsider = caller('out');
    await chat.connect(outsider, now);
    await expect(
      chat.send(outsider, { action: 'send', room: 'r', text: 'x', clientMsgId: '1' }),
    ).rejects.toBeInstanceOf(NotMemberError);
    await expect(chat.typing(outsider, 'r')).rejects.toBeInstanceOf(NotMemberError);
    await expect(chat.history(outsider, { action: 'history', room: 'r' })).rejects.toBeInstanceOf(NotMemberError);
    await expect(chat.leave(outsider, 'r')).rejects.toBeInstanceOf(NotMemberError);
    expect((await messages.page('r', { limit: 10 })).messages).toEqual([]);
  });

  it('a 410 removes the target (not the sender) with all its rooms and tells the room it left', async () => {
    const a = await enter('a', 'r');
    const ghost = await enter('ghost', 'r');
    await chat.join(ghost, 'other');
    const b = await enter('b', 'r');
    gateway.markGone(ghost.connectionId);
    gateway.clearPosts();
    await chat.send(a, { action: 'send', room: 'r', text: 'hello', clientMsgId: 'g' });
    expect(await connections.getConnection(ghost.connectionId)).toBeUndefined();
    expect(await connections.isMember('other', ghost.connectionId)).toBe(false);
    expect(await connections.getConnection(a.connectionId)).toBeDefined();
    expect(gateway.framesOfType(b.connectionId, 'presence')).toEqual([
      { type: 'presence', room: 'r', user: user('ghost'), state: 'left', ts: expect.any(Number) },
    ]);
    // The next message costs no post to the ghost.
    gateway.clearPosts();
    await chat.send(a, { action: 'send', room: 'r', text: 'again', clientMsgId: 'g2' });
    expect(gateway.posts.some((p) => p.connectionId === ghost.connectionId)).toBe(false);
  });

  it('a delivery failure other than 410 keeps the member and is reported, the others still receive', async () => {
    const a = await enter('a', 'r');
    const flaky = await enter('flaky', 'r');
    const b = await enter('b', 'r');
    // A 403 (wrong endpoint, missing permission) is not worth repeating.
    gateway.failNext(flaky.connectionId, new GatewayError(flaky.connectionId, 403));
    await chat.send(a, { action: 'send', room: 'r', text: 'x', clientMsgId: 'f' });
    expect(gateway.framesOfType(b.connectionId, 'message')).toHaveLength(1);
    expect(await connections.isMember('r', flaky.connectionId)).toBe(true);
    expect(problems).toEqual(['r:1']);
  });

  it('a store failure surfaces as a typed error and stores nothing', async () => {
    const a = await enter('a', 'r');
    messages.failNext('append');
    await expect(chat.send(a, { action: 'send', room: 'r', text: 'x', clientMsgId: 'z' })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(gateway.framesOfType(a.connectionId, 'ack')).toEqual([]);
    expect((await messages.page('r', { limit: 5 })).messages).toEqual([]);
  });

  it('disconnect removes every membership, announces it, and is safe to repeat', async () => {
    const a = await enter('a', 'r1');
    await chat.join(a, 'r2');
    const b = await enter('b', 'r2');
    gateway.clearPosts();
    await chat.disconnect(a);
    await chat.disconnect(a);
    expect(await connections.getConnection(a.connectionId)).toBeUndefined();
    expect(await connections.isMember('r1', a.connectionId)).toBe(false);
    expect(gateway.framesOfType(b.connectionId, 'presence')).toEqual([
      { type: 'presence', room: 'r2', user: user('a'), state: 'left', ts: expect.any(Number) },
    ]);
  });

  it('typing goes to the others only; history pages oldest first', async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    for (let i = 0; i < 3; i++) await chat.send(a, { action: 'send', room: 'r', text: `t${i}`, clientMsgId: `t${i}` });
    gateway.clearPosts();
    await chat.typing(a, 'r');
    expect(gateway.posts.map((p) => p.connectionId)).toEqual([b.connectionId]);
    await chat.history(b, { action: 'history', room: 'r', limit: 2 });
    const page = gateway.framesOfType(b.connectionId, 'history')[0]!;
    expect(page.messages.map((m) => m.text)).toEqual(['t1', 't2']);
    expect(page.hasMore).toBe(true);
  });

  it('sendError drops frames for a caller that is gone', async () => {
    gateway.markGone('c-x');
    await expect(chat.sendError('c-x', { type: 'error', code: 'internal', message: 'm' })).resolves.toBeUndefined();
  });

  it('cuts join history and history pages by bytes to stay under the 128 KB frame limit', async () => {
    const writer = await enter('w', 'r');
    const long = '😀'.repeat(4000); // 4,000 characters, 16,000 UTF-8 bytes
    for (let i = 0; i < 12; i++)
      await chat.send(writer, { action: 'send', room: 'r', text: long, clientMsgId: `big-${i}` });
    const reader = await enter('reader', 'r');
    const joined = gateway.framesOfType(reader.connectionId, 'joined')[0]!;
    expect(joined.history.length).toBeGreaterThan(0);
    expect(joined.history.length).toBeLessThan(12);
    expect(joined.history.at(-1)!.clientMsgId).toBe('big-11');
    await chat.history(reader, { action: 'history', room: 'r', limit: 100 });
    const page = gateway.framesOfType(reader.connectionId, 'history')[0]!;
    expect(page.hasMore).toBe(true);
    expect(page.messages.at(-1)!.clientMsgId).toBe('big-11');
    await chat.history(reader, { action: 'history', room: 'r', before: page.messages[0]!.id, limit: 100 });
    const older = gateway.framesOfType(reader.connectionId, 'history')[1]!;
    expect([...older.messages, ...page.messages].map((m) => m.clientMsgId)).toEqual(
      Array.from({ length: 12 }, (_, i) => `big-${i}`).slice(12 - older.messages.length - page.messages.length),
    );
  });

  it('lists at most the presence cap of members in a huge room, reading one short page', async () => {
    for (let i = 0; i < 3000; i++) {
      const c: Caller = {
        connectionId: `m-${String(i).padStart(4, '0')}`,
        user: { userId: `user-${i}`, name: `member number ${i}` },
      };
      await connections.saveConnection({ connectionId: c.connectionId, user: c.user, connectedAt: now });
      await connections.addMembership({ room: 'huge', connectionId: c.connectionId, user: c.user, joinedAt: now });
    }
    const pageSizes: Array<number | undefined> = [];
    const members = connections.members.bind(connections);
    connections.members = (room, options) => {
      pageSizes.push(options?.pageSize);
      return members(room, options);
    };
    const newcomer = caller('new');
    await chat.connect(newcomer, now);
    await chat.join(newcomer, 'huge');
    const joined = gateway.framesOfType(newcomer.connectionId, 'joined')[0]!;
    expect(joined.members).toHaveLength(4);
    expect(new Set(joined.members.map((m) => m.userId)).size).toBe(4);
    // One page of cap + 1 members tells that the room is over the cap: no second read for the presence fan-out.
    expect(pageSizes).toEqual([5]);
    expect(gateway.posts.filter((p) => p.frame.type === 'presence')).toEqual([]);
  });

  it('refuses sends over the per-connection limit before storing anything, and other connections are unaffected', async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    for (let i = 0; i < 30; i++) await chat.send(a, { action: 'send', room: 'r', text: `m${i}`, clientMsgId: `m${i}` });
    await expect(chat.send(a, { action: 'send', room: 'r', text: 'over', clientMsgId: 'over' })).rejects.toBeInstanceOf(
      RateLimitedError,
    );
    await chat.send(b, { action: 'send', room: 'r', text: 'b ok', clientMsgId: 'b1' });
    const stored = (await messages.page('r', { limit: 100 })).messages.map((m) => m.clientMsgId);
    expect(stored).toHaveLength(31);
    expect(stored).not.toContain('over');
  });

  it('rate-limits typing separately from sending', async () => {
    const a = await enter('a', 'r');
    await chat.typing(a, 'r');
    await chat.typing(a, 'r');
    await expect(chat.typing(a, 'r')).rejects.toBeInstanceOf(RateLimitedError);
    await chat.send(a, { action: 'send', room: 'r', text: 'still fine', clientMsgId: 's' });
  });

  it('caps the rooms one connection can be in', async () => {
    const a = await enter('a', 'r1');
    await chat.join(a, 'r2');
    await chat.join(a, 'r3');
    await expect(chat.join(a, 'r4')).rejects.toBeInstanceOf(BadRequestError);
    expect(await connections.isMember('r4', a.connectionId)).toBe(false);
    await chat.join(a, 'r3'); // re-joining a room it is in is fine
    await chat.leave(a, 'r1');
    await chat.join(a, 'r4');
  });

  it('sends presence and typing only in rooms up to the ephemeral cap, messages always', async () => {
    const members = await Promise.all(['a', 'b', 'c', 'd'].map((n) => enter(n, 'r')));
    expect(gateway.framesOfType(members[0]!.connectionId, 'presence').map((p) => p.user.name)).toEqual(['b', 'c', 'd']);
    const fifth = await enter('e', 'r'); // now 5 connections: over the cap of 4
    expect(gateway.framesOfType(members[0]!.connectionId, 'presence')).toHaveLength(3);
    gateway.clearPosts();
    await chat.typing(fifth, 'r');
    expect(gateway.framesOfType(members[0]!.connectionId, 'typing')).toEqual([]);
    await chat.send(fifth, { action: 'send', room: 'r', text: 'hi', clientMsgId: 'cap' });
    for (const m of [...members, fifth]) expect(gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);
    await chat.leave(fifth, 'r'); // back to 4: presence resumes
    expect(gateway.framesOfType(members[0]!.connectionId, 'presence')).toEqual([
      { type: 'presence', room: 'r', user: user('e'), state: 'left', ts: expect.any(Number) },
    ]);
  });

  it('still delivers a stored message when the ack to its sender fails', async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.markGone(a.connectionId);
    await chat.send(a, { action: 'send', room: 'r', text: 'last words', clientMsgId: 'lw' });
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['lw']);
    const flaky = await enter('c', 'r');
    gateway.failNext(flaky.connectionId, new GatewayError(flaky.connectionId, 403));
    await expect(chat.send(flaky, { action: 'send', room: 'r', text: 'x', clientMsgId: 'fx' })).rejects.toThrow();
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['lw', 'fx']);
  });

  it('announces presence per user: a second tab joining or one of two tabs leaving is not news', async () => {
    const a = await enter('a', 'r');
    const tab1 = await enter('bob', 'r');
    const tab2: Caller = { connectionId: 'c-bob-tab2', user: user('bob') };
    await chat.connect(tab2, now);
    gateway.clearPosts();
    await chat.join(tab2, 'r');
    expect(gateway.framesOfType(a.connectionId, 'presence')).toEqual([]);
    await chat.leave(tab1, 'r');
    await chat.disconnect(tab1);
    expect(gateway.framesOfType(a.connectionId, 'presence')).toEqual([]);
    await chat.disconnect(tab2);
    expect(gateway.framesOfType(a.connectionId, 'presence')).toEqual([
      { type: 'presence', room: 'r', user: user('bob'), state: 'left', ts: expect.any(Number) },
    ]);
  });

  it('retries a throttled delivery after a backoff, and a transient failure once, so every member receives', async () => {
    const a = await enter('a', 'r');
    const busy = await enter('busy', 'r');
    const flaky = await enter('flaky', 'r');
    gateway.failNext(busy.connectionId, new ThrottledError(busy.connectionId));
    gateway.failNext(busy.connectionId, new ThrottledError(busy.connectionId));
    gateway.failNext(flaky.connectionId, new GatewayError(flaky.connectionId, 502));

    await chat.send(a, { action: 'send', room: 'r', text: 'x', clientMsgId: 'retry' });

    for (const who of [a, busy, flaky]) expect(gateway.framesOfType(who.connectionId, 'message')).toHaveLength(1);
    expect(problems).toEqual([]);
    expect(sleeps).toHaveLength(3);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(40);
  });

  it('gives up on a member still throttled after maxAttempts and reports it, without removing it', async () => {
    const a = await enter('a', 'r');
    const busy = await enter('busy', 'r');
    for (let i = 0; i < 4; i += 1) gateway.failNext(busy.connectionId, new ThrottledError(busy.connectionId));

    await chat.send(a, { action: 'send', room: 'r', text: 'x', clientMsgId: 'give-up' });

    expect(gateway.framesOfType(busy.connectionId, 'message')).toEqual([]);
    expect(problems).toEqual(['r:1']);
    expect(await connections.isMember('r', busy.connectionId)).toBe(true);
  });
});
