import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArgsError, optionsOrExit, strictArgs, wholeNumber } from '../src/arg-values.js';

afterEach(() => vi.restoreAllMocks());

describe('argument helpers shared by the CLIs', () => {
  it('optionsOrExit hands the options over, or prints and answers the exit code', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    expect(optionsOrExit('tool', 'USAGE', () => ({ help: false, n: 1 }))).toEqual({ help: false, n: 1 });
    expect(optionsOrExit('tool', 'USAGE', () => ({ help: true }))).toBe(0);
    expect(out).toHaveBeenCalledWith('USAGE\n');
    expect(
      optionsOrExit('tool', 'USAGE', () => {
        throw new ArgsError('--n must be a whole number');
      }),
    ).toBe(2);
    expect(err).toHaveBeenCalledWith('tool: --n must be a whole number\n\nUSAGE\n');
    // Anything but a bad argument is a bug, not a usage message.
    expect(() =>
      optionsOrExit('tool', 'USAGE', () => {
        throw new TypeError('boom');
      }),
    ).toThrow(TypeError);
  });

  it('strictArgs refuses unknown options and positionals as ArgsError', () => {
    expect(strictArgs(['--n', '3'], { n: { type: 'string' } }).values.n).toBe('3');
    expect(() => strictArgs(['--m', '3'], { n: { type: 'string' } })).toThrow(ArgsError);
    expect(() => strictArgs(['stray'], { n: { type: 'string' } })).toThrow(ArgsError);
  });

  it('wholeNumber takes digits in range only', () => {
    expect(wholeNumber('n', undefined, 7, 1, 10)).toBe(7);
    expect(wholeNumber('n', ' 10 ', 7, 1, 10)).toBe(10);
    for (const raw of ['1e1', '0x5', '2.0', '-1', '']) expect(() => wholeNumber('n', raw, 7, 1, 10)).toThrow(ArgsError);
    expect(() => wholeNumber('n', '11', 7, 1, 10)).toThrow('--n must be between 1 and 10, got 11');
  });
});
