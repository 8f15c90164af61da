import { describe, expect, it } from 'vitest';
import { AdaptiveLimit } from '../../src/domain/adaptive-limit.js';
import { ChatService, FanoutWorker, MAX_HAND_ONS, type Caller, type ChatDeps } from '../../src/domain/chat-service.js';
import { planJobs } from '../../src/domain/delivery.js';
import { DispatchError, ThrottledError } from '../../src/domain/errors.js';
import { CutByDeadline, DEFAULT_RETRY, fanOut, postWithRetry, WORKER_RETRY } from '../../src/domain/fanout.js';
import type { FanoutDispatcher, FanoutJob } from '../../src/domain/ports.js';
import type { ServerFrame } from '../../src/protocol/index.js';
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

/** A room of `size` members in shards of 4, and a chat that hands rooms over 5 members to `dispatcher`. */
async function largeRoom(
  size: number,
  dispatcher: (worker: () => FanoutWorker) => FanoutDispatcher | undefined,
  more: Partial<ChatDeps> = {},
) {
  const connections = new MemoryConnectionStore({ shardSize: 4, membersPageSize: 3 });
  const gateway = new MemoryGateway();
  const failures: string[] = [];
  let now = 1_700_000_000_000;
  const clock = { now: () => now++ };
  // eslint-disable-next-line prefer-const -- assigned once, after the dispatcher that reads it is built
  let worker!: FanoutWorker;
  const chosen = dispatcher(() => worker);
  const messages = new MemoryMessageStore();
  const deps: ChatDeps = {
    connections,
    messages,
    gateway,
    clock,
    ids: { messageId: (ts) => `${ts}` },
    fanoutConcurrency: 3,
    ...(chosen ? { dispatcher: chosen } : {}),
    fanoutInlineMax: 5,
    rateLimiter: new MemoryRateLimiter(connections, clock),
    limits: { rates: testRates({ send: 100, typing: 1 }, 1000), roomsPerConnection: 5, ephemeralMaxMembers: 2 },
    claims: new MemoryFanoutClaims(),
    observer: on('dispatchFailed', ({ job }) => failures.push(`${job.room}#${job.shard}`)),
    ...more,
  };
  const chat = new ChatService(deps);
  // The worker of the same container: it shares the chat's knowledge of gone connections.
  worker = new FanoutWorker(deps, chat.rooms);
  const members: Caller[] = [];
  for (let i = 0; i < size; i += 1) {
    const c: Caller = { connectionId: `c-${String(i).padStart(3, '0')}`, user: user(`m${i}`) };
    await chat.connect(c, now);
    await chat.join(c, 'big');
    members.push(c);
  }
  gateway.clearPosts();
  return { chat, worker, gateway, members, failures, connections, messages };
}

/** Runs jobs later, as Lambda's async queue would, and remembers them. */
function queueingDispatcher(worker: () => FanoutWorker) {
  const jobs: FanoutJob[] = [];
  const dispatcher: FanoutDispatcher = {
    async dispatch(job) {
      jobs.push(job);
    },
  };
  return { jobs, dispatcher, runAll: () => Promise.all(jobs.map((job) => worker().run(job))) };
}

describe('large-room delivery', () => {
  it('hands a room above the inline size to one worker job per shard, and the workers reach every member once', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, gateway, members } = await largeRoom(10, (c) => (queue = queueingDispatcher(c)).dispatcher);
    const [sender] = members as [Caller];

    await chat.send(sender, { action: 'send', room: 'big', text: 'hello all', clientMsgId: 'm1' });

    // Stored and acked, nothing fanned out inline.
    expect(gateway.framesOfType(sender.connectionId, 'ack')).toHaveLength(1);
    expect(gateway.posts.filter((p) => p.frame.type === 'message')).toEqual([]);
    expect(queue.jobs.map((j) => j.shard)).toEqual([0, 1, 2]);

    await queue.runAll();

    for (const m of members)
      expect(gateway.framesOfType(m.connectionId, 'message').map((f) => f.text)).toEqual(['hello all']);
  });

  it('fans out inline when the room is small enough, or when there is no dispatcher', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const small = await largeRoom(5, (c) => (queue = queueingDispatcher(c)).dispatcher);
    await small.chat.send(small.members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    expect(queue.jobs).toEqual([]);
    for (const m of small.members) expect(small.gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);

    const none = await largeRoom(9, () => undefined);
    await none.chat.send(none.members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    for (const m of none.members) expect(none.gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);
  });

  it('sends a shard inline when its job cannot be handed over, so a dispatch outage loses nothing', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, gateway, members, failures } = await largeRoom(10, (c) => {
      queue = queueingDispatcher(c);
      return {
        async dispatch(job) {
          if (job.shard === 1) throw new DispatchError('Invoke failed');
          await queue.dispatcher.dispatch(job);
        },
      };
    });

    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    expect(failures).toEqual(['big#1']);
    await queue.runAll();

    for (const m of members) expect(gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);
  });

  for (const path of ['workers', 'inline'] as const) {
    it(`reads the room again after storing the message: a joiner opening a new shard after the first read gets it live (${path})`, async () => {
      let queue: ReturnType<typeof queueingDispatcher> | undefined;
      // 8 members fill shards 0 and 1; the joiner opens shard 2 between send's first room read and its append.
      const { chat, gateway, members, connections, messages } = await largeRoom(8, (c) =>
        path === 'workers' ? (queue = queueingDispatcher(c)).dispatcher : undefined,
      );
      const joiner: Caller = { connectionId: 'c-joiner', user: user('joiner') };
      await chat.connect(joiner, 1);
      const calls: string[] = [];
      const room = connections.room.bind(connections);
      connections.room = async (name) => {
        const read = await room(name);
        calls.push(`room ${read.shards}`);
        if (calls.length === 1) {
          await chat.join(joiner, 'big');
          calls.push('joined');
        }
        return read;
      };
      const append = messages.append.bind(messages);
      messages.append = async (...args) => {
        // The append lands after the join: the joiner's `joined` history cannot hold the message.
        await new Promise((resolve) => setTimeout(resolve, 5));
        calls.push('append');
        return append(...args);
      };

      await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
      await queue?.runAll();

      expect(calls).toEqual(['room 2', 'joined', 'append', 'room 3']);
      expect(gateway.framesOfType(joiner.connectionId, 'joined')[0]?.history).toEqual([]);
      expect(gateway.framesOfType(joiner.connectionId, 'message').map((m) => m.clientMsgId)).toEqual(['m1']);
      if (queue) expect(queue.jobs.map((j) => j.shard)).toEqual([0, 1, 2]);
    });
  }

  it('a job delivered twice (Lambda delivers async events at least once) reaches its shard once', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, gateway, members } = await largeRoom(10, (c) => (queue = queueingDispatcher(c)).dispatcher);
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });

    const firstRun = await queue.runAll();
    const secondRun = await queue.runAll();

    expect(firstRun.filter((r) => r === 'duplicate')).toEqual([]);
    expect(secondRun).toEqual(['duplicate', 'duplicate', 'duplicate']);
    for (const m of members) expect(gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);
  });

  it('an inline fallback after an Invoke that failed but queued its event anyway does not deliver the shard twice', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, gateway, members, failures } = await largeRoom(10, (c) => {
      queue = queueingDispatcher(c);
      return {
        async dispatch(job) {
          await queue.dispatcher.dispatch(job);
          if (job.shard === 2) throw new DispatchError('Invoke timed out after queueing the event');
        },
      };
    });

    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    const workers = await queue.runAll();

    expect(failures).toEqual(['big#2']);
    expect(workers[2]).toBe('duplicate');
    for (const m of members) expect(gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);
  });

  it('a worker out of time hands the rest of its shard on, and the rest is delivered once', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, worker, gateway, members } = await largeRoom(10, (c) => (queue = queueingDispatcher(c)).dispatcher);
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    const [shard0] = queue.jobs.splice(0) as [FanoutJob];
    const shardMembers = members.slice(0, 4).map((m) => m.connectionId);

    // A deadline already past: the worker still posts to one member (progress), then hands the rest on.
    const out = await worker.run(shard0, { deadline: 0 });

    expect(out !== 'duplicate' && out.unfinished).toEqual({ startAfter: shardMembers[0], retry: [] });
    expect(queue.jobs).toEqual([{ ...shard0, startAfter: shardMembers[0], handOns: 1 }]);
    // The handed-on job, with time enough, covers the rest; a second delivery of it is recognised.
    expect(await worker.run(queue.jobs[0]!, { deadline: Number.MAX_SAFE_INTEGER })).not.toBe('duplicate');
    expect(await worker.run(queue.jobs[0]!)).toBe('duplicate');
    for (const id of shardMembers) expect(gateway.framesOfType(id, 'message')).toHaveLength(1);
  });

  it('a member whose throttled post the deadline stops is handed on with the rest, and reached once', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    let now = 1_800_000_000_000;
    const { chat, worker, gateway, members } = await largeRoom(10, (c) => (queue = queueingDispatcher(c)).dispatcher, {
      clock: { now: () => now },
      timers: { sleep: async (ms) => void (now += ms) },
    });
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    const [shard0] = queue.jobs.splice(0) as [FanoutJob];
    const shardMembers = members.slice(0, 4).map((m) => m.connectionId);
    const stuck = shardMembers[1]!;
    // Throttled for longer than the worker has left: posts to it are still being retried at the deadline.
    for (let i = 0; i < 500; i += 1) gateway.failNext(stuck, new ThrottledError(stuck));

    const out = await worker.run(shard0, { deadline: now + 2_000 });

    if (out === 'duplicate') throw new Error('the first delivery of a job is not a duplicate');
    expect(out.failed).toEqual([]);
    expect(out.unfinished).toMatchObject({ startAfter: shardMembers[3], retry: [{ connectionId: stuck }] });
    expect(queue.jobs).toEqual([
      {
        ...shard0,
        startAfter: shardMembers[3],
        retry: [{ connectionId: stuck, user: members[1]!.user, joinedAt: expect.any(Number) }],
        handOns: 1,
      },
    ]);
    gateway.clearFailures(stuck);
    const rest = await worker.run(queue.jobs[0]!, { deadline: now + 100_000 });
    expect(rest).toMatchObject({ delivered: 1, failed: [] });
    expect(rest !== 'duplicate' && rest.unfinished).toBeUndefined();
    for (const id of shardMembers.slice(1)) expect(gateway.framesOfType(id, 'message')).toHaveLength(1);
  });

  it('a handed-on job whose own deadline comes before its retries are started hands them on again', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, worker, gateway, members } = await largeRoom(10, (c) => (queue = queueingDispatcher(c)).dispatcher);
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    const [shard0] = queue.jobs.splice(0) as [FanoutJob];
    const [a, b] = members.slice(1, 3).map(({ connectionId, user }) => ({ connectionId, user, joinedAt: 1 }));
    const job: FanoutJob = { ...shard0, startAfter: members[3]!.connectionId, retry: [a!, b!], handOns: 1 };

    // Deadline already past: one post (progress), the other retry goes on, the Query position stays.
    await worker.run(job, { deadline: 0 });

    expect(queue.jobs).toEqual([{ ...shard0, startAfter: members[3]!.connectionId, retry: [b], handOns: 2 }]);
    await worker.run(queue.jobs[0]!, { deadline: Number.MAX_SAFE_INTEGER });
    for (const m of [a!, b!]) expect(gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);
  });

  it(`stops handing a shard on after MAX_HAND_ONS (${MAX_HAND_ONS}) workers, and says so`, async () => {
    const unfinished: string[] = [];
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, worker, members } = await largeRoom(10, (c) => (queue = queueingDispatcher(c)).dispatcher, {
      observer: on('unfinishedJob', ({ job, error }) => unfinished.push(`${job.handOns}: ${(error as Error).message}`)),
    });
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    const [shard0] = queue.jobs.splice(0) as [FanoutJob];

    await expect(worker.run({ ...shard0, handOns: MAX_HAND_ONS }, { deadline: 0 })).rejects.toThrow('giving up');

    expect(queue.jobs).toEqual([]);
    expect(unfinished).toEqual([`${MAX_HAND_ONS + 1}: Shard handed on ${MAX_HAND_ONS} times already; giving up`]);
  });

  it('a worker that fails gives its claim back, so the event can be driven again from the failure queue', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, worker, gateway, members, connections } = await largeRoom(
      10,
      (c) => (queue = queueingDispatcher(c)).dispatcher,
    );
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    const [shard0] = queue.jobs.splice(0) as [FanoutJob];
    connections.failNext('members');

    await expect(worker.run(shard0)).rejects.toThrow();

    expect(await worker.run(shard0)).not.toBe('duplicate');
    expect(await worker.run(shard0)).toBe('duplicate');
    for (const m of members.slice(1, 4)) expect(gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);
  });

  it('a worker that cannot hand the rest on says so and fails, giving its claim back', async () => {
    const unfinished: string[] = [];
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, worker, members } = await largeRoom(
      10,
      (c) => {
        queue = queueingDispatcher(c);
        return {
          async dispatch(job) {
            if (job.startAfter !== undefined) throw new DispatchError('Invoke denied');
            await queue.dispatcher.dispatch(job);
          },
        };
      },
      {
        observer: on('unfinishedJob', ({ job, error }) =>
          unfinished.push(`${job.shard} after ${job.startAfter}: ${(error as Error).message}`),
        ),
      },
    );
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });

    // The job fails (its event goes to the failure queue) and gives its claim back, so it can be driven again.
    await expect(worker.run(queue.jobs[0]!, { deadline: 0 })).rejects.toThrow('Invoke denied');

    expect(unfinished).toEqual([`0 after ${members[0]!.connectionId}: Invoke denied`]);
    expect(await worker.run(queue.jobs[0]!, { deadline: Number.MAX_SAFE_INTEGER })).not.toBe('duplicate');
  });

  it('past its deadline a worker leaves the removal of a gone member to the next message, and hands on at once', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, worker, gateway, members, connections } = await largeRoom(
      10,
      (c) => (queue = queueingDispatcher(c)).dispatcher,
    );
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    const [shard0] = queue.jobs.splice(0) as [FanoutJob];
    const gone = members[0]!.connectionId; // the first one the worker posts to (senders get their message too)
    gateway.markGone(gone);

    const out = await worker.run(shard0, { deadline: 0 });

    expect(out !== 'duplicate' && out.gone.map((m) => m.connectionId)).toEqual([gone]);
    expect(await connections.getConnection(gone)).toBeDefined();
    expect(queue.jobs).toEqual([{ ...shard0, startAfter: gone, handOns: 1 }]);

    // The next message's worker, in the same container, still posts to it and removes it.
    queue.jobs.length = 0;
    await chat.send(members[1] as Caller, { action: 'send', room: 'big', text: 'y', clientMsgId: 'm2' });
    for (const job of queue.jobs.splice(0)) await worker.run(job);
    expect(await connections.getConnection(gone)).toBeUndefined();
  });

  it('a worker removes members found gone in its shard', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, gateway, members, connections } = await largeRoom(
      10,
      (c) => (queue = queueingDispatcher(c)).dispatcher,
    );
    const gone = members[9] as Caller;
    gateway.markGone(gone.connectionId);

    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    const results = await queue.runAll();

    expect(results.reduce((n, r) => n + (r === 'duplicate' ? 0 : r.gone.length), 0)).toBe(1);
    expect(await connections.getConnection(gone.connectionId)).toBeUndefined();
    expect(await connections.room('big')).toEqual({ members: 9, shards: 3 });
  });
});

describe('AdaptiveLimit', () => {
  it('halves on throttling at most once per window of responses and grows back by one per window of successes', () => {
    const limit = new AdaptiveLimit(16);
    limit.onThrottle();
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 7; i += 1) limit.onThrottle();
    expect(limit.limit).toBe(8);
    limit.onThrottle();
    limit.onThrottle();
    expect(limit.limit).toBe(4);
    for (let i = 0; i < 4; i += 1) limit.onSuccess();
    expect(limit.limit).toBe(4);
    limit.onSuccess();
    expect(limit.limit).toBe(5);
    for (let i = 0; i < 1000; i += 1) limit.onSuccess();
    expect(limit.limit).toBe(16);
  });

  it('never admits more than the current limit, and wakes waiters as the limit allows', async () => {
    const limit = new AdaptiveLimit(2);
    await limit.acquire();
    await limit.acquire();
    let third = false;
    const waiting = limit.acquire().then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    limit.release();
    await waiting;
    expect(third).toBe(true);
  });
});

describe('pacing', () => {
  it('shares the rate budget and its burst out among the jobs, and a paced worker spaces its posts by 1/rate after the burst', async () => {
    let queue!: ReturnType<typeof queueingDispatcher>;
    const { chat, members } = await largeRoom(10, (c) => (queue = queueingDispatcher(c)).dispatcher);
    // largeRoom's chat has no budget: its jobs are unpaced.
    await chat.send(members[0] as Caller, { action: 'send', room: 'big', text: 'x', clientMsgId: 'm1' });
    expect(queue.jobs.every((job) => job.ratePerSecond === undefined)).toBe(true);
    const jobs = planJobs('big', { members: 10, shards: 4 }, { type: 'pong' }, undefined, 1000);
    expect(jobs.map((j) => [j.ratePerSecond, j.burst])).toEqual(Array(4).fill([250, 125]));

    // A virtual clock that only moves when someone sleeps, so the spacing is exact.
    let now = 0;
    const wakeups: Array<{ at: number; wake: () => void }> = [];
    const timers = {
      sleep: (ms: number) => new Promise<void>((wake) => wakeups.push({ at: now + ms, wake })),
    };
    const connections = new MemoryConnectionStore();
    const gateway = new MemoryGateway();
    const postedAt: number[] = [];
    const timed = {
      post: async (id: string, frame: ServerFrame) => (postedAt.push(now), gateway.post(id, frame)),
      close: async () => undefined,
    };
    for (let i = 0; i < 5; i += 1) {
      await connections.saveConnection({ connectionId: `c${i}`, user: user(`u${i}`), connectedAt: 0 });
      await connections.addMembership({ room: 'r', connectionId: `c${i}`, user: user(`u${i}`), joinedAt: 0 });
    }
    const done = fanOut(
      { connections, gateway: timed, concurrency: 5, timers, clock: { now: () => now } },
      'r',
      { type: 'pong' },
      { ratePerSecond: 100, burst: 2 },
    );
    for (let step = 0; step < 20 && postedAt.length < 5; step += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      wakeups.sort((a, b) => a.at - b.at);
      const next = wakeups.shift();
      if (next) {
        now = next.at;
        next.wake();
      }
    }
    const result = await done;

    expect(result.delivered).toBe(5);
    // Two at once (the burst), then one per 10 ms.
    expect(postedAt).toEqual([0, 0, 10, 20, 30]);
  });
});

describe('retrying throttled posts on a deadline', () => {
  /** A clock that moves only when someone sleeps, and a gateway answering 429 the first `throttles` times. */
  function throttlingGateway(throttles: number) {
    let now = 0;
    let calls = 0;
    const deps = {
      gateway: {
        post: async (id: string) => {
          calls += 1;
          if (calls <= throttles) throw new ThrottledError(id);
        },
        close: async () => undefined,
      },
      clock: { now: () => now },
      timers: { sleep: async (ms: number) => void (now += ms) },
      random: () => 1,
    };
    return { deps, calls: () => calls, now: () => now };
  }

  it('keeps retrying past the attempt count of route handlers while the budget lasts (the worker policy)', async () => {
    // 25 refusals with the longest waits (random() = 1): about 39 s of backoff, inside the 60 s budget.
    const g = throttlingGateway(25);
    await postWithRetry({ ...g.deps, retry: WORKER_RETRY }, 'c1', { type: 'pong' });
    expect(g.calls()).toBe(26);
    expect(DEFAULT_RETRY.maxAttempts).toBeLessThan(26);
    expect(g.now()).toBeLessThan(WORKER_RETRY.throttleBudgetMs!);
  });

  it('retries a throttled post only while the retry would start before the deadline', async () => {
    const g = throttlingGateway(Number.POSITIVE_INFINITY);
    const cut = await postWithRetry(
      { ...g.deps, retry: WORKER_RETRY },
      'c1',
      { type: 'pong' },
      { deadline: 3_000 },
    ).catch((e: unknown) => e);
    // Stopped, not failed: the worker hands the member on.
    expect(cut).toBeInstanceOf(CutByDeadline);
    expect((cut as Error).cause).toBeInstanceOf(ThrottledError);
    // Without the deadline the 60 s budget would have gone on; no wait ran past the deadline.
    expect(g.now()).toBeLessThan(3_000);
    expect(g.calls()).toBeGreaterThan(1);
  });

  it('gives up once the budget is spent, not before', async () => {
    const g = throttlingGateway(Number.POSITIVE_INFINITY);
    const retry = { ...WORKER_RETRY, throttleBudgetMs: 5_000 };
    await expect(postWithRetry({ ...g.deps, retry }, 'c1', { type: 'pong' })).rejects.toBeInstanceOf(ThrottledError);
    // The last wait started inside the budget and lasted at most maxDelayMs.
    expect(g.now()).toBeGreaterThanOrEqual(5_000);
    expect(g.now()).toBeLessThan(5_000 + retry.maxDelayMs);
  });

  it('route handlers stop after DEFAULT_RETRY.maxAttempts, well inside their 29 s', async () => {
    const g = throttlingGateway(Number.POSITIVE_INFINITY);
    await expect(postWithRetry({ ...g.deps, retry: DEFAULT_RETRY }, 'c1', { type: 'pong' })).rejects.toBeInstanceOf(
      ThrottledError,
    );
    expect(g.calls()).toBe(DEFAULT_RETRY.maxAttempts);
    expect(g.now()).toBeLessThan(25_000);
  });
});
