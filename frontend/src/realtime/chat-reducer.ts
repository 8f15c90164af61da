import {
  HISTORY_DEFAULT_LIMIT,
  type HistoryPageFrame,
  type JoinedFrame,
  type Message,
  type PresenceFrame,
  type ServerFrame,
  type TypingEventFrame,
  type User,
} from '@chat/backend/protocol';
import { findOutgoing, storeMessages, updateRoom, withoutTyping } from './chat-state.js';
import type { ChatState } from './state.js';

/** What a frame alone does not say but its effect on the snapshot depends on. */
export interface FrameContext {
  now: number;
  /** How long a typing indicator lasts without a fresh typing frame. */
  typingTtlMs: number;
  /** Shown as the sender of an acknowledged message until the server tells us who we are. */
  displayName: string;
  /** Whether the room waits for an older page: history frames carry no request id, so only the client knows. */
  awaitingOlder(room: string): boolean;
}

/**
 * The one place a server frame changes the UI state. Pure, so joins, presence, typing and history are tested
 * without sockets; timers, the outbox and follow-up requests are the client's business after it. The switch is
 * exhaustive at compile time, and a frame type added to the protocol but not here still leaves the state alone
 * at run time, as docs/PROTOCOL.md asks of clients.
 */
export function reduceFrame(state: ChatState, frame: ServerFrame, ctx: FrameContext): ChatState {
  switch (frame.type) {
    case 'joined':
      return joined(state, frame, ctx);
    case 'message': {
      const { type: _type, ...message } = frame;
      return storeMessages(withoutTyping(state, message.room, message.sender.userId), message.room, [message]);
    }
    case 'ack': {
      const out = findOutgoing(state, frame.clientMsgId);
      if (!out) return state;
      const sender: User = state.self ?? { userId: '', name: ctx.displayName };
      // The fan-out copy carries the same id and replaces this one; until then the ack alone is enough to show it.
      const message = {
        room: out.room,
        id: frame.id,
        ts: frame.ts,
        sender,
        text: out.text,
        clientMsgId: frame.clientMsgId,
      };
      return storeMessages(state, out.room, [message]);
    }
    case 'presence':
      return presence(state, frame, ctx);
    case 'typing':
      return typing(state, frame, ctx);
    case 'history':
      return historyPage(state, frame, ctx);
    case 'error': // what an error means depends on the outbox and open requests; the client decides
    case 'left': // leave() already forgot the room
    case 'pong':
      return state;
    default: {
      const unknown: never = frame;
      void unknown;
      return state;
    }
  }
}

/** Whether a typing frame shows an indicator: not for rooms we left, and never for ourselves. */
export function showsTyping(state: ChatState, frame: TypingEventFrame): boolean {
  return state.rooms.has(frame.room) && frame.user.userId !== state.self?.userId;
}

function joined(state: ChatState, frame: JoinedFrame, ctx: FrameContext): ChatState {
  const before = state.rooms.get(frame.room);
  if (!before) return state; // left meanwhile
  const firstLoad = before.messages.length === 0;
  const lost = firstLoad ? [] : lostOnServer(before.messages, frame.history);
  const kept = lost.length === 0 ? state : withoutMessages(state, frame.room, lost, ctx.now);
  // Messages and the joined flag change together: a render never shows a joined room without its snapshot.
  return updateRoom(storeMessages(kept, frame.room, frame.history), frame.room, (r) => ({
    ...r,
    joined: true,
    members: frame.members,
    typing: [],
    hasMore: firstLoad ? frame.history.length >= HISTORY_DEFAULT_LIMIT : r.hasMore,
  }));
}

/** Below this, a join snapshot of fewer than 50 messages cannot have been cut by the frame limit: it is the room. */
const WHOLE_ROOM_TEXT_BYTES = 64 * 1024;

/**
 * Messages held locally that a re-join snapshot proves gone from the server. The snapshot is the room's newest
 * messages, so one inside its range must be in it; when it is not full and small, it is the whole room and
 * older ones count too. Messages newer than the snapshot may have arrived live after it was taken, so they
 * never count.
 */
export function lostOnServer(held: readonly Message[], snapshot: readonly Message[]): Message[] {
  const ids = new Set(snapshot.map((m) => m.id));
  const oldest = snapshot[0]?.id;
  const newest = snapshot[snapshot.length - 1]?.id;
  const textLength = snapshot.reduce((n, m) => n + m.text.length, 0);
  const wholeRoom = snapshot.length < HISTORY_DEFAULT_LIMIT && textLength * 3 < WHOLE_ROOM_TEXT_BYTES;
  return held.filter(
    (m) =>
      !ids.has(m.id) &&
      (newest === undefined || m.id <= newest) &&
      (wholeRoom || oldest === undefined || m.id > oldest),
  );
}

function withoutMessages(state: ChatState, room: string, lost: readonly Message[], now: number): ChatState {
  const gone = new Set(lost.map((m) => m.id));
  return updateRoom(state, room, (r) => ({
    ...r,
    messages: r.messages.filter((m) => !gone.has(m.id)),
    lostOnServer: { count: (r.lostOnServer?.count ?? 0) + lost.length, at: now },
  }));
}

/** The latest joins and leaves kept for the timeline; older ones scroll out of interest. */
const PRESENCE_LOG_LENGTH = 50;

function presence(state: ChatState, frame: PresenceFrame, ctx: FrameContext): ChatState {
  return updateRoom(state, frame.room, (room) => {
    const { ts } = frame;
    const newest = room.presenceAt?.[frame.user.userId];
    if (ts !== undefined && newest !== undefined && ts < newest) return room;
    const r = ts === undefined ? room : { ...room, presenceAt: { ...room.presenceAt, [frame.user.userId]: ts } };
    const wasMember = r.members.some((m) => m.userId === frame.user.userId);
    const others = r.members.filter((m) => m.userId !== frame.user.userId);
    const members = frame.state === 'joined' ? [...others, frame.user] : others;
    // A repeated frame changes nothing in the member list and draws no second line.
    const changed = wasMember !== (frame.state === 'joined');
    if (!changed) return { ...r, members };
    const line = { user: frame.user, state: frame.state, at: ctx.now };
    return { ...r, members, presenceLog: [...r.presenceLog, line].slice(-PRESENCE_LOG_LENGTH) };
  });
}

function typing(state: ChatState, frame: TypingEventFrame, ctx: FrameContext): ChatState {
  if (!showsTyping(state, frame)) return state;
  const { user } = frame;
  const expiresAt = ctx.now + ctx.typingTtlMs;
  return updateRoom(state, frame.room, (r) => ({
    ...r,
    typing: [...r.typing.filter((t) => t.user.userId !== user.userId), { user, expiresAt }],
  }));
}

function historyPage(state: ChatState, frame: HistoryPageFrame, ctx: FrameContext): ChatState {
  const stored = storeMessages(state, frame.room, frame.messages);
  if (!ctx.awaitingOlder(frame.room)) return stored;
  return updateRoom(stored, frame.room, (r) => ({ ...r, hasMore: frame.hasMore, loadingOlder: false }));
}
