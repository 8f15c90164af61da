import { describe, expect, it } from 'vitest';
import { ConnectionExpiredError } from '../../src/domain/errors.js';
import type { ConnectionStore, RateLimiter } from '../../src/domain/ports.js';

export interface RateLimiterFixture {
  limiter: RateLimiter;
  connections: ConnectionStore;
  /** Moves the limiter's clock. */
  setNow(ms: number): void;
}

const policy = { limit: 3, windowMs: 10_000 };
let seq = 0;

/** One suite for every RateLimiter implementation, so the fake cannot drift from DynamoDB. */
export function registerRateLimiterContract(name: string, create: () => Promise<RateLimiterFixture>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    async function live(f: RateLimiterFixture): Promise<string> {
      const connectionId = `rl-${process.pid}-${++seq}`;
      await f.connections.saveConnection({ connectionId, user: { userId: 'u', name: 'u' }, connectedAt: 0 });
      return connectionId;
    }

    it('[RL1] allows `limit` actions per window, then refuses until the next window', async () => {
      const f = await create();
      f.setNow(1_000_000);
      const id = await live(f);
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await f.limiter.tryConsume(id, 'send', policy));
      expect(results).toEqual([true, true, true, false, false]);
      f.setNow(1_000_000 + policy.windowMs);
      expect(await f.limiter.tryConsume(id, 'send', policy)).toBe(true);
    });

    it('[RL2] keeps buckets and connections apart', async () => {
      const f = await create();
      f.setNow(2_000_000);
      const [a, b] = [await live(f), await live(f)];
      for (let i = 0; i < 3; i++) expect(await f.limiter.tryConsume(a, 'send', policy)).toBe(true);
      expect(await f.limiter.tryConsume(a, 'send', policy)).toBe(false);
      expect(await f.limiter.tryConsume(a, 'typing', policy)).toBe(true);
      expect(await f.limiter.tryConsume(b, 'send', policy)).toBe(true);
    });

    it('[RL3] concurrent actions never exceed the limit', async () => {
      const f = await create();
      f.setNow(3_000_000);
      const id = await live(f);
      const results = await Promise.all(Array.from({ length: 10 }, () => f.limiter.tryConsume(id, 'send', policy)));
      expect(results.filter(Boolean)).toHaveLength(3);
    });

    it('[RL4] refuses an unknown connection as expired (not rate limited) and does not create it', async () => {
      const f = await create();
      f.setNow(4_000_000);
      await expect(f.limiter.tryConsume('never-connected', 'send', policy)).rejects.toBeInstanceOf(
        ConnectionExpiredError,
      );
      expect(await f.connections.getConnection('never-connected')).toBeUndefined();
    });

    it('[RL6] a connection that is gone after it used its allowance is expired, not rate limited', async () => {
      const f = await create();
      f.setNow(6_000_000);
      const id = await live(f);
      for (let i = 0; i < policy.limit; i += 1) expect(await f.limiter.tryConsume(id, 'send', policy)).toBe(true);
      expect(await f.limiter.tryConsume(id, 'send', policy)).toBe(false);
      await f.connections.removeConnection(id);
      await expect(f.limiter.tryConsume(id, 'send', policy)).rejects.toBeInstanceOf(ConnectionExpiredError);
    });

    it('[RL7] a user has one allowance across connections, per bucket and window, with no connection needed', async () => {
      const f = await create();
      f.setNow(7_000_000);
      const user = `user#with/odd ${Math.random()}`;
      const results = await Promise.all(
        Array.from({ length: 6 }, () => f.limiter.tryConsumeUser(user, 'join', policy)),
      );
      expect(results.filter(Boolean)).toHaveLength(policy.limit);
      expect(await f.limiter.tryConsumeUser(user, 'leave', policy)).toBe(true);
      expect(await f.limiter.tryConsumeUser(`${user}-other`, 'join', policy)).toBe(true);
      f.setNow(7_000_000 + policy.windowMs);
      expect(await f.limiter.tryConsumeUser(user, 'join', policy)).toBe(true);
    });

    it('[RL8] refundUser gives one action back in its window, never below zero, and never into a later window', async () => {
      const f = await create();
      f.setNow(8_000_000);
      const user = `refunded ${Math.random()}`;
      const take = () => f.limiter.tryConsumeUser(user, 'send', policy);
      expect([await take(), await take(), await take(), await take()]).toEqual([true, true, true, false]);
      await f.limiter.refundUser(user, 'send', policy);
      expect([await take(), await take()]).toEqual([true, false]);
      // Refunds past zero do not bank actions.
      const fresh = `${user}-fresh`;
      await f.limiter.refundUser(fresh, 'send', policy);
      expect(await f.limiter.tryConsumeUser(fresh, 'send', policy)).toBe(true);
      for (let i = 0; i < 4; i += 1) await f.limiter.refundUser(fresh, 'send', policy);
      const after = [];
      for (let i = 0; i < policy.limit + 1; i += 1) after.push(await f.limiter.tryConsumeUser(fresh, 'send', policy));
      expect(after.filter(Boolean)).toHaveLength(policy.limit);
      // A refund in a later window leaves that window's count alone.
      f.setNow(8_000_000 + policy.windowMs);
      await f.limiter.refundUser(user, 'send', policy);
      const next = [];
      for (let i = 0; i < policy.limit + 1; i += 1) next.push(await take());
      expect(next).toEqual([true, true, true, false]);
    });

    it('[RL5] the count survives across calls within a window', async () => {
      const f = await create();
      f.setNow(5_000_000);
      const id = await live(f);
      expect(await f.limiter.tryConsume(id, 'typing', policy)).toBe(true);
      f.setNow(5_000_000 + policy.windowMs - 1);
      expect(await f.limiter.tryConsume(id, 'typing', policy)).toBe(true);
      expect(await f.limiter.tryConsume(id, 'typing', policy)).toBe(true);
      expect(await f.limiter.tryConsume(id, 'typing', policy)).toBe(false);
    });
  });
}
