import { describe, expect, it } from 'vitest';
import { CallbackSimulation, TokenBucket } from '../../src/local/callback-simulation.js';
import {
  describeSimulation,
  mergeSimulation,
  parseLatency,
  simulationFromArgs,
  simulationFromEnv,
} from '../../src/local/simulation-flags.js';
import { UsageError } from '../../src/local/cli-args.js';

describe('parseLatency', () => {
  it.each([
    ['20ms±10', { meanMs: 20, jitterMs: 10 }],
    ['20ms+-10', { meanMs: 20, jitterMs: 10 }],
    ['20±10ms', { meanMs: 20, jitterMs: 10 }],
    ['20ms±10ms', { meanMs: 20, jitterMs: 10 }],
    ['20', { meanMs: 20, jitterMs: 0 }],
    ['20ms', { meanMs: 20, jitterMs: 0 }],
    [' 7.5ms ', { meanMs: 7.5, jitterMs: 0 }],
    ['0', { meanMs: 0, jitterMs: 0 }],
  ])('%s', (text, expected) => {
    expect(parseLatency(text, 'x')).toEqual(expected);
  });

  it.each(['', 'fast', '20s', '-5', '20ms±', '±10', '20ms±30', '20 ms'])('refuses "%s"', (text) => {
    expect(() => parseLatency(text, '--post-latency')).toThrow(UsageError);
  });
});

describe('simulationFromEnv', () => {
  it('reads LOCAL_POST_LATENCY, LOCAL_CALLBACK_RPS and LOCAL_CALLBACK_BURST', () => {
    expect(
      simulationFromEnv({ LOCAL_POST_LATENCY: '20ms±10', LOCAL_CALLBACK_RPS: '10000', LOCAL_CALLBACK_BURST: '5000' }),
    ).toEqual({
      postLatency: { meanMs: 20, jitterMs: 10 },
      callbackRps: 10_000,
      callbackBurst: 5_000,
    });
    expect(simulationFromEnv({})).toEqual({});
  });

  it.each([
    ['LOCAL_CALLBACK_RPS', '0'],
    ['LOCAL_CALLBACK_RPS', '1.5'],
    ['LOCAL_CALLBACK_BURST', 'many'],
    ['LOCAL_POST_LATENCY', 'slow'],
  ])('refuses %s=%s naming the variable', (key, value) => {
    expect(() => simulationFromEnv({ [key]: value })).toThrow(new RegExp(key));
  });
});

describe('simulationFromArgs', () => {
  it('accepts "--flag value" and "--flag=value"', () => {
    expect(
      simulationFromArgs(['--post-latency', '20ms±10', '--callback-rps=10000', '--callback-burst', '5000']),
    ).toEqual({
      simulation: { postLatency: { meanMs: 20, jitterMs: 10 }, callbackRps: 10_000, callbackBurst: 5_000 },
      help: false,
    });
    expect(simulationFromArgs([])).toEqual({ simulation: {}, help: false });
    expect(simulationFromArgs(['--help']).help).toBe(true);
  });

  it.each([[['--post-latency']], [['--callback-rps', 'x']], [['--nope']], [['stray']], [['--callback-rps=']]])(
    'refuses %j',
    (argv) => {
      expect(() => simulationFromArgs(argv)).toThrow(UsageError);
    },
  );
});

describe('mergeSimulation', () => {
  it('lets flags win over the environment', () => {
    expect(
      mergeSimulation({ callbackRps: 100, postLatency: { meanMs: 5, jitterMs: 0 } }, { callbackRps: 200 }),
    ).toEqual({
      callbackRps: 200,
      postLatency: { meanMs: 5, jitterMs: 0 },
    });
  });

  it('refuses a burst without a rate', () => {
    expect(() => mergeSimulation({ callbackBurst: 10 }, {})).toThrow(UsageError);
  });
});

describe('describeSimulation', () => {
  it('names each active setting, with the default burst', () => {
    expect(describeSimulation({ postLatency: { meanMs: 20, jitterMs: 10 }, callbackRps: 10_000 })).toBe(
      '@connections latency 20±10 ms; @connections 10000 rps, burst 5000 (then 429)',
    );
    expect(describeSimulation({})).toMatch(/^off/);
  });
});

describe('TokenBucket', () => {
  it('allows the burst at once, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(50)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
    // Never more than the burst, however long it rested.
    const taken = Array.from({ length: 5 }, () => bucket.take(60_000)).filter(Boolean);
    expect(taken).toHaveLength(3);
  });
});

describe('CallbackSimulation', () => {
  it('draws latency uniformly from [mean - jitter, mean + jitter]', () => {
    const at = (random: number) =>
      new CallbackSimulation(
        { postLatency: { meanMs: 20, jitterMs: 10 } },
        () => 0,
        () => random,
      ).latencyMs();
    expect([at(0), at(0.5), at(0.999999)].map(Math.round)).toEqual([10, 20, 30]);
    expect(new CallbackSimulation({}).latencyMs()).toBe(0);
  });

  it('throttles only when a rate is set, with burst rps/2 by default', () => {
    const now = 0;
    const limited = new CallbackSimulation({ callbackRps: 4 }, () => now);
    expect([limited.admit(), limited.admit(), limited.admit()]).toEqual([true, true, false]);
    const open = new CallbackSimulation({});
    expect(Array.from({ length: 100 }, () => open.admit()).every(Boolean)).toBe(true);
  });
});
