import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, type SimParams } from '../../src/sim/params.js';
import type { ContentionResult } from '../../src/sim/results.js';
import { simulate, simulateContention } from '../../src/sim/simulate.js';

/** Two rooms of 5,000 against a quota of 2,000/s (burst 500): each room's workers are paced at the whole quota. */
const LOW_QUOTA: SimParams = {
  ...DEFAULT_PARAMS,
  members: 5_000,
  callbackRps: 2_000,
  callbackBurst: 500,
  rateBudget: 2_000,
};

/** The parts of a result that depend on the model only (not on how fast this machine ran it). */
const modelled = ({ wallMs: _wall, ...rest }: ContentionResult) => rest;

describe('simulateContention (several rooms sharing one account quota and Lambda concurrency)', () => {
  it('delivers every room exactly once per member through the 429s of two rooms each paced at the whole quota, no faster than the combined floor', async () => {
    // Act
    const result = await simulateContention(LOW_QUOTA, { rooms: 2, staggerMs: 0 });
    // Assess
    expect(result.rooms).toHaveLength(2);
    for (const room of result.rooms) {
      expect(room).toMatchObject({
        delivered: 5_000,
        expected: 5_000,
        duplicates: 0,
        failures: 0,
        sentAtMs: 0,
        workers: 10,
      });
      expect(room.throttled).toBeGreaterThan(0);
    }
    expect(result).toMatchObject({ delivered: 10_000, expected: 10_000, lost: 0, failures: 0, posts: 10_000 });
    expect(result.throttled).toBe(result.rooms.reduce((n, r) => n + r.throttled, 0));
    expect(result.mostAttempts).toBeLessThanOrEqual(LOW_QUOTA.retry.maxAttempts);
    expect(result.quotaFloorMs).toBe(4_750); // (10,000 - 500) / 2,000 s
    expect(result.lastRecipientMs).toBeGreaterThanOrEqual(result.quotaFloorMs);
    expect(result.lastRecipientMs).toBe(Math.max(...result.rooms.map((r) => r.timeToLastRecipientMs as number)));
    expect(result.workers.invocations).toBe(20);
  });

  it('pacing each room at its share of the quota instead leaves only the 429s of the burst', async () => {
    // The domain's burst (half a second of the budget) is 1,000 here against the bucket's 500: a few 429s remain.
    const whole = await simulateContention(LOW_QUOTA, { rooms: 2, staggerMs: 0 });
    const shared = await simulateContention({ ...LOW_QUOTA, rateBudget: 1_000 }, { rooms: 2, staggerMs: 0 });
    expect(shared.lost).toBe(0);
    expect(shared.throttled).toBeLessThan(whole.throttled / 5);
    expect(shared.lastRecipientMs).toBeGreaterThanOrEqual(shared.quotaFloorMs);
  });

  it('reproduces a run exactly from its seed', async () => {
    const a = await simulateContention({ ...LOW_QUOTA, seed: 5 }, { rooms: 2, staggerMs: 0 });
    const b = await simulateContention({ ...LOW_QUOTA, seed: 5 }, { rooms: 2, staggerMs: 0 });
    const c = await simulateContention({ ...LOW_QUOTA, seed: 6 }, { rooms: 2, staggerMs: 0 });
    expect(modelled(b)).toEqual(modelled(a));
    expect(c.lastRecipientMs).not.toBe(a.lastRecipientMs);
  });

  it('times a staggered room from its own send, and the account from the first', async () => {
    const result = await simulateContention({ ...LOW_QUOTA, members: 2_000 }, { rooms: 3, staggerMs: 700 });
    expect(result.rooms.map((r) => r.sentAtMs)).toEqual([0, 700, 1_400]);
    expect(result.lost).toBe(0);
    const ends = result.rooms.map((r) => r.sentAtMs + (r.timeToLastRecipientMs as number));
    expect(result.lastRecipientMs).toBe(Math.max(...ends));
    for (const room of result.rooms) expect(room.deliveryMs.max).toBeCloseTo(room.timeToLastRecipientMs as number, 2);
  });

  it('with one room, is the single-room simulation', async () => {
    const params = { ...DEFAULT_PARAMS, members: 3_000, goneFraction: 0.1, seed: 3 };
    const single = await simulate(params);
    const one = await simulateContention(params, { rooms: 1, staggerMs: 0 });
    expect(one.rooms[0]).toMatchObject({
      timeToLastRecipientMs: single.timeToLastRecipientMs,
      deliveryMs: single.deliveryMs,
      delivered: single.delivered,
      attempts: single.attempts,
      membersLeft: single.membersLeft,
    });
    expect(one.quotaFloorMs).toBe(single.quotaFloorMs);
    expect(one.workers).toEqual(single.workers);
    expect(one.events).toBe(single.events);
  });
});
