import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/react';
import { addRoom, dispatchRoom } from '../src/realtime/chat-state.js';
import { reduceFrame } from '../src/realtime/chat-reducer.js';
import { initialChatState, type RoomState } from '../src/realtime/state.js';
import { linkify, safeHref } from '../src/ui/links.js';
import { dayLabel, relativeTime, timelineRows } from '../src/ui/timeline-rows.js';
import { alice, bob, msg } from './fake-websocket.js';

const NOW = new Date(2026, 11, 4, 15, 0).getTime();
const at = (msAgo: number, n: number, sender = bob) => ({ ...msg('lobby', n, sender), ts: NOW - msAgo });
const MIN = 60_000;

function roomWith(messages: ReturnType<typeof at>[], presence: Array<{ ago: number; state: 'joined' | 'left' }> = []) {
  let state = addRoom(initialChatState, 'lobby');
  state = dispatchRoom(state, 'lobby', { type: 'stored', messages });
  for (const p of presence)
    state = reduceFrame(
      state,
      { type: 'presence', room: 'lobby', user: alice, state: p.state },
      { now: NOW - p.ago, typingTtlMs: 0, displayName: 'x', awaitingOlder: () => false },
    );
  return state.rooms.get('lobby')!;
}
const shape = (room: RoomState, unreadAfter?: string) =>
  timelineRows(room, { isMine: (u) => u.userId === alice.userId, unreadAfter, now: NOW }).map((r) =>
    r.kind === 'message'
      ? `${r.message.text}${r.continued ? ' (cont)' : ''}`
      : r.kind === 'day'
        ? `[${r.label}]`
        : r.kind === 'presence'
          ? `<${r.line.user.name} ${r.line.state}>`
          : r.kind,
  );

describe('timelineRows', () => {
  it('groups one sender within 5 minutes, separates days, and places join/leave lines by time', () => {
    const room = roomWith(
      [at(26 * 60 * MIN, 1), at(20 * MIN, 2), at(19 * MIN, 3), at(10 * MIN, 4), at(9 * MIN, 5, alice), at(1 * MIN, 6)],
      [{ ago: 15 * MIN, state: 'joined' }],
    );
    expect(shape(room)).toEqual([
      '[Yesterday]',
      'message 1',
      '[Today]',
      'message 2',
      'message 3 (cont)',
      '<alice joined>',
      'message 4',
      'message 5',
      'message 6',
    ]);
  });

  it('puts one "new messages" divider before the first unread message from someone else', () => {
    const room = roomWith([at(5 * MIN, 1), at(4 * MIN, 2, alice), at(3 * MIN, 3), at(2 * MIN, 4)]);
    expect(shape(room, msg('lobby', 1).id)).toEqual([
      '[Today]',
      'message 1',
      'message 2',
      'unread',
      'message 3',
      'message 4 (cont)',
    ]);
  });

  it('starts with a note when the server lost messages this view had shown', () => {
    const room: RoomState = { ...roomWith([at(MIN, 1)]), lostOnServer: { count: 3, at: NOW } };
    expect(shape(room)[0]).toBe('lost');
  });
});

describe('times', () => {
  it('says "just now" and minutes ago for recent messages, then the clock time', () => {
    expect(relativeTime(NOW - 10_000, NOW)).toBe('just now');
    expect(relativeTime(NOW - 5 * MIN, NOW)).toBe('5 min ago');
    expect(relativeTime(NOW - 90 * MIN, NOW)).toMatch(/\d/);
    expect(dayLabel(NOW - 3 * 24 * 60 * MIN, NOW)).toMatch(/2026/);
  });
});

describe('linkify', () => {
  it('links http and https URLs only, without trailing punctuation, opening without access to the page', () => {
    const { container } = render(
      <p>{linkify('see https://example.org/a?b=1. or javascript:alert(1) (http://x.io)')}</p>,
    );
    const links = [...container.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.org/a?b=1', 'http://x.io/']);
    for (const a of links) {
      expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
      expect(a.getAttribute('target')).toBe('_blank');
    }
    expect(container.textContent).toBe('see https://example.org/a?b=1. or javascript:alert(1) (http://x.io)');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,x')).toBeUndefined();
  });
});
