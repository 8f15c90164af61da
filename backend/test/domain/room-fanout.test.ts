import { describe, expect, it } from 'vitest';
import { ChatService, FanoutWorker, type Caller, type ChatDeps } from '../../src/domain/chat-service.js';
import type { ChatEvent, FanoutDispatcher, FanoutJob } from '../../src/domain/ports.js';
import { fanoutEventSchema, type ServerFrame } from '../../src/protocol/index.js';
import { testRates } from '../support/limits.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import {
  MemoryConnectionStore,
  MemoryFanoutClaims,
  MemoryMessageStore,
  MemoryRateLimiter,
} from '../support/memory-stores.js';

const user = (name: string) => ({ userId: `u-${name}`, name });

/** A room of `size` in shards of 4; rooms over 5 go to workers (jobs queued here), ephemeral frames up to 3. */
async function room(size: number, observed: ChatEvent[] = []) {
  const connections = new MemoryConnectionStore({ shardSize: 4, membersPageSize: 3 });
  const gateway = new MemoryGateway();
  const jobs: FanoutJob[] = [];
  const dispatcher: FanoutDispatcher = { dispatch: async (job) => void jobs.push(job) };
  let now = 1_700_000_000_000;
  const clock = { now: () => now++ };
  const deps: ChatDeps = {
    connections,
    messages: new MemoryMessageStore(),
    claims: new MemoryFanoutClaims(),
    gateway,
    clock,
    ids: { messageId: (ts) => `${ts}` },
    fanoutConcurrency: 3,
    dispatcher,
    fanoutInlineMax: 5,
    rateLimiter: new MemoryRateLimiter(connections, clock),
    limits: { rates: testRates({ send: 100 }, 1000), roomsPerConnection: 5, ephemeralMaxMembers: 3 },
    timers: { sleep: async () => undefined },
    observer: { observe: (event) => void observed.push(event) },
  };
  const chat = new ChatService(deps);
  const members: Caller[] = [];
  for (let i = 0; i < size; i += 1) {
    const c: Caller = { connectionId: `c-${String(i).padStart(3, '0')}`, user: user(`m${i}`) };
    await chat.connect(c, now);
    await chat.join(c, 'big');
    members.push(c);
  }
  gateway.clearPosts();
  jobs.length = 0;
  return { chat, worker: new FanoutWorker(deps), gateway, members, jobs, connections };
}

const notice = (text: string): ServerFrame => ({ type: 'typing', room: 'big', user: { userId: 'sys', name: text } });

describe('RoomFanout.toRoom: the one way to send a frame to a room', () => {
  it('hands a large room to workers whatever the frame, and a job delivered twice reaches its shard once', async () => {
    // Prepare
    const { chat, worker, gateway, members, jobs } = await room(10);
    // Act
    await chat.rooms.toRoom('big', notice('deploy at noon'));
    const first = await Promise.all(jobs.map((job) => worker.run(job)));
    const again = await Promise.all(jobs.map((job) => worker.run(job)));
    // Assess
    expect(jobs.map((j) => j.shard)).toEqual([0, 1, 2]);
    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(1);
    expect(jobs[0]?.jobId).toMatch(/^f-/);
    expect(first).not.toContain('duplicate');
    expect(again).toEqual(['duplicate', 'duplicate', 'duplicate']);
    for (const m of members) expect(gateway.framesOfType(m.connectionId, 'typing')).toHaveLength(1);
  });

  it('gives each delivery of an equal frame its own job id, so sending it again is not taken for a duplicate', async () => {
    const { chat, worker, gateway, members, jobs } = await room(10);

    await chat.rooms.toRoom('big', notice('same'));
    await chat.rooms.toRoom('big', notice('same'));
    for (const job of jobs) await worker.run(job);

    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(2);
    for (const m of members) expect(gateway.framesOfType(m.connectionId, 'typing')).toHaveLength(2);
  });

  it("names a message's jobs by its id, so a retried send meets the claims of its first attempt", async () => {
    const { chat, jobs, members } = await room(10);

    await chat.send(members[0]!, { action: 'send', room: 'big', text: 'hi', clientMsgId: 'k1' });

    const ids = jobs.map((j) => (j.frame.type === 'message' ? j.frame.id : undefined));
    expect(jobs.map((j) => j.jobId)).toEqual(ids);
  });

  it('still claims an event from before job ids (no jobId) by its message id', async () => {
    const { chat, worker, jobs, members } = await room(10);
    await chat.send(members[0]!, { action: 'send', room: 'big', text: 'hi', clientMsgId: 'k1' });
    const { jobId: _id, ...legacy } = jobs[0]!;

    expect(await worker.run(legacy)).not.toBe('duplicate');
    expect(await worker.run(jobs[0]!)).toBe('duplicate');
  });

  it('sends an ephemeral frame inline, and to nobody in a room over ephemeralMaxMembers', async () => {
    const small = await room(3);
    const large = await room(10);

    await small.chat.rooms.toRoom('big', notice('x'), { except: small.members[0]!.connectionId, ephemeral: true });
    await large.chat.rooms.toRoom('big', notice('x'), { ephemeral: true });

    expect(small.jobs).toEqual([]);
    expect(small.gateway.framesOfType(small.members[0]!.connectionId, 'typing')).toEqual([]);
    for (const m of small.members.slice(1))
      expect(small.gateway.framesOfType(m.connectionId, 'typing')).toHaveLength(1);
    expect(large.jobs).toEqual([]);
    expect(large.gateway.posts).toEqual([]);
  });

  it('the fan-out event schema takes events with and without a job id, and refuses one that would break the claim key', () => {
    const event = { room: 'big', shard: 0, frame: notice('x'), target: { domainName: 'd', stage: 's' } };

    expect(fanoutEventSchema.parse(event).jobId).toBeUndefined();
    expect(fanoutEventSchema.parse({ ...event, jobId: 'f-abc' }).jobId).toBe('f-abc');
    expect(fanoutEventSchema.safeParse({ ...event, jobId: 'a#b' }).success).toBe(false);
  });

  it("send: a room read that fails beside the append is the outbox's first failed round, and the next round delivers", async () => {
    // Prepare
    const { chat, gateway, members, connections } = await room(4);
    connections.failNext('room');
    // Act
    await chat.send(members[0]!, { action: 'send', room: 'big', text: 'hi', clientMsgId: 'k1' });
    // Assess
    expect(gateway.framesOfType(members[0]!.connectionId, 'ack')).toHaveLength(1);
    expect(gateway.framesOfType(members[0]!.connectionId, 'error')).toEqual([]);
    for (const m of members) expect(gateway.framesOfType(m.connectionId, 'message')).toHaveLength(1);
  });
});

describe('fan-outs are observed', () => {
  it('reports each fan-out, inline and per worker job, with its result and its duration on the clock', async () => {
    // Prepare
    const observed: ChatEvent[] = [];
    const { chat, worker, jobs } = await room(10, observed);
    observed.length = 0;
    // Act: workers for the large room (2 shards of 4 and one of 2), then an ephemeral frame inline.
    await chat.rooms.toRoom('big', notice('maintenance'));
    for (const job of jobs) await worker.run(job);
    // Assess
    const done = observed.filter((e): e is Extract<ChatEvent, { type: 'fanoutDone' }> => e.type === 'fanoutDone');
    expect(done.map((e) => [e.where, e.result.delivered])).toEqual([
      ['inline', 0],
      ['worker', 4],
      ['worker', 4],
      ['worker', 2],
    ]);
    // The test clock moves 1 ms per reading: a duration is measured, not assumed.
    for (const e of done) expect(e.durationMs).toBeGreaterThan(0);
  });
});
