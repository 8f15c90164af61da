import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PARAMS, type SimParams } from '../../src/sim/params.js';
import { formatResult } from '../../src/sim/report.js';
import type { SimResult } from '../../src/sim/results.js';
import { simulate } from '../../src/sim/simulate.js';

const run = (overrides: Partial<SimParams>): Promise<SimResult> => simulate({ ...DEFAULT_PARAMS, ...overrides });

/** The parts of a result that depend on the model only (not on how fast this machine ran it). */
const modelled = ({ wallMs: _wall, ...rest }: SimResult) => rest;

describe('simulate (the domain fan-out against modelled AWS, in virtual time)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('delivers exactly once to every member of a small room, inline and through workers, without real timers', async () => {
    // Prepare
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    // Act
    const inline = await run({ members: 300 });
    const workers = await run({ members: 1_234 });
    // Assess
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(inline).toMatchObject({
      delivered: 300,
      expected: 300,
      duplicates: 0,
      failures: 0,
      throttled: 0,
      dispatched: false,
    });
    expect(inline.workers.invocations).toBe(0);
    expect(workers).toMatchObject({ delivered: 1_234, expected: 1_234, duplicates: 0, failures: 0, dispatched: true });
    expect(workers.workers.invocations).toBe(3); // shards of 500: 500 + 500 + 234
    expect(workers.timeToLastRecipientMs).toBeCloseTo(workers.deliveryMs.max, 2);
  });

  it('cannot beat the quota: 100k posts at 10k rps with a 5k burst take at least (100,000 - 5,000) / 10,000 s, and not absurdly more', async () => {
    // Act: enough 429 attempts that no recipient is given up, so the last delivery is the 100,000th admission.
    const result = await run({ members: 100_000, retry: { ...DEFAULT_PARAMS.retry, maxAttempts: 100 } });
    // Assess
    expect(result.delivered).toBe(100_000);
    expect(result.failures).toBe(0);
    expect(result.quotaFloorMs).toBe(9_500);
    expect(result.timeToLastRecipientMs).toBeGreaterThanOrEqual(9_500);
    expect(result.timeToLastRecipientMs).toBeLessThan(9_500 * 1.5);
    expect(result.achievedPostsPerSecond).toBeLessThanOrEqual(10_000 * 1.05 + 5_000 / 9.5);
    expect(result.workers.invocations).toBe(200);
  });

  it('pacing the workers at their share of the quota avoids the 429 storm of unpaced workers, without slowing the room down much', async () => {
    const paced = await run({ members: 20_000 });
    const unpaced = await run({ members: 20_000, rateBudget: 0 });
    expect(paced).toMatchObject({ delivered: 20_000, failures: 0, throttled: 0 });
    expect(unpaced.delivered).toBe(20_000);
    expect(unpaced.throttled).toBeGreaterThan(1_000);
    expect(paced.timeToLastRecipientMs).toBeLessThan((unpaced.timeToLastRecipientMs ?? 0) * 1.25);
  });

  it('reproduces a run exactly from its seed, and differs with another seed', async () => {
    const a = await run({ members: 8_000, goneFraction: 0.05, seed: 7 });
    const b = await run({ members: 8_000, goneFraction: 0.05, seed: 7 });
    const c = await run({ members: 8_000, goneFraction: 0.05, seed: 8 });
    expect(modelled(b)).toEqual(modelled(a));
    expect(c.timeToLastRecipientMs).not.toBe(a.timeToLastRecipientMs);
  });

  it('takes longer when each post costs more CPU or the quota is lower', async () => {
    const base = await run({ members: 5_000 });
    const moreCpu = await run({ members: 5_000, postCpuUs: 2_000 });
    const lessQuota = await run({ members: 5_000, callbackRps: 2_000, callbackBurst: 1_000 });
    const smallerWorkers = await run({ members: 5_000, memoryMb: 256 });
    expect(base.delivered).toBe(5_000);
    expect(moreCpu.timeToLastRecipientMs).toBeGreaterThan((base.timeToLastRecipientMs as number) * 1.5);
    expect(lessQuota.timeToLastRecipientMs).toBeGreaterThanOrEqual(2_000); // (5,000 - 1,000) / 2,000 s
    expect(lessQuota.throttled).toBeGreaterThan(base.throttled);
    expect(smallerWorkers.timeToLastRecipientMs).toBeGreaterThan(base.timeToLastRecipientMs as number);
  });

  it('removes the members whose connection answers 410, inline and in workers', async () => {
    for (const members of [400, 3_000]) {
      const result = await run({ members, goneFraction: 0.1 });
      const gone = members * 0.1;
      expect(result.goneAnswers).toBe(gone);
      expect(result.expected).toBe(members - gone);
      expect(result.delivered).toBe(members - gone);
      expect(result.membersLeft).toBe(members - gone);
      expect(result.failures).toBe(0);
    }
  });

  it('reports each message at list prices: Lambda per function moves with its memory, API Gateway and DynamoDB do not', async () => {
    // Prepare: a room of 1,000 (2 workers), with each function at the smallest and the largest size
    const small = await run({ members: 1_000, sendMemoryMb: 512, memoryMb: 512 });
    const bigWorkers = await run({ members: 1_000, sendMemoryMb: 512, memoryMb: 1_769 });
    const bigSend = await run({ members: 1_000, sendMemoryMb: 1_769, memoryMb: 512 });
    const coldWorkers = await run({ members: 1_000, sendMemoryMb: 512, memoryMb: 512, coldFraction: 1 });
    // Assess: what the message used, counted by the simulated ports
    expect(small.cost.lambda.send.invocations).toBe(1);
    expect(small.cost.lambda.fanout.invocations).toBe(2);
    expect(small.cost.apiGateway).toMatchObject({ inboundMessages: 1, outboundMessages: 1_001 }); // + the ack
    // rate limits 2, idempotency claim and message 2, outbox mark 1, a claim per worker; membership check, the room
    // read beside the append and again after it, a page per shard
    expect(small.cost.dynamodb).toMatchObject({ writes: 7, writeUnits: 7, reads: 5, readUnits: 1 + 2 + 2 * 25 });
    // Lambda follows each function's memory, the rest does not
    expect(bigWorkers.cost.lambda.fanout.gbSeconds).toBeGreaterThan(small.cost.lambda.fanout.gbSeconds * 2);
    expect(bigWorkers.cost.lambda.fanout.usdPerMillion.arm64).toBeGreaterThan(
      small.cost.lambda.fanout.usdPerMillion.arm64,
    );
    expect(bigSend.cost.lambda.send.usdPerMillion.arm64).toBeGreaterThan(small.cost.lambda.send.usdPerMillion.arm64);
    expect(bigSend.cost.lambda.send.memoryMb).toBe(1_769);
    expect(bigWorkers.cost.apiGateway).toEqual(small.cost.apiGateway);
    expect(bigSend.cost.dynamodb).toEqual(small.cost.dynamodb);
    for (const r of [small, bigWorkers, bigSend]) {
      expect(r.cost.lambda.usdPerMillion.x86_64).toBeGreaterThan(r.cost.lambda.usdPerMillion.arm64);
      expect(r.cost.usdPerMillion).toBeCloseTo(
        r.cost.lambda.usdPerMillion.arm64 + r.cost.apiGateway.usdPerMillion + r.cost.dynamodb.usdPerMillion,
        9,
      );
    }
    // a cold worker's init is billed: 2 workers x 300 ms more, give or take the handlers' own times
    expect(coldWorkers.cost.lambda.fanout.billedMs - small.cost.lambda.fanout.billedMs).toBeGreaterThan(500);
    expect(formatResult(bigWorkers)).toMatch(
      /lambda \$\/1M .*fanout \$[\d.,]+ .*2 invocations, [\d,]+ ms billed at 1,769 MB/,
    );
  });
});
