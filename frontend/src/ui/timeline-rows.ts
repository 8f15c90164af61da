import type { Message, User } from '@chat/backend/protocol';
import type { OutgoingMessage, PresenceLine, RoomState } from '../realtime/state.js';

/** One row of a room's log as displayed, in display order. */
export type TimelineRow =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'unread'; key: string }
  | { kind: 'lost'; key: string; count: number }
  | { kind: 'presence'; key: string; line: PresenceLine }
  /** `continued`: same sender as the row before, close in time, so the sender and time are not repeated. */
  | { kind: 'message'; key: string; message: Message; mine: boolean; acked: boolean; continued: boolean }
  | { kind: 'own'; key: string; out: OutgoingMessage };

export interface RowOptions {
  isMine: (sender: User) => boolean;
  /** The newest message id read before; a divider goes before the first newer message from someone else. */
  unreadAfter: string | undefined;
  now: number;
}

/** Messages by one sender this close together read as one block. */
const GROUP_WINDOW_MS = 5 * 60_000;

const dayKey = (ts: number): string => new Date(ts).toDateString();

/** "Today", "Yesterday", or the full date, in the reader's locale. */
export function dayLabel(ts: number, now: number): string {
  const day = dayKey(ts);
  if (day === dayKey(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day === yesterday.toDateString()) return 'Yesterday';
  return new Date(ts).toLocaleDateString([], { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

type Entry = { at: number; message: Message } | { at: number; line: PresenceLine };

/**
 * Stored messages and join/leave lines merged by time, with day separators, one "new messages" divider and
 * sender grouping, then own sends not stored yet. Pure, so the layout rules are tested without rendering.
 */
export function timelineRows(room: RoomState, { isMine, unreadAfter, now }: RowOptions): TimelineRow[] {
  const rows: TimelineRow[] = [];
  if (room.lostOnServer) rows.push({ kind: 'lost', key: 'lost', count: room.lostOnServer.count });
  const entries: Entry[] = [
    ...room.messages.map((message) => ({ at: message.ts, message })),
    ...room.presenceLog.map((line) => ({ at: line.at, line })),
  ];
  // Stable: messages keep their id order, and a line lands after the messages of its instant.
  entries.sort((a, b) => a.at - b.at);
  let day: string | undefined;
  let previous: Message | undefined;
  let dividerPlaced = unreadAfter === undefined;
  for (const [i, entry] of entries.entries()) {
    if (dayKey(entry.at) !== day) {
      day = dayKey(entry.at);
      rows.push({ kind: 'day', key: `day:${day}`, label: dayLabel(entry.at, now) });
      previous = undefined;
    }
    if (!('message' in entry)) {
      rows.push({ kind: 'presence', key: `p:${i}:${entry.line.user.userId}`, line: entry.line });
      previous = undefined;
      continue;
    }
    const { message } = entry;
    const mine = isMine(message.sender);
    if (!dividerPlaced && unreadAfter !== undefined && message.id > unreadAfter && !mine) {
      rows.push({ kind: 'unread', key: 'unread' });
      dividerPlaced = true;
      previous = undefined;
    }
    const continued =
      previous !== undefined &&
      previous.sender.userId === message.sender.userId &&
      message.ts - previous.ts < GROUP_WINDOW_MS;
    rows.push({ kind: 'message', key: `s:${message.id}`, message, mine, acked: room.acked.has(message.id), continued });
    previous = message;
  }
  for (const out of room.outgoing) rows.push({ kind: 'own', key: `o:${out.clientMsgId}`, out });
  return rows;
}

/** "just now", "5 min ago", then the clock time: recent messages read better relative, older ones absolute. */
export function relativeTime(ts: number, now: number): string {
  const minutes = Math.floor((now - ts) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** The full date and time, for the tooltip and the machine-readable attribute. */
export function fullTime(ts: number): string {
  return new Date(ts).toLocaleString([], { dateStyle: 'full', timeStyle: 'short' });
}
