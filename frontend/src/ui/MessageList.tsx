import { useState, type RefObject } from 'react';
import type { User } from '@chat/backend/protocol';
import { useNewMessageAnnouncement } from './announce.js';
import type { RoomState } from '../realtime/state.js';
import { useTicker } from './clock.js';
import { MessageRow } from './MessageRow.js';
import { timelineRows, type TimelineRow } from './timeline-rows.js';
import { useMessageScroll } from './use-message-scroll.js';

/** Runs of messages become one list each; separators and notes stand between them. */
function segments(rows: readonly TimelineRow[]): Array<{ key: string; list: boolean; rows: TimelineRow[] }> {
  const out: Array<{ key: string; list: boolean; rows: TimelineRow[] }> = [];
  for (const row of rows) {
    const list = row.kind === 'message' || row.kind === 'own';
    const last = out[out.length - 1];
    if (last?.list && list) last.rows.push(row);
    else out.push({ key: `seg:${row.key}`, list, rows: [row] });
  }
  return out;
}

export interface MessageListProps {
  room: RoomState;
  isMine: (sender: User) => boolean;
  /** The newest message id the user had read when the room was opened; the "new messages" divider goes after it. */
  readUpTo: string | undefined;
  now: () => number;
  /** The scrollable log, so the composer can page it with PageUp/PageDown. */
  scrollRef: RefObject<HTMLDivElement | null>;
  onLoadOlder: () => void;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}

/**
 * Stored messages, join/leave lines and own unacknowledged sends. The log itself is not live (an older page or
 * a gap fill would be read out in bulk); a separate polite region announces only messages that just arrived.
 * It is focusable so keyboard users can scroll it.
 */
export function MessageList({
  room,
  isMine,
  readUpTo,
  now,
  scrollRef,
  onLoadOlder,
  onRetry,
  onDiscard,
}: MessageListProps) {
  const announcement = useNewMessageAnnouncement(room.messages, room.joined, isMine);
  // Fixed when the room opens: the divider stays where the unread part began while the user reads on.
  const [unreadAfter] = useState(() => {
    const newest = room.messages[room.messages.length - 1]?.id;
    return readUpTo !== undefined && newest !== undefined && newest > readUpTo ? readUpTo : undefined;
  });
  const loadOlder = () => {
    if (room.hasMore && !room.loadingOlder) onLoadOlder();
  };
  const scroll = useMessageScroll(scrollRef, room, isMine, loadOlder);
  useTicker(room.messages.length > 0, 30_000);
  const time = now();
  const rows = timelineRows(room, { isMine, unreadAfter, now: time });

  return (
    <div className="messages-wrap">
      <div
        className="messages"
        ref={scrollRef}
        onScroll={scroll.onScroll}
        role="log"
        aria-live="off"
        aria-busy={room.loadingOlder}
        aria-label={`Messages in #${room.room}`}
        tabIndex={0}
      >
        <p className="visually-hidden" aria-live="polite" aria-atomic="true">
          {announcement}
        </p>
        {room.hasMore && (
          <button type="button" className="load-older" onClick={onLoadOlder} disabled={room.loadingOlder}>
            {room.loadingOlder ? 'Loading older messages…' : 'Load older messages'}
          </button>
        )}
        {!room.joined && room.messages.length === 0 && <p className="empty">Joining #{room.room}…</p>}
        {room.joined && !room.hasMore && room.messages.length === 0 && room.outgoing.length === 0 && (
          <p className="empty">No messages yet. Say hello!</p>
        )}
        <div className="timeline">
          {segments(rows).map((segment) => {
            const items = segment.rows.map((row) => (
              <MessageRow
                key={row.key}
                row={row}
                now={time}
                held={room.hold !== undefined}
                onRetry={onRetry}
                onDiscard={onDiscard}
              />
            ));
            return segment.list ? (
              <ol key={segment.key} className="message-list">
                {items}
              </ol>
            ) : (
              items
            );
          })}
        </div>
      </div>
      <JumpToLatest atBottom={scroll.atBottom} unseen={scroll.unseen.length} onJump={scroll.jumpToLatest} />
    </div>
  );
}

/** Shown while scrolled up: how many new messages wait below, or just the way back down. */
function JumpToLatest({ atBottom, unseen, onJump }: { atBottom: boolean; unseen: number; onJump: () => void }) {
  if (atBottom && unseen === 0) return null;
  return (
    <button type="button" className={unseen > 0 ? 'jump-latest primary' : 'jump-latest'} onClick={onJump}>
      {unseen === 0 ? 'Jump to latest' : unseen === 1 ? '1 new message' : `${unseen} new messages`}
      <span aria-hidden="true"> ↓</span>
    </button>
  );
}
