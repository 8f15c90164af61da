import { describe, expect, it } from 'vitest';
import { parseSoakArgs, UsageError } from './args.js';
import { rerunCommand } from './report.js';
import { SOAK_DEFAULTS } from './soak.js';

describe('npm run chaos arguments', () => {
  it('defaults to the minute-long soak with a random seed', () => {
    const options = parseSoakArgs([]);
    expect(options).toMatchObject(SOAK_DEFAULTS);
    expect(options !== 'help' && Number.isInteger(options.seed)).toBe(true);
  });

  it('parses the printed rerun command back into the same options', () => {
    const options = parseSoakArgs([
      '--seed',
      '42',
      '--clients',
      '30',
      '--rooms',
      '2',
      '--duration',
      '7.5',
      '--rate',
      '2',
      '--settle',
      '1',
      '--no-faults',
    ]);
    expect(options).toEqual({
      seed: 42,
      clients: 30,
      rooms: 2,
      durationMs: 7_500,
      ratePerRoom: 2,
      settleMs: 1_000,
      faults: false,
    });
    if (options === 'help') throw new Error('unreachable');
    const argv = rerunCommand(options)
      .replace(/^npm run chaos -- /, '')
      .split(' ');
    expect(parseSoakArgs(argv)).toEqual(options);
  });

  it('refuses bad values and unknown flags', () => {
    expect(() => parseSoakArgs(['--clients', '0'])).toThrow(/--clients must be a positive integer/);
    expect(() => parseSoakArgs(['--seed', 'abc'])).toThrow(/--seed must be an integer/);
    expect(() => parseSoakArgs(['--rooms', '2.5'])).toThrow(/--rooms must be a positive integer/);
    expect(() => parseSoakArgs(['--fast'])).toThrow(UsageError);
  });
});
