import { useLayoutEffect, useRef } from 'react';
import { useNewMessageAnnouncement } from './announce.js';
import type { Message, User } from '@chat/backend/protocol';
import type { OutgoingMessage, RoomState } from '../realtime/state.js';
import { timelineOf } from '../realtime/room-reducer.js';
import { formatTime } from './format.js';

export interface MessageListProps {
  room: RoomState;
  isMine: (sender: User) => boolean;
  onLoadOlder: () => void;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}

/** How close to an edge (px) counts as "at" it: near the top loads older pages, near the bottom follows new ones. */
const EDGE_PX = 48;

/**
 * Stored messages followed by own unacknowledged sends. The log itself is not live (an older page or a gap
 * fill would be read out in bulk); a separate polite region announces only messages that just arrived.
 * Keeps the reader's place when an older page is prepended and follows new messages only while the reader is
 * at the bottom.
 */
export function MessageList({ room, isMine, onLoadOlder, onRetry, onDiscard }: MessageListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const announcement = useNewMessageAnnouncement(room.messages, room.joined, isMine);
  const atBottom = useRef(true);
  const previous = useRef<{ firstId: string | undefined; height: number }>({ firstId: undefined, height: 0 });

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const firstId = room.messages[0]?.id;
    const before = previous.current;
    if (before.firstId !== undefined && firstId !== undefined && firstId < before.firstId) {
      el.scrollTop += el.scrollHeight - before.height;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    previous.current = { firstId, height: el.scrollHeight };
  }, [room.messages, room.outgoing]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    if (el.scrollTop < EDGE_PX && room.hasMore && !room.loadingOlder) onLoadOlder();
  };

  return (
    <div
      className="messages"
      ref={scrollRef}
      onScroll={onScroll}
      role="log"
      aria-live="off"
      aria-busy={room.loadingOlder}
      aria-label={`Messages in #${room.room}`}
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
      <ol className="message-list">
        {timelineOf(room).map((item) =>
          item.kind === 'stored' ? (
            <StoredMessage
              key={`s:${item.message.id}`}
              message={item.message}
              mine={isMine(item.message.sender)}
              acked={item.acked}
            />
          ) : (
            <PendingMessage
              key={`o:${item.out.clientMsgId}`}
              out={item.out}
              held={room.hold !== undefined}
              onRetry={onRetry}
              onDiscard={onDiscard}
            />
          ),
        )}
      </ol>
    </div>
  );
}

function StoredMessage({ message, mine, acked }: { message: Message; mine: boolean; acked: boolean }) {
  return (
    <li className={mine ? 'msg mine' : 'msg'} data-message-id={message.id}>
      <div className="meta">
        <span className="sender">{mine ? 'You' : message.sender.name}</span>
        <time dateTime={new Date(message.ts).toISOString()}>{formatTime(message.ts)}</time>
      </div>
      <p className="text">{message.text}</p>
      {acked && <span className="delivery">✓ Sent</span>}
    </li>
  );
}

function PendingMessage({
  out,
  held,
  onRetry,
  onDiscard,
}: {
  out: OutgoingMessage;
  /** The room's queue waits out a refusal; the notice above the composer says why. */
  held: boolean;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}) {
  return (
    <li className={`msg mine ${out.status}`} data-client-msg-id={out.clientMsgId}>
      <div className="meta">
        <span className="sender">You</span>
      </div>
      <p className="text">{out.text}</p>
      {out.status === 'pending' ? (
        <span className="delivery">{held ? 'Waiting to send…' : 'Sending…'}</span>
      ) : (
        <span className="delivery failed-text">
          Not sent{out.error ? `: ${out.error}` : ''}{' '}
          <button type="button" className="link" onClick={() => onRetry(out.clientMsgId)}>
            Retry
          </button>{' '}
          <button type="button" className="link" onClick={() => onDiscard(out.clientMsgId)}>
            Discard
          </button>
        </span>
      )}
    </li>
  );
}
