import { describe, expect, it } from 'vitest';
import { ChatService, type Caller } from '../../src/domain/chat-service.js';
import type { ServerFrame } from '../../src/protocol/index.js';
import { testRates } from '../support/limits.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import {
  MemoryConnectionStore,
  MemoryFanoutClaims,
  MemoryMessageStore,
  MemoryRateLimiter,
} from '../support/memory-stores.js';

/**
 * Counts sequential round trips: every port call takes one macrotask, so calls made together overlap, and a call's
 * depth is one more than the deepest call that had finished when it started.
 */
class RoundTrips {
  private finishedDepth = 0;
  readonly calls: Array<{ name: string; depth: number; frame?: ServerFrame; connectionId?: string }> = [];

  wrap<T extends object>(label: string, port: T): T {
    return new Proxy(port, {
      get: (target, key, receiver) => {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || key === 'members') return value;
        return async (...args: unknown[]) => {
          const depth = this.finishedDepth + 1;
          this.calls.push({
            name: `${label}.${String(key)}`,
            depth,
            ...(label === 'gateway' ? { connectionId: args[0] as string, frame: args[1] as ServerFrame } : {}),
          });
          await new Promise((resolve) => setImmediate(resolve));
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            this.finishedDepth = Math.max(this.finishedDepth, depth);
          }
        };
      },
    });
  }

  /** A members Query is an async iterable: each page is one round trip. */
  wrapMembers(connections: MemoryConnectionStore): void {
    const members = connections.members.bind(connections);
    const trip = async (): Promise<void> => {
      const depth = this.finishedDepth + 1;
      this.calls.push({ name: 'connections.members', depth });
      await new Promise((resolve) => setImmediate(resolve));
      this.finishedDepth = Math.max(this.finishedDepth, depth);
    };
    connections.members = (room, options) => ({
      async *[Symbol.asyncIterator]() {
        for await (const page of members(room, options)) {
          await trip();
          yield page;
        }
      },
    });
  }
}

describe('sequential round trips of send', () => {
  it('are three before the first recipient is posted to', async () => {
    // Prepare: a room of three, fanned out inline.
    const connections = new MemoryConnectionStore();
    const clock = { now: () => 1_700_000_000_000 };
    const trips = new RoundTrips();
    const plain = {
      connections,
      messages: new MemoryMessageStore(clock),
      claims: new MemoryFanoutClaims(),
      gateway: new MemoryGateway(),
      rateLimiter: new MemoryRateLimiter(connections, clock),
    };
    const setup = new ChatService({
      ...plain,
      clock,
      ids: { messageId: (ts) => `${ts}-1` },
      fanoutConcurrency: 4,
      limits: { rates: testRates({ send: 10 }), roomsPerConnection: 5, ephemeralMaxMembers: 0 },
    });
    const members: Caller[] = ['a', 'b', 'c'].map((n) => ({ connectionId: `c-${n}`, user: { userId: n, name: n } }));
    for (const m of members) {
      await setup.connect(m, 1);
      await setup.join(m, 'r');
    }
    trips.wrapMembers(connections);
    const chat = new ChatService({
      connections: trips.wrap('connections', connections),
      messages: trips.wrap('messages', plain.messages),
      claims: trips.wrap('claims', plain.claims),
      gateway: trips.wrap('gateway', plain.gateway),
      rateLimiter: trips.wrap('rateLimiter', plain.rateLimiter),
      clock,
      ids: { messageId: (ts) => `${ts}-2` },
      fanoutConcurrency: 4,
      limits: { rates: testRates({ send: 10 }), roomsPerConnection: 5, ephemeralMaxMembers: 0 },
    });
    // Act
    await chat.send(members[0]!, { action: 'send', room: 'r', text: 'hi', clientMsgId: 'k' });
    // Assess: 3 round trips, on AWS too (a reserved append is one conditional Put, each counter one UpdateItem in
    // the same window). The admission checks and the idempotency claim go together; the room is read beside the
    // append and again after it (a shard opened meanwhile), beside the ack and the members Query.
    const first = trips.calls.find((c) => c.frame?.type === 'message' && c.connectionId !== members[0]!.connectionId);
    expect(trips.calls.filter((c) => c.depth < first!.depth).map((c) => `${c.depth} ${c.name}`)).toEqual([
      '1 messages.reserve',
      '1 connections.isMember',
      '1 rateLimiter.tryConsume',
      '1 rateLimiter.tryConsumeUser',
      '2 connections.room',
      '2 messages.append',
      '3 connections.room',
      '3 gateway.post',
      '3 connections.members',
    ]);
  });
});
