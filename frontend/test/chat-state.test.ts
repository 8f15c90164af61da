import { describe, expect, it } from 'vitest';
import {
  addNotice,
  addRoom,
  disconnectRooms,
  outstandingJoins,
  ownStored,
  removeRoom,
  storeMessages,
  updateRoom,
  withConnection,
} from '../src/realtime/chat-state.js';
import { initialChatState, type ChatState } from '../src/realtime/state.js';
import { alice, msg } from './fake-websocket.js';

const rooms = (...names: string[]): ChatState => names.reduce(addRoom, initialChatState);

describe('chat-state transitions', () => {
  it('keeps join order, forgets a room entirely, and returns the same snapshot when nothing changes', () => {
    const state = rooms('a', 'b', 'c');
    expect(addRoom(state, 'b')).toBe(state);
    expect(removeRoom(state, 'x')).toBe(state);
    expect(updateRoom(state, 'a', (r) => r)).toBe(state);
    const without = removeRoom(state, 'b');
    expect(without.roomOrder).toEqual(['a', 'c']);
    expect(without.rooms.has('b')).toBe(false);
  });

  it('marks every room to be joined again after a drop, and lists joins still outstanding in order', () => {
    const a = updateRoom(rooms('a', 'b', 'c'), 'a', (r) => ({ ...r, joined: true, loadingOlder: true }));
    const joined = updateRoom(a, 'c', (r) => ({ ...r, joined: true }));
    expect(outstandingJoins(joined)).toEqual(['b']);
    const dropped = disconnectRooms(joined);
    expect(outstandingJoins(dropped)).toEqual(['a', 'b', 'c']);
    expect(dropped.rooms.get('a')!.loadingOlder).toBe(false);
  });

  it('keeps the five latest notices', () => {
    const state = [1, 2, 3, 4, 5, 6, 7].reduce(
      (s, id) => addNotice(s, { id, code: 'internal', message: `n${id}`, at: 0 }),
      initialChatState,
    );
    expect(state.notices.map((n) => n.id)).toEqual([3, 4, 5, 6, 7]);
  });

  it('remembers that a socket opened once, whatever happens after', () => {
    const open = withConnection(initialChatState, { status: 'open', attempt: 0, nextRetryAt: undefined });
    const lost = withConnection(open, { status: 'reconnecting', attempt: 1, nextRetryAt: 500 });
    expect(initialChatState.connectedOnce).toBe(false);
    expect(lost).toMatchObject({ connectedOnce: true, status: 'reconnecting', attempt: 1, nextRetryAt: 500 });
  });

  it('finds only our own stored message for a re-drive', () => {
    const mine = { ...msg('a', 1, alice, 'c1'), text: 'hi' };
    const state = { ...storeMessages(rooms('a'), 'a', [mine, msg('a', 2, undefined, 'c2')]), self: alice };
    expect(ownStored(state, 'c1')).toEqual({ room: 'a', text: 'hi' });
    expect(ownStored(state, 'c2')).toBeUndefined();
  });
});
