import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AWS_PRICES } from '../../src/cost/aws-prices.js';
import { COST_ASSUMPTIONS, estimateCost, type CostInput } from '../../src/cost/cost.js';

const base: CostInput = {
  connectAttempts: 0,
  connectionsOpened: 0,
  joins: 0,
  messagesSent: 0,
  recipientsTotal: 0,
  roomSizes: [],
  textSize: 64,
  billedMessageUnits: 0,
  connectedMs: 0,
};
const item = (input: CostInput, prefix: string) => {
  const found = estimateCost(input).items.find((i) => i.name.startsWith(prefix));
  if (found === undefined) throw new Error(`no cost item starting with "${prefix}"`);
  return found;
};
/** One message to a room of `members`, nothing else. */
const oneSend = (members: number, textSize = 64): CostInput => ({
  ...base,
  messagesSent: 1,
  recipientsTotal: members,
  textSize,
});

describe('estimateCost', () => {
  it('is marked as an estimate and costs nothing for an empty run', () => {
    const c = estimateCost(base);
    expect(c.estimate).toBe(true);
    expect(c.totalUsd).toBe(0);
    expect(c.usdPerMillionMessages).toBe(0);
  });

  it('bills measured API Gateway message units at $1 per million', () => {
    const c = item({ ...base, billedMessageUnits: 2_000_000 }, 'API Gateway messages');
    expect(c.quantity).toBe(2_000_000);
    expect(c.usd).toBeCloseTo(2 * AWS_PRICES.apiGateway.usdPerMillionMessages, 6);
  });

  it('bills connection minutes from connected milliseconds', () => {
    const c = item({ ...base, connectedMs: 60_000 * 4_000_000 }, 'API Gateway connection minutes');
    expect(c.quantity).toBe(4_000_000);
    expect(c.usd).toBeCloseTo(4 * AWS_PRICES.apiGateway.usdPerMillionConnectionMinutes, 6);
  });

  it('counts a Lambda invocation per connect attempt (authorizer), $connect, $disconnect, join and send', () => {
    const c = item(
      { ...base, connectAttempts: 12, connectionsOpened: 10, joins: 10, messagesSent: 7, recipientsTotal: 70 },
      'Lambda requests',
    );
    expect(c.quantity).toBe(12 + 10 * 2 + 10 + 7);
  });

  describe('a send', () => {
    it('writes both rate limits, the idempotency record, the message and then clears its outbox mark', () => {
      // UpdateItem x 2 (connection and user limits) + PutItem z#… + PutItem m#… and the UpdateItem that clears its
      // pending mark (250 + 64 bytes: 1 WRU each).
      expect(item(oneSend(10), 'DynamoDB writes').quantity).toBe(2 + 1 + 2);
      // A 4,000-character text makes the message item 5 KB: 5 WRU for its Put and for its update, the rest stay at 1.
      expect(item(oneSend(10, 4000), 'DynamoDB writes').quantity).toBe(2 + 1 + 2 * 5);
    });

    it('reads the connection, the room meta and the members, all strongly consistent', () => {
      // GetItem connection (isMember) + GetItem room meta + Query of 100 x 200 B = 20,000 B: 5 RRU consistent.
      expect(item(oneSend(100), 'DynamoDB reads').quantity).toBe(1 + 1 + 5);
      // A room of one still costs the Query's minimum of 1 RRU.
      expect(item(oneSend(1), 'DynamoDB reads').quantity).toBe(3);
    });

    it('fans out inline up to FANOUT_INLINE_MAX members: no worker, no claim', () => {
      expect(item(oneSend(500), 'Lambda requests').quantity).toBe(1);
      expect(item(oneSend(500), 'Lambda compute, fan-out workers').quantity).toBe(0);
      expect(item(oneSend(500), 'DynamoDB writes').quantity).toBe(5);
    });

    it('above FANOUT_INLINE_MAX invokes one fanout worker per shard, each claiming its job and querying its shard', () => {
      // 1,001 members: shards of 500, 500 and 1.
      expect(item(oneSend(1001), 'Lambda requests').quantity).toBe(1 + 3);
      expect(item(oneSend(1001), 'DynamoDB writes').quantity).toBe(5 + 3);
      // connection + meta, then per shard 500 x 200 B = 25 RRU, 25 RRU and 1 RRU.
      expect(item(oneSend(1001), 'DynamoDB reads').quantity).toBe(2 + 25 + 25 + 1);
    });

    it('bills the workers at the fanout function memory (1,024 MB), the send Lambda at 512 MB', () => {
      // 1,000 members: 2 workers of 500 posts, 8 rounds of 64 at 20 ms each, plus 25 ms: 185 ms x 1 GB each.
      expect(item(oneSend(1000), 'Lambda compute, fan-out workers').quantity).toBeCloseTo(2 * 0.185, 6);
      // (Quantities are rounded to 0.001.) The send Lambda only invokes the 2 workers (one round): 45 ms x 0.5 GB.
      expect(item(oneSend(1000), 'Lambda compute, route handlers').quantity).toBeCloseTo(0.0225, 2);
      // Inline, the send Lambda posts itself: 500 posts = 8 rounds, 185 ms x 0.5 GB.
      expect(item(oneSend(500), 'Lambda compute, route handlers').quantity).toBeCloseTo(0.0925, 2);
    });

    it('bills the workers for waiting on their share of CALLBACK_RATE_BUDGET in very large rooms', () => {
      // 100,000 members: 200 workers paced at 50 posts/s after a burst of 25, so 475 / 50 = 9.5 s each.
      const gbs = item(oneSend(100_000), 'Lambda compute, fan-out workers').quantity;
      expect(gbs).toBeCloseTo(200 * (9.5 + 0.025), 3);
    });
  });

  describe('joining and leaving', () => {
    it('a join is two rate-limit writes and three writes after a meta read; the first join of a new shard raises the shard count', () => {
      // Room of 1: join (2 rate limits, meta UpdateItem, connection UpdateItem, membership PutItem) + the
      // $disconnect's membership delete and count-out.
      expect(item({ ...base, joins: 1, roomSizes: [1] }, 'DynamoDB writes').quantity).toBe(5 + 2);
      // Room of 1,000: 5 per join, one growShards for shard 1, 2 per leave.
      expect(item({ ...base, joins: 1000, roomSizes: [1000] }, 'DynamoDB writes').quantity).toBe(
        5 * 1000 + 1 + 2 * 1000,
      );
    });

    it('a join reads the meta item, its own entry back, the member list, the history page and, with presence, the meta item and members again', () => {
      // Join of a room of 1: meta 1 + confirm 1 + members 1 + history 1 + presence (meta 1 + members 1); its leave:
      // meta 1 + members 1.
      expect(item({ ...base, joins: 1, roomSizes: [1] }, 'DynamoDB reads').quantity).toBe(6 + 2);
    });

    it('sends presence only in rooms up to PRESENCE_MAX_MEMBERS, so joining compute stops growing past it', () => {
      const joinGbs = (size: number) => item({ ...base, roomSizes: [size] }, 'Lambda compute, route handlers').quantity;
      expect(joinGbs(1000)).toBeCloseTo(joinGbs(COST_ASSUMPTIONS.presenceMaxMembers + 1), 9);
      expect(joinGbs(50)).toBeLessThan(joinGbs(100));
    });

    it('counts the connection item writes of $connect and $disconnect; $disconnect deletes without reading first', () => {
      expect(item({ ...base, connectionsOpened: 10 }, 'DynamoDB writes').quantity).toBe(20);
      expect(item({ ...base, connectionsOpened: 10 }, 'DynamoDB reads').quantity).toBe(0);
    });
  });

  it('grows fan-out compute with room size and keeps every line item consistent with the total', () => {
    const small = estimateCost({ ...base, messagesSent: 100, recipientsTotal: 100 * 10, roomSizes: [10] });
    const big = estimateCost({ ...base, messagesSent: 100, recipientsTotal: 100 * 5000, roomSizes: [5000] });
    const gbs = (c: ReturnType<typeof estimateCost>) =>
      c.items.filter((i) => i.name.startsWith('Lambda compute')).reduce((sum, i) => sum + i.quantity, 0);
    expect(gbs(big)).toBeGreaterThan(gbs(small));
    expect(big.usdPerMillionMessages).toBeGreaterThan(small.usdPerMillionMessages);
    const sum = big.items.reduce((s, i) => s + i.usd, 0);
    expect(Math.abs(sum - big.totalUsd)).toBeLessThan(1e-5);
  });

  it('prices the marginal million messages: API Gateway dominates for a room of 1,000 (1,002 frames each)', () => {
    const c = estimateCost({ ...base, messagesSent: 1000, recipientsTotal: 1000 * 1000, roomSizes: [1000] });
    // Each message: 1 send + 1 ack + 1000 deliveries, all under 32 KB -> 1002 units at $1/M = $1002 per million.
    expect(c.usdPerMillionMessages).toBeGreaterThanOrEqual(1002);
    expect(c.usdPerMillionMessages).toBeLessThan(1002 * 1.5);
  });

  it('prices the marginal message with everything a send does: 1,002 frames + 3 invocations + 7 WRU + 52 RRU + compute', () => {
    const c = estimateCost(oneSend(1000));
    const usd =
      1002 * 1e-6 + 3 * 0.2e-6 + 7 * 0.625e-6 + 52 * 0.125e-6 + (0.0225 + 0.37) * AWS_PRICES.lambda.usdPerGbSecondArm64;
    expect(c.usdPerMillionMessages).toBeCloseTo(usd * 1e6, 1);
  });
});

/** The assumptions restate backend defaults; this fails when serverless.yml moves away from them. */
describe('COST_ASSUMPTIONS against serverless.yml', () => {
  const yml = readFileSync(new URL('../../../serverless.yml', import.meta.url), 'utf8');
  const param = (name: string): number => {
    const m = new RegExp(`^\\s+${name}: (\\d+)\\s*$`, 'm').exec(yml);
    if (m === null) throw new Error(`serverless.yml has no param ${name}`);
    return Number(m[1]);
  };

  it('matches the params', () => {
    expect(COST_ASSUMPTIONS.fanoutConcurrency).toBe(param('fanoutConcurrency'));
    expect(COST_ASSUMPTIONS.shardSize).toBe(param('membershipShardSize'));
    expect(COST_ASSUMPTIONS.fanoutInlineMax).toBe(param('fanoutInlineMax'));
    expect(COST_ASSUMPTIONS.presenceMaxMembers).toBe(param('presenceMaxMembers'));
    expect(COST_ASSUMPTIONS.callbackRateBudget).toBe(param('callbackRateBudget'));
  });

  it('matches the memory of the route handlers (provider) and of the fanout function', () => {
    const provider = /^provider:\n(?:[ ].*\n)*?\s+memorySize: (\d+)/m.exec(yml);
    const fanout = /^ {2}fanout:\n(?:(?: {4}.*)?\n)*? {4}memorySize: \$\{param:(\w+)\}/m.exec(yml);
    expect(Number(provider?.[1]) / 1024).toBe(COST_ASSUMPTIONS.lambdaMemoryGb);
    expect(fanout?.[1]).toBe('fanoutMemorySize');
    expect(param('fanoutMemorySize') / 1024).toBe(COST_ASSUMPTIONS.fanoutWorkerMemoryGb);
  });
});
