import { beforeEach, describe, expect, it } from 'vitest';
import { ChatService, FanoutWorker, type Caller, type ChatDeps } from '../../src/domain/chat-service.js';
import { deliver } from '../../src/domain/delivery.js';
import {
  ConnectionExpiredError,
  DispatchError,
  NotMemberError,
  RateLimitedError,
  StoreUnavailableError,
} from '../../src/domain/errors.js';
import { timeSortableIds } from '../../src/domain/ids.js';
import type { FanoutJob } from '../../src/domain/ports.js';
import { testRates } from '../support/limits.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import {
  MemoryConnectionStore,
  MemoryFanoutClaims,
  MemoryMessageStore,
  MemoryRateLimiter,
} from '../support/memory-stores.js';
import { on } from '../support/observer.js';

const user = (name: string) => ({ userId: `u-${name}`, name });
const caller = (name: string): Caller => ({ connectionId: `c-${name}`, user: user(name) });
const send = (room: string, clientMsgId: string) => ({ action: 'send' as const, room, text: clientMsgId, clientMsgId });

describe('ChatService correctness under concurrency and faults', () => {
  let connections: MemoryConnectionStore;
  let messages: MemoryMessageStore;
  let claims: MemoryFanoutClaims;
  let gateway: MemoryGateway;
  let now: number;
  let afterReply: string[];
  let chat: ChatService;

  function service(more: Partial<ChatDeps> = {}): ChatService {
    return new ChatService(depsFor(more));
  }

  function depsFor(more: Partial<ChatDeps> = {}): ChatDeps {
    const clock = { now: () => now };
    return {
      connections,
      messages,
      gateway,
      clock,
      ids: timeSortableIds,
      fanoutConcurrency: 4,
      rateLimiter: new MemoryRateLimiter(connections, clock),
      limits: {
        rates: testRates({ send: 50, join: { perConnection: 5, perUser: 8 } }),
        roomsPerConnection: 5,
        ephemeralMaxMembers: 50,
      },
      timers: { sleep: async () => undefined },
      claims,
      observer: on('afterReplyFailed', ({ action, error }) => afterReply.push(`${action}: ${String(error)}`)),
      ...more,
    };
  }

  beforeEach(() => {
    connections = new MemoryConnectionStore();
    now = 1_700_000_000_000;
    messages = new MemoryMessageStore({ now: () => now });
    claims = new MemoryFanoutClaims();
    gateway = new MemoryGateway();
    afterReply = [];
    chat = service();
  });

  /** Makes the store's member reads fail where `failing(n)` is true for the n-th read; returns the read count. */
  function failMemberReads(failing: (read: number) => boolean, message: string): () => number {
    const read = connections.members.bind(connections);
    let reads = 0;
    connections.members = (room, options) => {
      reads += 1;
      if (failing(reads)) throw new StoreUnavailableError(message);
      return read(room, options);
    };
    return () => reads;
  }

  async function enter(name: string, room: string): Promise<Caller> {
    const c = caller(name);
    await chat.connect(c, now);
    await chat.join(c, room);
    return c;
  }

  it('ids follow the gateway receipt time, not the order the handlers got to store them', async () => {
    const a = await enter('a', 'r');
    // Frames received 2 ms apart whose handlers finish in reverse order (a slow first round trip).
    for (let i = 4; i >= 0; i -= 1) {
      now += 7;
      await chat.send(a, send('r', `m${i}`), 1_700_000_100_000 + 2 * i);
    }
    const acked = gateway.framesOfType(a.connectionId, 'ack');
    const byId = [...acked].sort((x, y) => (x.id < y.id ? -1 : 1)).map((ack) => ack.clientMsgId);
    expect(byId).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect((await messages.page('r', { limit: 10 })).messages.map((m) => m.clientMsgId)).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
    ]);
    expect(acked.map((ack) => ack.ts).sort()).toEqual([0, 2, 4, 6, 8].map((d) => 1_700_000_100_000 + d));
  });

  it('presence carries when the membership changed, so a leave and a quick re-join stay in order at the clients', async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.clearPosts();
    // The leave's announcement is held until after the re-join's: it still carries the earlier time.
    const post = gateway.post.bind(gateway);
    let releaseLeft!: () => void;
    const leftHeld = new Promise<void>((resolve) => (releaseLeft = resolve));
    gateway.post = async (connectionId, frame) => {
      if (frame.type === 'presence' && frame.state === 'left') await leftHeld;
      return post(connectionId, frame);
    };
    now += 10;
    const leaving = chat.leave(b, 'r');
    for (let i = 0; i < 50 && gateway.framesOfType(b.connectionId, 'left').length === 0; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    now += 10;
    // In another container: in this one posts to a connection take turns, so the join's would wait for the leave's.
    await service().join(b, 'r');
    releaseLeft();
    await leaving;
    const seen = gateway.framesOfType(a.connectionId, 'presence').map((p) => `${p.state}@${p.ts! - now}`);
    expect(seen).toEqual(['joined@0', 'left@-10']);
  });

  it("the others' copies go out beside the ack; the sender's own copy waits for its ack", async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.clearPosts();
    const post = gateway.post.bind(gateway);
    let releaseAck!: () => void;
    const ackHeld = new Promise<void>((resolve) => (releaseAck = resolve));
    gateway.post = async (connectionId, frame) => {
      if (frame.type === 'ack') await ackHeld;
      return post(connectionId, frame);
    };
    const sent = chat.send(a, send('r', 'k'));
    for (let i = 0; i < 50 && gateway.framesOfType(b.connectionId, 'message').length === 0; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['k']);
    expect(gateway.framesFor(a.connectionId)).toEqual([]);
    releaseAck();
    await sent;
    expect(gateway.framesFor(a.connectionId).map((f) => f.type)).toEqual(['ack', 'message']);
  });

  it('a room read after the append that fails, fails the round before its first post: a retry posts nobody twice', async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.clearPosts();
    const read = connections.room.bind(connections);
    let reads = 0;
    connections.room = async (name) => {
      reads += 1;
      if (reads === 2) throw new StoreUnavailableError('the recheck failed');
      return read(name);
    };
    await chat.send(a, send('r', 'once'));
    expect(reads).toBe(3);
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['once']);
    expect(gateway.framesOfType(a.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['once']);
  });

  it('a refused send gives its idempotency claim back: the same clientMsgId sent later is stored then', async () => {
    chat = service({ limits: { rates: testRates({ send: 1 }), roomsPerConnection: 5, ephemeralMaxMembers: 50 } });
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.clearPosts();
    await chat.send(a, send('r', 'first'));
    await expect(chat.send(a, send('r', 'k'))).rejects.toBeInstanceOf(RateLimitedError);
    const c = await enter('c', 'elsewhere');
    await expect(chat.send(c, send('r', 'k'))).rejects.toBeInstanceOf(NotMemberError);
    now += 60_000; // the next window
    await chat.send(a, send('r', 'k'));
    await chat.join(c, 'r');
    await chat.send(c, send('r', 'k'));
    // Stored with the time of the accepted frames, not of the refused ones.
    expect(gateway.framesOfType(a.connectionId, 'ack').map((ack) => [ack.clientMsgId, ack.ts])).toEqual([
      ['first', now - 60_000],
      ['k', now],
    ]);
    expect(gateway.framesOfType(c.connectionId, 'ack').map((ack) => [ack.clientMsgId, ack.ts])).toEqual([['k', now]]);
    const got = gateway.framesOfType(b.connectionId, 'message').map((m) => `${m.sender.name}:${m.clientMsgId}`);
    expect(got).toEqual(['a:first', 'a:k', 'c:k']);
  });

  it("a fan-out that keeps failing after the store is re-driven by the sender's retry, and only while it is pending", async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.clearPosts();
    // Longer than the handler's own attempts: 4 rounds, each reading the room, the first twice (RoomReads).
    for (let i = 0; i < 5; i += 1) connections.failNext('room');
    await expect(chat.send(a, send('r', 'x'))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(gateway.framesOfType(a.connectionId, 'ack')).toHaveLength(1);
    expect(gateway.framesOfType(b.connectionId, 'message')).toEqual([]);

    await chat.send(a, send('r', 'x'));
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['x']);
    // Delivered now: a further retry (a lost ack) is acked and not delivered again.
    await chat.send(a, send('r', 'x'));
    expect(gateway.framesOfType(b.connectionId, 'message')).toHaveLength(1);
    expect(new Set(gateway.framesOfType(a.connectionId, 'ack').map((ack) => ack.id)).size).toBe(1);
  });

  it('a repeat waits for an attempt that died without recording it, then delivers; a concurrent repeat delivers once', async () => {
    // Virtual time, but each wait also yields a real tick, so a running attempt makes progress meanwhile.
    chat = service({
      timers: { sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve(void (now += ms)), 1)) },
    });
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.clearPosts();
    // The first attempt stores, then every store call fails: its fan-out (4 rounds, 5 room reads) and its markFailed.
    for (let i = 0; i < 5; i += 1) connections.failNext('room');
    messages.failNext('markFailed');
    await expect(chat.send(a, send('r', 'w'))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(gateway.framesOfType(b.connectionId, 'message')).toEqual([]);
    // The retry comes at once: the mark still looks like a running attempt until the lease ends.
    await chat.send(a, send('r', 'w'));
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['w']);
    // Two copies sent together: the second waits for the first and delivers nothing more.
    await Promise.all([chat.send(a, send('r', 'v')), chat.send(a, send('r', 'v'))]);
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['w', 'v']);
  });

  it('a first attempt that a repeat took over (after its lease) stops instead of delivering a second time', async () => {
    let repeat: Promise<void> | undefined;
    // eslint-disable-next-line prefer-const -- assigned once, after the service whose hooks read it is built
    let a!: Caller;
    chat = service({
      timers: {
        sleep: async (ms) => {
          now += ms;
          // The first attempt's backoff after its failed round: meanwhile the lease passes and the sender repeats.
          if (repeat === undefined) {
            now += 13_000;
            repeat = chat.send(a, send('r', 'late'));
            await repeat;
          }
        },
      },
    });
    a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.clearPosts();
    connections.failNext('room');
    await chat.send(a, send('r', 'late'));
    expect(repeat).toBeDefined();
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['late']);
  });

  it('a store blip during the fan-out is retried by the send handler itself, for a sender that never retries', async () => {
    const a = await enter('a', 'r');
    const b = await enter('b', 'r');
    gateway.clearPosts();
    connections.failNext('members');
    connections.failNext('room');
    await chat.send(a, send('r', 'y'));
    expect(gateway.framesOfType(b.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['y']);
    expect(
      (await messages.append({ room: 'r', id: 'other', ts: 1, sender: a.user, text: 'y', clientMsgId: 'y' })).pending,
    ).toBe(false);
  });

  it('a gone member found by two fan-outs at once is removed and announced once', async () => {
    const [a, b] = [await enter('a', 'r'), await enter('b', 'r')];
    const ghost = await enter('ghost', 'r');
    await chat.join(ghost, 'other');
    const watcher = await enter('watcher', 'other');
    gateway.markGone(ghost.connectionId);
    gateway.clearPosts();
    await Promise.all([chat.send(a, send('r', 'p')), chat.send(b, send('r', 'q')), chat.disconnect(ghost)]);
    const lefts = (c: Caller) => gateway.framesOfType(c.connectionId, 'presence').filter((p) => p.state === 'left');
    expect(lefts(a).map((p) => p.user.name)).toEqual(['ghost']);
    expect(lefts(b).map((p) => p.user.name)).toEqual(['ghost']);
    // Its other room hears of it too, from whoever removed it.
    expect(lefts(watcher).map((p) => `${p.room}:${p.user.name}`)).toEqual(['other:ghost']);
  });

  it('a mass disconnect announces each departure once, also when the announcements themselves meet gone members', async () => {
    const stay = await enter('stay', 'r');
    const leaving = [];
    for (let i = 0; i < 12; i += 1) leaving.push(await enter(`l${i}`, 'r'));
    for (const l of leaving) gateway.markGone(l.connectionId);
    gateway.clearPosts();
    // Only some $disconnects arrive (API Gateway's are best effort): the rest are found by 410s.
    await Promise.all(leaving.slice(0, 4).map((l) => chat.disconnect(l)));
    const names = gateway.framesOfType(stay.connectionId, 'presence').map((p) => `${p.state}:${p.user.name}`);
    expect(names.sort()).toEqual(leaving.map((l) => `left:${l.user.name}`).sort());
    // Late $disconnects of members already cleaned up announce nothing more.
    await Promise.all(leaving.map((l) => chat.disconnect(l)));
    expect(gateway.framesOfType(stay.connectionId, 'presence')).toHaveLength(12);
  });

  it('never answers `internal` after `joined`: a failed announcement is reported, not sent', async () => {
    const a = await enter('a', 'r');
    const b = caller('b');
    await chat.connect(b, now);
    // The join's own members read succeeds; every read of the announcement (and its retries) fails.
    const reads = failMemberReads((read) => read >= 2, 'boom');
    await chat.join(b, 'r');
    expect(gateway.framesOfType(a.connectionId, 'presence')).toEqual([]);
    expect(reads()).toBe(5);
    expect(gateway.framesOfType(b.connectionId, 'joined')).toHaveLength(1);
    expect(afterReply).toEqual(['join: StoreUnavailableError: boom']);
  });

  it('a join retried after it failed past its writes is announced, so the room does not miss the member', async () => {
    const a = await enter('a', 'r');
    const b = caller('b');
    await chat.connect(b, now);
    connections.failNext('members');
    await expect(chat.join(b, 'r')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(gateway.framesOfType(a.connectionId, 'presence')).toEqual([]);
    await chat.join(b, 'r');
    expect(gateway.framesOfType(a.connectionId, 'presence')).toEqual([
      { type: 'presence', room: 'r', user: b.user, state: 'joined', ts: expect.any(Number) },
    ]);
  });

  it('retries a presence announcement that met a store blip before its first post, and announces once', async () => {
    const a = await enter('a', 'r');
    const b = caller('b');
    await chat.connect(b, now);
    failMemberReads((read) => read === 2, 'blip');
    await chat.join(b, 'r');
    expect(gateway.framesOfType(a.connectionId, 'presence')).toEqual([
      { type: 'presence', room: 'r', user: b.user, state: 'joined', ts: expect.any(Number) },
    ]);
    expect(afterReply).toEqual([]);
  });

  it('a connection the store no longer knows is expired on every limited action, not rate limited', async () => {
    const a = await enter('a', 'r');
    await connections.removeConnection(a.connectionId);
    await expect(chat.send(a, send('r', 'z'))).rejects.toBeInstanceOf(ConnectionExpiredError);
    await expect(chat.typing(a, 'r')).rejects.toBeInstanceOf(ConnectionExpiredError);
    await expect(chat.join(a, 'r2')).rejects.toBeInstanceOf(ConnectionExpiredError);
    await expect(chat.history(a, { action: 'history', room: 'r' })).rejects.toBeInstanceOf(ConnectionExpiredError);
    await expect(chat.leave(a, 'r')).rejects.toBeInstanceOf(ConnectionExpiredError);
    expect(new ConnectionExpiredError('x').code).toBe('unauthorized');
  });

  it('limits joins per connection and per user across connections', async () => {
    const [one, two] = [caller('one'), { connectionId: 'c-one-2', user: user('one') }];
    await chat.connect(one, now);
    await chat.connect(two, now);
    const joins = async (c: Caller, n: number) => {
      const out = [];
      for (let i = 0; i < n; i += 1)
        out.push(
          await chat.join(c, `room${i % 4}`).then(
            () => 'ok',
            (e: unknown) => e,
          ),
        );
      return out;
    };
    const first = await joins(one, 6);
    expect(first.filter((r) => r === 'ok')).toHaveLength(5);
    expect(first[5]).toBeInstanceOf(RateLimitedError);
    // The user has 8 in all, and the refused sixth join did not count: the second tab gets the 3 left.
    const second = await joins(two, 5);
    expect(second.filter((r) => r === 'ok')).toHaveLength(3);
    expect(String(second[4])).toMatch(/join \(all your connections\)/);
  });

  it('the inline fallback gives its claim back when its shard fails, so the queued worker is not skipped', async () => {
    const members = [];
    for (let i = 0; i < 6; i += 1) members.push(await enter(`m${i}`, 'big'));
    const dispatched: FanoutJob[] = [];
    const failing = { dispatch: async () => Promise.reject(new Error('invoke timed out')) };
    connections.failNext('members');
    const frame = {
      type: 'message' as const,
      room: 'big',
      id: 'id-1',
      ts: 1,
      sender: user('m0'),
      text: 't',
      clientMsgId: 'k',
    };
    const deps = { connections, gateway, concurrency: 2, inlineMax: 3, dispatcher: failing, claims };
    await expect(deliver(deps, 'big', { members: 6, shards: 1 }, frame)).rejects.toBeInstanceOf(DispatchError);
    // The event that "timed out" was queued after all: its worker now claims and runs the job.
    const worker = new FanoutWorker(depsFor({ dispatcher: { dispatch: async (job) => void dispatched.push(job) } }));
    const result = await worker.run({ room: 'big', shard: 0, frame });
    expect(result).not.toBe('duplicate');
    expect(gateway.framesOfType(members[5]!.connectionId, 'message')).toHaveLength(1);
  });
});
