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
