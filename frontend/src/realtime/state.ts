import type { ErrorCode, Message, User } from '@chat/backend/protocol';

/**
 * idle: not started or stopped by the user. connecting: first handshake. open: socket usable.
 * reconnecting: lost, waiting out a backoff delay or redoing the handshake.
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';

/** A message this client sent that the server has not acknowledged yet. */
export interface OutgoingMessage {
  clientMsgId: string;
  room: string;
  text: string;
  /** pending: queued or on the wire, awaiting `ack`. failed: final error or ack timeout; retry re-queues it. */
  status: 'pending' | 'failed';
  error?: string;
  createdAt: number;
}

/** Why and until when a room's sends wait, so the UI can explain the wait instead of showing "Sending…". */
export interface RoomHold {
  code: 'rate_limited' | 'internal';
  /** The server's own words, e.g. "too many send frames: at most 20 per 10 s". */
  message: string;
  /** When the held send goes out again (epoch ms on the client's clock). */
  until: number;
}

/** Someone joining or leaving, shown as a line in the room's timeline. */
export interface PresenceLine {
  user: User;
  state: 'joined' | 'left';
  /** Client clock when the frame arrived (its `ts` is the server's); places the line among messages. */
  at: number;
}

/** expiresAt is informational; the client removes the entry itself when it passes. */
export interface TypingUser {
  user: User;
  expiresAt: number;
}

/** Everything the UI needs about one room, kept across reconnects so nothing flickers away while re-joining. */
export interface RoomState {
  room: string;
  /** True once the server confirmed the join on the current connection. */
  joined: boolean;
  /** Stored messages, oldest first, unique by id. */
  messages: readonly Message[];
  /** Own sends not acknowledged yet, in queue order: the first pending one is the next (or current) on the wire. */
  outgoing: readonly OutgoingMessage[];
  /** Ids of own messages the server confirmed (ack, echo or history), so the UI can show the delivered state. */
  acked: ReadonlySet<string>;
  members: readonly User[];
  typing: readonly TypingUser[];
  /** Whether older pages exist before the oldest loaded message. */
  hasMore: boolean;
  loadingOlder: boolean;
  /** Set while the server refused the head of the queue and the room's sends wait for a re-send. */
  hold?: RoomHold;
  /** Joins and leaves seen while in the room, oldest first, the latest few only. */
  presenceLog: readonly PresenceLine[];
  /**
   * The newest presence `ts` seen per user id: announcements run concurrently on the server and may arrive out of
   * order, so an older one (a leave arriving after the re-join that followed it) is ignored.
   */
  presenceAt?: Readonly<Record<string, number>>;
  /**
   * Messages this client showed that the server no longer has, found on a re-join (the local stack restarted
   * without its data, or the room was cleared); they are removed and the UI says so.
   */
  lostOnServer?: { count: number; at: number };
}

/** An error frame or client-side problem to show the user. */
export interface Notice {
  id: number;
  code: ErrorCode | 'protocol' | 'timeout';
  message: string;
  action?: string;
  at: number;
}

/** Immutable snapshot, replaced on every change so `useSyncExternalStore` can compare by identity. */
export interface ChatState {
  status: ConnectionStatus;
  /** Failed attempts since the last open socket; drives the backoff and the banner. */
  attempt: number;
  /**
   * False until a socket has opened once with the current credentials. A handshake the server refuses (400 bad name,
   * 401, 403) never opens and the browser does not expose its status, so this is what lets the UI say "cannot reach"
   * instead of "lost".
   */
  connectedOnce: boolean;
  /** When the next reconnect attempt fires (epoch ms), while reconnecting. */
  nextRetryAt?: number;
  /**
   * Who the server takes us for: read from a token's claims with the authorizer's own rule, else learnt from the
   * echo of an own message (a guest). The server assigns identity; the client never claims one.
   */
  self?: User;
  /** Room names in join order. */
  roomOrder: readonly string[];
  /** A Map, not an object: room names come from users, and `constructor` or `__proto__` are valid names. */
  rooms: ReadonlyMap<string, RoomState>;
  notices: readonly Notice[];
}

/** Shared by every client before its first change; snapshots are never mutated, so sharing is safe. */
export const initialChatState: ChatState = {
  status: 'idle',
  attempt: 0,
  connectedOnce: false,
  roomOrder: [],
  rooms: new Map(),
  notices: [],
};

/** A room the user asked to join; it fills in when the server's `joined` arrives. */
export function emptyRoom(room: string): RoomState {
  return {
    room,
    joined: false,
    messages: [],
    outgoing: [],
    acked: new Set(),
    members: [],
    typing: [],
    hasMore: false,
    loadingOlder: false,
    presenceLog: [],
  };
}
