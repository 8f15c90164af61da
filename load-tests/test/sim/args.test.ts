import { describe, expect, it } from 'vitest';
import { ArgsError } from '../../src/arg-values.js';
import { CONTENTION_PRESET, MEMORY_PRESET, QUOTA_PRESET, parseSimArgs, parseSpread } from '../../src/sim/args.js';
import { DEFAULT_PARAMS } from '../../src/sim/params.js';

describe('parseSimArgs', () => {
  it('reads a latency as mean ± jitter in either spelling', () => {
    const fallback = { meanMs: 1, jitterMs: 0 };
    expect(parseSpread('x', '20ms±10', fallback)).toEqual({ meanMs: 20, jitterMs: 10 });
    expect(parseSpread('x', '20ms+-10', fallback)).toEqual({ meanMs: 20, jitterMs: 10 });
    expect(parseSpread('x', '0.5s+-0.1', fallback)).toEqual({ meanMs: 500, jitterMs: 100 });
    expect(parseSpread('x', '30', fallback)).toEqual({ meanMs: 30, jitterMs: 0 });
    expect(parseSpread('x', undefined, fallback)).toBe(fallback);
    expect(() => parseSpread('x', '10ms±20', fallback)).toThrow(ArgsError);
    expect(() => parseSpread('x', 'fast', fallback)).toThrow(ArgsError);
  });

  it('builds one run from --members and the defaults, with overrides', () => {
    const o = parseSimArgs([
      '--members',
      '100000',
      '--callback-rps',
      '20000',
      '--post-latency',
      '20ms+-10',
      '--seed',
      '3',
      '--json',
      'r.json',
    ]);
    expect(o.runs).toHaveLength(1);
    expect(o.runs[0]?.params).toEqual({ ...DEFAULT_PARAMS, members: 100_000, callbackRps: 20_000, seed: 3 });
    expect(o.jsonFile).toBe('r.json');
  });

  it('runs the quota preset with its goals, and refuses it with --members', () => {
    const o = parseSimArgs(['--preset', 'quotas', '--cold-fraction', '0.5']);
    expect(o.runs.map((r) => [r.params.members, r.goalMs])).toEqual(QUOTA_PRESET.map((p) => [p.members, p.goalMs]));
    expect(o.runs.every((r) => r.params.coldFraction === 0.5)).toBe(true);
    expect(() => parseSimArgs(['--preset', 'quotas', '--members', '5'])).toThrow(ArgsError);
    expect(() => parseSimArgs([])).toThrow(/--members is required/);
  });

  it('runs the memory preset: per room, send at each size with fanout at its setting, then the other way round', () => {
    const o = parseSimArgs(['--preset', 'memory', '--memory-mb', '2048']);
    expect(o.preset).toBe('memory');
    expect(o.runs).toHaveLength(MEMORY_PRESET.members.length * MEMORY_PRESET.memoryMb.length * 2);
    expect(
      o.runs.slice(0, 6).map((r) => [r.params.members, r.varies, r.params.sendMemoryMb, r.params.memoryMb]),
    ).toEqual([
      [100, 'send', 512, 2048],
      [100, 'send', 1024, 2048],
      [100, 'send', 1769, 2048],
      [100, 'fanout', DEFAULT_PARAMS.sendMemoryMb, 512],
      [100, 'fanout', DEFAULT_PARAMS.sendMemoryMb, 1024],
      [100, 'fanout', DEFAULT_PARAMS.sendMemoryMb, 1769],
    ]);
    expect(new Set(o.runs.map((r) => r.params.members))).toEqual(new Set([100, 1_000, 10_000]));
    expect(() => parseSimArgs(['--preset', 'memory', '--members', '5'])).toThrow(ArgsError);
    expect(() => parseSimArgs(['--preset', 'sizes'])).toThrow(/"memory", "quotas" or "contention"/);
  });
});

describe('parseSimArgs: several rooms at once', () => {
  it('runs --concurrent rooms of --members with a stagger, and one room as the single-room run', () => {
    const o = parseSimArgs(['--members', '5000', '--concurrent', '3', '--stagger-ms', '250']);
    expect(o.runs).toEqual([
      { params: { ...DEFAULT_PARAMS, members: 5_000 }, contention: { rooms: 3, staggerMs: 250 } },
    ]);
    expect(parseSimArgs(['--members', '5000', '--concurrent', '1']).runs).toEqual([
      { params: { ...DEFAULT_PARAMS, members: 5_000 } },
    ]);
    expect(() => parseSimArgs(['--members', '5000', '--concurrent', '0'])).toThrow(ArgsError);
  });

  it('runs the contention preset, and refuses it with --members or --concurrent', () => {
    const o = parseSimArgs(['--preset', 'contention']);
    expect(o.preset).toBe('contention');
    expect(o.runs.map((r) => [r.contention?.rooms, r.params.members])).toEqual(
      CONTENTION_PRESET.map((p) => [p.rooms, p.members]),
    );
    expect(() => parseSimArgs(['--preset', 'contention', '--members', '5'])).toThrow(ArgsError);
    expect(() => parseSimArgs(['--preset', 'contention', '--concurrent', '2'])).toThrow(ArgsError);
    expect(() => parseSimArgs(['--preset', 'storm'])).toThrow(/quotas" or "contention/);
  });
});
