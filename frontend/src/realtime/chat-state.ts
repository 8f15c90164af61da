import type { Message } from '@chat/backend/protocol';
import type { ConnectionReport } from './connection.js';
import { learnSelf, reduceRoom, settledSends, type RoomEvent } from './room-reducer.js';
import { emptyRoom, type ChatState, type Notice, type OutgoingMessage, type RoomState } from './state.js';

/**
 * Pure transitions of the whole snapshot that the frame reducer and the client's commands share. Each returns
 * the same object when nothing changes, so `useSyncExternalStore` sees no change either.
 */

const MAX_NOTICES = 5;

export function updateRoom(state: ChatState, room: string, fn: (r: RoomState) => RoomState): ChatState {
  const current = state.rooms.get(room);
  if (!current) return state;
  const next = fn(current);
  return next === current ? state : { ...state, rooms: new Map(state.rooms).set(room, next) };
}

export function dispatchRoom(state: ChatState, room: string, event: RoomEvent): ChatState {
  return updateRoom(state, room, (r) => reduceRoom(r, event));
}

/** Single entry for stored messages: merges by id, settles own sends they confirm and learns who we are. */
export function storeMessages(state: ChatState, room: string, messages: readonly Message[]): ChatState {
  const before = state.rooms.get(room);
  if (!before || messages.length === 0) return state;
  const after = reduceRoom(before, { type: 'stored', messages });
  const self = learnSelf(before, messages, state.self);
  return { ...state, self, rooms: new Map(state.rooms).set(room, after) };
}

/** Every own send that stopped being queued between two snapshots, so the outbox can let the next one go. */
export function settledBetween(before: ChatState, after: ChatState): Array<{ room: string; clientMsgId: string }> {
  const settled: Array<{ room: string; clientMsgId: string }> = [];
  for (const [room, was] of before.rooms) {
    const now = after.rooms.get(room);
    if (now) for (const clientMsgId of settledSends(was, now)) settled.push({ room, clientMsgId });
  }
  return settled;
}

export function addRoom(state: ChatState, room: string): ChatState {
  if (state.rooms.has(room)) return state;
  return { ...state, roomOrder: [...state.roomOrder, room], rooms: new Map(state.rooms).set(room, emptyRoom(room)) };
}

export function removeRoom(state: ChatState, room: string): ChatState {
  if (!state.rooms.has(room)) return state;
  const rooms = new Map(state.rooms);
  rooms.delete(room);
  return { ...state, roomOrder: state.roomOrder.filter((r) => r !== room), rooms };
}

/** The socket is gone: every room must be joined again, and no page is on its way any more. */
export function disconnectRooms(state: ChatState): ChatState {
  const rooms = new Map<string, RoomState>();
  for (const [name, r] of state.rooms) rooms.set(name, { ...r, joined: false, loadingOlder: false });
  return { ...state, rooms };
}

/** Rooms whose join the server has not confirmed on the current connection, in join order. */
export function outstandingJoins(state: ChatState): string[] {
  return state.roomOrder.filter((r) => !state.rooms.get(r)?.joined);
}

export function findOutgoing(state: ChatState, clientMsgId: string): OutgoingMessage | undefined {
  for (const room of state.roomOrder) {
    const found = state.rooms.get(room)?.outgoing.find((o) => o.clientMsgId === clientMsgId);
    if (found) return found;
  }
  return undefined;
}

/** Our own stored message with this clientMsgId, which a re-drive sends again. */
export function ownStored(state: ChatState, clientMsgId: string): { room: string; text: string } | undefined {
  for (const [room, r] of state.rooms) {
    const message = r.messages.find((m) => m.clientMsgId === clientMsgId && m.sender.userId === state.self?.userId);
    if (message) return { room, text: message.text };
  }
  return undefined;
}

/** Keeps only the latest few, and a repeat replaces its older copy, so a flapping network cannot pile notices up. */
export function addNotice(state: ChatState, notice: Notice): ChatState {
  const others = state.notices.filter((n) => n.code !== notice.code || n.message !== notice.message);
  return { ...state, notices: [...others, notice].slice(-MAX_NOTICES) };
}

export function dismissNotice(state: ChatState, id: number): ChatState {
  return { ...state, notices: state.notices.filter((n) => n.id !== id) };
}

/** A socket that opened once proves the server reachable, which the UI words differently from "lost". */
export function withConnection(state: ChatState, report: ConnectionReport): ChatState {
  const { status, attempt, nextRetryAt } = report;
  const connectedOnce = state.connectedOnce || status === 'open';
  return { ...state, status, attempt, nextRetryAt, connectedOnce };
}

export function withoutTyping(state: ChatState, room: string, userId: string): ChatState {
  return updateRoom(state, room, (r) =>
    r.typing.some((t) => t.user.userId === userId)
      ? { ...r, typing: r.typing.filter((t) => t.user.userId !== userId) }
      : r,
  );
}
