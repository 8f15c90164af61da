import { describe, expect, it } from 'vitest';
import { NAME_PATTERN } from '../../src/protocol/index.js';
import { isValidName } from '../../src/auth/identity.js';

describe('NAME_PATTERN', () => {
  it('accepts emoji sequences and scripts joined with ZWJ or ZWNJ', () => {
    for (const name of [
      '👩\u200D💻 Dev',
      '\u{1F9D1}\u200D\u{1F91D}\u200D\u{1F9D1}',
      'می\u200Cخواهم',
      'alice',
      'é'.repeat(32),
    ])
      expect(isValidName(name), JSON.stringify(name)).toBe(true);
  });

  it('refuses a joiner that is not between two visible characters, and every other control or format character', () => {
    const refused = [
      '\u200D',
      '\u200Dalice',
      'alice\u200D',
      'a\u200D\u200Db',
      'a\u200Bb',
      'a\u202Eb',
      'a\u0000b',
      'a\nb',
    ];
    for (const name of refused) expect(NAME_PATTERN.test(name), JSON.stringify(name)).toBe(false);
  });

  it('counts code points, joiners included, up to 32', () => {
    expect(NAME_PATTERN.test('x'.repeat(32))).toBe(true);
    expect(NAME_PATTERN.test('x'.repeat(33))).toBe(false);
    expect(NAME_PATTERN.test(`${'x'.repeat(30)}\u200Dy`)).toBe(true);
    expect(NAME_PATTERN.test(`${'x'.repeat(31)}\u200Dy`)).toBe(false);
  });
});
