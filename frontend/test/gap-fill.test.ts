import { describe, expect, it } from 'vitest';
import type { HistoryPageFrame, JoinedFrame } from '@chat/backend/protocol';
import { gapAfterJoin, nextGapStep, olderPageRequest, type HistoryRequest } from '../src/realtime/gap-fill.js';
import { emptyRoom, type RoomState } from '../src/realtime/state.js';
import { msg, range } from './fake-websocket.js';

const holding = (...ns: number[]): RoomState => ({ ...emptyRoom('lobby'), messages: ns.map((n) => msg('lobby', n)) });
const joined = (...ns: number[]): JoinedFrame => ({
  type: 'joined',
  room: 'lobby',
  members: [],
  history: ns.map((n) => msg('lobby', n)),
});
const page = (ns: number[], hasMore = true): HistoryPageFrame => ({
  type: 'history',
  room: 'lobby',
  messages: ns.map((n) => msg('lobby', n)),
  hasMore,
});

describe('gapAfterJoin', () => {
  it('walks back from the snapshot when a full snapshot is wholly newer than what the room held', () => {
    expect(gapAfterJoin(holding(1, 2), joined(...range(100, 149)))).toEqual({
      purpose: 'gap',
      before: msg('lobby', 100).id,
      limit: 100,
      stopAt: msg('lobby', 2).id,
      pages: 0,
      attempts: 0,
    });
  });

  it('asks for nothing on a first join, a short snapshot, or a snapshot that overlaps', () => {
    expect(gapAfterJoin(holding(), joined(...range(100, 149)))).toBeUndefined();
    expect(gapAfterJoin(holding(1), joined(100, 101))).toBeUndefined();
    expect(gapAfterJoin(holding(1, 60), joined(...range(10, 59)))).toBeUndefined();
  });
});

describe('nextGapStep', () => {
  const gap: HistoryRequest = {
    purpose: 'gap',
    before: msg('lobby', 100).id,
    limit: 100,
    stopAt: msg('lobby', 2).id,
    pages: 0,
    attempts: 2,
  };

  it('asks for the page before the oldest of this one, with a fresh retry budget', () => {
    expect(nextGapStep(gap, page([70, 50, 99]), 50)).toEqual({
      kind: 'next',
      request: { ...gap, before: msg('lobby', 50).id, pages: 1, attempts: 0 },
    });
  });

  it('closes the gap on reaching known ground, an empty page, or the start of the room', () => {
    expect(nextGapStep(gap, page([2, 3]), 50)).toEqual({ kind: 'closed' });
    expect(nextGapStep(gap, page([]), 50)).toEqual({ kind: 'closed' });
    expect(nextGapStep(gap, page([50], false), 50)).toEqual({ kind: 'closed' });
  });

  it('stops after maxPages pages', () => {
    expect(nextGapStep({ ...gap, pages: 1 }, page([50]), 2)).toEqual({ kind: 'exhausted' });
  });
});

describe('olderPageRequest', () => {
  it('asks for a default page before the oldest loaded message', () => {
    expect(olderPageRequest(holding(5, 6))).toEqual({
      purpose: 'older',
      before: msg('lobby', 5).id,
      limit: 50,
      pages: 0,
      attempts: 0,
    });
  });
});
