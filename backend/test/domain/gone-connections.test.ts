import { describe, expect, it } from 'vitest';
import { ChatService, type Caller } from '../../src/domain/chat-service.js';
import { GoneConnections } from '../../src/domain/gone-connections.js';
import type { ServerFrame } from '../../src/protocol/index.js';
import { testRates } from '../support/limits.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import {
  MemoryConnectionStore,
  MemoryFanoutClaims,
  MemoryMessageStore,
  MemoryRateLimiter,
} from '../support/memory-stores.js';

const user = (name: string) => ({ userId: `u-${name}`, name });
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

/** A gateway whose answers take a few milliseconds, as a network's do, and that counts posts to gone connections. */
class SlowGateway extends MemoryGateway {
  readonly gonePosts = new Map<string, number>();

  override async post(connectionId: string, frame: ServerFrame): Promise<void> {
    if (this.isGone(connectionId)) this.gonePosts.set(connectionId, (this.gonePosts.get(connectionId) ?? 0) + 1);
    await tick();
    return super.post(connectionId, frame);
  }
}

describe('GoneConnections: one post at a time per connection in this container', () => {
  it('lets a second post to a connection start only when the first one is done, in the order they asked', async () => {
    const gone = new GoneConnections();
    const order: string[] = [];
    const first = await gone.turn('c1');
    const second = gone.turn('c1').then((done) => (order.push('second'), done));
    const third = gone.turn('c1').then((done) => (order.push('third'), done));
    const other = await gone.turn('c2'); // another connection does not wait
    await tick();
    expect(order).toEqual([]);
    first();
    (await second)();
    (await third)();
    other();
    expect(order).toEqual(['second', 'third']);
    // Nothing is left behind once every turn is done.
    expect(gone.postsInFlight()).toBe(0);
  });
});

describe('a mass disconnect', () => {
  it('posts to each departed member at most once, however many announcements find it at the same time', async () => {
    const connections = new MemoryConnectionStore();
    const gateway = new SlowGateway();
    let now = 1_700_000_000_000;
    const clock = { now: () => now++ };
    const chat = new ChatService({
      connections,
      messages: new MemoryMessageStore(),
      claims: new MemoryFanoutClaims(),
      gateway,
      clock,
      ids: { messageId: (ts) => `${ts}` },
      fanoutConcurrency: 8,
      rateLimiter: new MemoryRateLimiter(connections, clock),
      limits: { rates: testRates({ send: 100 }, 1000), roomsPerConnection: 5, ephemeralMaxMembers: 50 },
      timers: { sleep: async () => undefined },
    });
    const members: Caller[] = [];
    for (let i = 0; i < 24; i += 1) {
      const c: Caller = { connectionId: `c-${String(i).padStart(2, '0')}`, user: user(`m${i}`) };
      await chat.connect(c, now);
      await chat.join(c, 'r');
      members.push(c);
    }
    const [stay, ...leaving] = members;
    for (const l of leaving) gateway.markGone(l.connectionId);
    gateway.clearPosts();
    // Half the $disconnects arrive at once; each announcement meets the other departed members, still listed.
    await Promise.all(leaving.filter((_, i) => i % 2 === 0).map((l) => chat.disconnect(l)));

    const names = gateway.framesOfType(stay!.connectionId, 'presence').map((p) => p.user.name);
    expect(names.sort()).toEqual(leaving.map((l) => l.user.name).sort());
    expect(Math.max(...gateway.gonePosts.values())).toBe(1);
    expect(chat.rooms.gone.postsInFlight()).toBe(0);
  });
});
