import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '@chat/backend/protocol';
import { reduceFrame, type FrameContext } from '../src/realtime/chat-reducer.js';
import { addRoom, dispatchRoom, settledBetween } from '../src/realtime/chat-state.js';
import { initialChatState, type ChatState, type RoomState } from '../src/realtime/state.js';
import { alice, bob, msg, range } from './fake-websocket.js';

const ctx = (overrides: Partial<FrameContext> = {}): FrameContext => ({
  now: 1_000,
  typingTtlMs: 3_000,
  displayName: 'alice',
  awaitingOlder: () => false,
  ...overrides,
});
const lobby = (state: ChatState): RoomState => state.rooms.get('lobby')!;
const reduce = (state: ChatState, frames: ServerFrame[], c = ctx()) =>
  frames.reduce((s, f) => reduceFrame(s, f, c), state);
const withLobby = () => addRoom(initialChatState, 'lobby');
const queued = (state: ChatState, clientMsgId: string) =>
  dispatchRoom(state, 'lobby', {
    type: 'queued',
    out: { clientMsgId, room: 'lobby', text: 'hi', status: 'pending', createdAt: 0 },
  });

describe('reduceFrame', () => {
  it('fills a joined room with members and its snapshot, and knows more pages exist when the snapshot is full', () => {
    // Prepare
    const history = range(1, 50).map((n) => msg('lobby', n));
    // Act
    const state = reduce(withLobby(), [{ type: 'joined', room: 'lobby', members: [alice, bob], history }]);
    // Assess
    expect(lobby(state)).toMatchObject({ joined: true, members: [alice, bob], hasMore: true });
    expect(lobby(state).messages).toHaveLength(50);
  });

  it('ignores frames for a room it is not in', () => {
    const state = withLobby();
    const frames: ServerFrame[] = [
      { type: 'joined', room: 'other', members: [alice], history: [] },
      { type: 'message', ...msg('other', 1) },
      { type: 'presence', room: 'other', user: bob, state: 'joined' },
      { type: 'typing', room: 'other', user: bob },
      { type: 'history', room: 'other', messages: [msg('other', 1)], hasMore: false },
    ];
    expect(reduce(state, frames)).toBe(state);
  });

  it('tracks presence once per user', () => {
    const joined = reduce(withLobby(), [
      { type: 'joined', room: 'lobby', members: [alice], history: [] },
      { type: 'presence', room: 'lobby', user: bob, state: 'joined' },
      { type: 'presence', room: 'lobby', user: bob, state: 'joined' },
    ]);
    expect(lobby(joined).members).toEqual([alice, bob]);
    const left = reduce(joined, [{ type: 'presence', room: 'lobby', user: bob, state: 'left' }]);
    expect(lobby(left).members).toEqual([alice]);
  });

  it('logs each join and leave that changes the member list once, at the client time it arrived', () => {
    const state = reduce(withLobby(), [
      { type: 'joined', room: 'lobby', members: [alice], history: [] },
      { type: 'presence', room: 'lobby', user: bob, state: 'joined' },
      { type: 'presence', room: 'lobby', user: bob, state: 'joined' },
      { type: 'presence', room: 'lobby', user: bob, state: 'left' },
      { type: 'presence', room: 'lobby', user: bob, state: 'left' },
    ]);
    expect(lobby(state).presenceLog).toEqual([
      { user: bob, state: 'joined', at: 1_000 },
      { user: bob, state: 'left', at: 1_000 },
    ]);
  });

  it('ignores a presence frame older than one already seen for that user: a leave that arrives after the re-join', () => {
    // Prepare: bob is in the room; he leaves at 10 and joins again at 20, but the join's frame comes first.
    const state = reduce(withLobby(), [
      { type: 'joined', room: 'lobby', members: [alice, bob], history: [] },
      { type: 'presence', room: 'lobby', user: bob, state: 'joined', ts: 20 },
      { type: 'presence', room: 'lobby', user: bob, state: 'left', ts: 10 },
    ]);
    // Assess: still a member, and no line for the stale leave
    expect(lobby(state).members).toEqual([alice, bob]);
    expect(lobby(state).presenceLog).toEqual([]);
    // A later leave counts.
    const left = reduce(state, [{ type: 'presence', room: 'lobby', user: bob, state: 'left', ts: 30 }]);
    expect(lobby(left).members).toEqual([alice]);
    expect(lobby(left).presenceLog).toEqual([{ user: bob, state: 'left', at: 1_000 }]);
  });

  it('drops messages a re-join snapshot proves the server no longer has, and says how many', () => {
    // Prepare: five messages shown, then the server restarts without its data and two new ones are sent.
    const shown = reduce(withLobby(), [
      { type: 'joined', room: 'lobby', members: [alice], history: range(1, 5).map((n) => msg('lobby', n)) },
    ]);
    expect(lobby(shown).lostOnServer).toBeUndefined();
    // Act
    const after = reduce(shown, [
      { type: 'joined', room: 'lobby', members: [alice], history: [msg('lobby', 8), msg('lobby', 9)] },
    ]);
    // Assess
    expect(lobby(after).messages.map((m) => m.id)).toEqual([msg('lobby', 8).id, msg('lobby', 9).id]);
    expect(lobby(after).lostOnServer).toEqual({ count: 5, at: 1_000 });
  });

  it('keeps messages that a re-join snapshot cannot speak for', () => {
    const held = range(1, 60).map((n) => msg('lobby', n));
    const shown = reduce(withLobby(), [{ type: 'joined', room: 'lobby', members: [alice], history: held }]);
    // A full snapshot (50) speaks only for its own range; a message newer than it may have come in live.
    const after = reduce(shown, [
      { type: 'message', ...msg('lobby', 99) },
      { type: 'joined', room: 'lobby', members: [alice], history: range(11, 60).map((n) => msg('lobby', n)) },
    ]);
    expect(lobby(after).messages).toHaveLength(61);
    expect(lobby(after).lostOnServer).toBeUndefined();
  });

  it("shows another user's typing until their message arrives, and never our own", () => {
    const typing = reduce(withLobby(), [{ type: 'typing', room: 'lobby', user: bob }]);
    expect(lobby(typing).typing).toEqual([{ user: bob, expiresAt: 4_000 }]);
    expect(lobby(reduce(typing, [{ type: 'message', ...msg('lobby', 1, bob) }])).typing).toEqual([]);
    const self = { ...withLobby(), self: alice };
    expect(reduce(self, [{ type: 'typing', room: 'lobby', user: alice }])).toBe(self);
  });

  it('shows an acked send under the display name until the echo names us, and settles it once', () => {
    const before = queued(withLobby(), 'c1');
    const acked = reduce(before, [{ type: 'ack', clientMsgId: 'c1', id: 'm000001', ts: 1 }]);
    expect(lobby(acked).messages.map((m) => m.sender)).toEqual([{ userId: '', name: 'alice' }]);
    expect(settledBetween(before, acked)).toEqual([{ room: 'lobby', clientMsgId: 'c1' }]);
    const echoed = reduce(acked, [{ type: 'message', ...msg('lobby', 1, alice, 'c1'), text: 'hi' }]);
    expect(echoed.self).toEqual(alice);
    expect(lobby(echoed).messages.map((m) => m.sender)).toEqual([alice]);
    expect(settledBetween(acked, echoed)).toEqual([]);
  });

  it('ends loading only for a page the room was waiting for as an older page', () => {
    const loading = reduce(withLobby(), [{ type: 'joined', room: 'lobby', members: [], history: [] }]);
    const waiting = {
      ...loading,
      rooms: new Map(loading.rooms).set('lobby', { ...lobby(loading), loadingOlder: true, hasMore: true }),
    };
    const page: ServerFrame = { type: 'history', room: 'lobby', messages: [msg('lobby', 1)], hasMore: false };
    expect(lobby(reduce(waiting, [page], ctx({ awaitingOlder: () => true })))).toMatchObject({
      loadingOlder: false,
      hasMore: false,
    });
    const gapPage = reduce(waiting, [page]);
    expect(lobby(gapPage)).toMatchObject({ loadingOlder: true, hasMore: true });
    expect(lobby(gapPage).messages).toHaveLength(1);
  });

  it('leaves the state alone for error, left and pong frames, and for a frame type it does not know', () => {
    const state = withLobby();
    const unknown = { type: 'reaction', room: 'lobby' } as unknown as ServerFrame;
    const frames: ServerFrame[] = [
      { type: 'error', code: 'internal', message: 'x' },
      { type: 'left', room: 'lobby' },
      { type: 'pong' },
      unknown,
    ];
    expect(reduce(state, frames)).toBe(state);
  });
});
