import type { Message } from '../../src/protocol/index.js';

/**
 * What the soak's clients saw, recorded as plain facts so the figures are computed afterwards by a pure function
 * (figures.ts) that a test can feed with hand-made journals. Times are client-side `performance.now()`
 * milliseconds: monotonic, and the gateway shares the process, so they order events as the gateway saw them.
 */
export const clientNow = (): number => performance.now();

export interface SendRecord {
  /** Guest name of the sending connection (each connection of the soak has its own name). */
  sender: string;
  room: string;
  clientMsgId: string;
  /** Client times of the first and of the last attempt; retries reuse the clientMsgId. */
  firstAt: number;
  lastAt: number;
  attempts: number;
  /** Set by the first `ack` for this clientMsgId on the sending connection, if any came. */
  ack?: { id: string; at: number };
}

/** One connection's stay in one room: from its `joined` frame until it asked to leave, closed, or was closed. */
export interface Stay {
  connection: string;
  room: string;
  joinedAt: number;
  /** Infinity while the stay lasts. */
  endAt: number;
}

/** Presence as one connection observed it, in arrival order; a `joined` frame's member list is a snapshot. */
export type PresenceEvent =
  | { kind: 'snapshot'; room: string; userIds: string[] }
  | { kind: 'presence'; room: string; userId: string; state: 'joined' | 'left'; ts?: number };

export interface ConnectionRecord {
  name: string;
  /** Live `message` frames per message id; history in `joined` and `history` frames is not counted. */
  received: Map<string, number>;
  presence: PresenceEvent[];
  /** Frames that were not valid server frames (protocol schema). */
  malformed: number;
}

export interface Journal {
  sends: SendRecord[];
  stays: Stay[];
  connections: ConnectionRecord[];
  /** Each room's whole history as read after the soak, oldest first. */
  history: Map<string, Message[]>;
  /** How long after its ack a message is given to reach every member. */
  settleMs: number;
}

export function emptyJournal(settleMs: number): Journal {
  return { sends: [], stays: [], connections: [], history: new Map(), settleMs };
}

export function newConnectionRecord(name: string): ConnectionRecord {
  return { name, received: new Map(), presence: [], malformed: 0 };
}
