import { describe, expect, it } from 'vitest';
import { AWS_PRICES } from '../src/aws-prices.js';
import { estimateCost, type CostInput } from '../src/cost.js';

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
const item = (input: CostInput, prefix: string) => estimateCost(input).items.find((i) => i.name.startsWith(prefix))!;

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
    const c = item({ ...base, connectAttempts: 12, connectionsOpened: 10, joins: 10, messagesSent: 7, recipientsTotal: 70 }, 'Lambda requests');
    expect(c.quantity).toBe(12 + 10 * 2 + 10 + 7);
  });

  it('grows fan-out compute with room size and keeps every line item consistent with the total', () => {
    const small = estimateCost({ ...base, messagesSent: 100, recipientsTotal: 100 * 10, roomSizes: [10] });
    const big = estimateCost({ ...base, messagesSent: 100, recipientsTotal: 100 * 5000, roomSizes: [5000] });
    const gbs = (c: ReturnType<typeof estimateCost>) => c.items.find((i) => i.name.startsWith('Lambda compute'))!.quantity;
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

  it('bills larger messages in more DynamoDB write units', () => {
    const w = (textSize: number) => item({ ...base, messagesSent: 1, recipientsTotal: 1, textSize }, 'DynamoDB writes').quantity;
    expect(w(4000)).toBeGreaterThan(w(64));
  });
});
