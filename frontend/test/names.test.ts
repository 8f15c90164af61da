import { describe, expect, it } from 'vitest';
import { checkDisplayName, checkRoomName } from '../src/realtime/names.js';

describe('checkRoomName', () => {
  it('drops the "#" people type and accepts what the protocol accepts', () => {
    expect(checkRoomName('#general')).toEqual({ ok: true, value: 'general' });
    expect(checkRoomName('  dev_2-x ')).toEqual({ ok: true, value: 'dev_2-x' });
    expect(checkRoomName('r'.repeat(64))).toEqual({ ok: true, value: 'r'.repeat(64) });
  });

  it('says why a name is refused in words, with a name that would work', () => {
    expect(checkRoomName('my room')).toEqual({
      ok: false,
      error: 'Room names use only letters A–Z, digits, "-" and "_" (no spaces or accents). Try "my-room".',
    });
    expect(checkRoomName('café')).toMatchObject({ ok: false, error: expect.stringContaining('Try "cafe".') });
    expect(checkRoomName('日本')).toMatchObject({ ok: false, error: expect.not.stringContaining('Try') });
    expect(checkRoomName('r'.repeat(65))).toEqual({
      ok: false,
      error: 'Room names are at most 64 characters; this one has 65.',
    });
    expect(checkRoomName(' # ')).toEqual({ ok: false, error: 'Enter a room name.' });
    for (const input of ['my room', 'café', '#general', 'x'.repeat(65)])
      expect(JSON.stringify(checkRoomName(input))).not.toMatch(/\^|\[A-Za-z/);
  });
});

describe('checkDisplayName', () => {
  it('accepts emoji joined with ZWJ and counts characters as people do', () => {
    expect(checkDisplayName(' 👩\u200D💻 Dev ')).toEqual({ ok: true, value: '👩\u200D💻 Dev' });
    expect(checkDisplayName('😀'.repeat(32))).toMatchObject({ ok: true });
  });

  it('refuses a long name with its length instead of cutting it, and control characters in words', () => {
    expect(checkDisplayName('n'.repeat(40))).toEqual({
      ok: false,
      error: 'Display names are at most 32 characters; this one has 40.',
    });
    expect(checkDisplayName('a\tb')).toMatchObject({ ok: false, error: expect.stringContaining('invisible') });
    expect(checkDisplayName('   ')).toEqual({ ok: false, error: 'Enter a display name.' });
  });
});
