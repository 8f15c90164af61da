import { describe, expect, it } from 'vitest';
import { messageUnits } from '../../src/cost/cost.js';
import { UsageMeter } from '../../src/sim/aws/usage.js';
import { billedMs, functionCost, gbSeconds, messageCost } from '../../src/sim/cost.js';

// Hand-computed from the list prices in src/cost/aws-prices.ts: $0.20 per million requests, $0.0000133334 (arm64)
// and $0.0000166667 (x86_64) per GB-second, $1.00 per million API Gateway messages, $0.125 per million RRU and
// $0.625 per million WRU. A price change fails these tests on purpose: the figures in the docs change with it.

describe('Lambda billing', () => {
  it('rounds each invocation up to the next millisecond, and bills at least one', () => {
    expect(billedMs(100)).toBe(100);
    expect(billedMs(100.0001)).toBe(101);
    expect(billedMs(0.2)).toBe(1);
    expect(billedMs(0)).toBe(1);
  });

  it('counts GB-seconds as MB / 1,024 times the billed seconds, rounding each invocation on its own', () => {
    // 0.5 GB x (101 + 1) ms: the two fractions are not summed before rounding (that would be 101 ms).
    expect(gbSeconds(512, [100.2, 0.5])).toBeCloseTo(0.051, 12);
    expect(gbSeconds(1_769, [1_000])).toBeCloseTo(1.7275390625, 12);
    expect(gbSeconds(1_024, [])).toBe(0);
  });

  it('charges $0.20 per million requests on top of the duration, per architecture', () => {
    const c = functionCost(1_024, [999.5, 1_000]);
    expect(c).toMatchObject({ memoryMb: 1_024, invocations: 2, billedMs: 2_000 });
    expect(c.gbSeconds).toBeCloseTo(2, 12);
    // 2 requests x $0.20 + 2 GB-s x 1e6 x price
    expect(c.usdPerMillion.arm64).toBeCloseTo(0.4 + 26.6668, 9);
    expect(c.usdPerMillion.x86_64).toBeCloseTo(0.4 + 33.3334, 9);
    expect(functionCost(512, []).usdPerMillion).toEqual({ arm64: 0, x86_64: 0 });
  });
});

describe('API Gateway and DynamoDB units', () => {
  it('bills a WebSocket frame per started 32 KB', () => {
    expect(messageUnits(1)).toBe(1);
    expect(messageUnits(32 * 1024)).toBe(1);
    expect(messageUnits(32 * 1024 + 1)).toBe(2);
    expect(messageUnits(100_000)).toBe(4);
  });

  it('meters frames by their JSON size, Query pages by 4 KB of items, small writes as one WRU', () => {
    const meter = new UsageMeter();
    meter.frame('in', { action: 'send', text: 'x'.repeat(40_000) }); // > 32 KB: 2 messages
    meter.frame('out', { type: 'message', text: 'hi' });
    meter.query(500); // 500 x 200 B = 100,000 B: 25 RRU
    meter.query(0); // an empty page still costs 1 RRU
    meter.getItem();
    meter.write();
    expect(meter).toMatchObject({
      inboundMessages: 2,
      outboundMessages: 1,
      reads: 3,
      readUnits: 27,
      writes: 1,
      writeUnits: 1,
    });
  });
});

describe('messageCost', () => {
  it('adds Lambda per function, API Gateway messages and DynamoDB units, per million messages', () => {
    const c = messageCost({
      send: { memoryMb: 512, durationsMs: [99.5] }, // 100 ms x 0.5 GB = 0.05 GB-s
      fanout: { memoryMb: 1_024, durationsMs: [1_000.1, 2_000] }, // 3,001 ms x 1 GB = 3.001 GB-s
      inboundMessages: 1,
      outboundMessages: 10,
      reads: 3,
      readUnits: 8,
      writes: 4,
      writeUnits: 4,
    });
    expect(c.lambda.send.usdPerMillion.arm64).toBeCloseTo(0.2 + 0.66667, 9);
    expect(c.lambda.fanout.usdPerMillion.arm64).toBeCloseTo(0.4 + 40.0135334, 9);
    expect(c.lambda.usdPerMillion.x86_64).toBeCloseTo(0.2 + 0.833335 + 0.4 + 50.0167667, 9);
    expect(c.apiGateway.usdPerMillion).toBeCloseTo(11, 9);
    expect(c.dynamodb.usdPerMillion).toBeCloseTo(8 * 0.125 + 4 * 0.625, 9);
    // arm64, as serverless.yml deploys
    expect(c.usdPerMillion).toBeCloseTo(0.86667 + 40.4135334 + 11 + 3.5, 9);
  });
});
