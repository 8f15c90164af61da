import type { Message } from '@chat/backend/protocol';
import type { OutgoingMessage, PresenceLine } from '../realtime/state.js';
import { linkify } from './links.js';
import { fullTime, relativeTime, type TimelineRow } from './timeline-rows.js';

export interface MessageRowProps {
  row: TimelineRow;
  now: number;
  /** The room's queue waits out a refusal; the notice above the composer says why. */
  held: boolean;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}

/**
 * One row of the log: messages are list items, the rest (day headings, the unread divider, join/leave and
 * restart notes) stand between the lists. Text is always rendered as text; links are the only markup, and only
 * http/https.
 */
export function MessageRow({ row, now, held, onRetry, onDiscard }: MessageRowProps) {
  switch (row.kind) {
    case 'day':
      return <h3 className="day-separator">{row.label}</h3>;
    case 'unread':
      return <p className="unread-divider">New messages</p>;
    case 'lost':
      return (
        <p className="timeline-note lost">
          The server no longer has {row.count === 1 ? '1 earlier message' : `${row.count} earlier messages`} (it was
          probably restarted without its data), so {row.count === 1 ? 'it was' : 'they were'} removed from this view.
        </p>
      );
    case 'presence':
      return <PresenceRow line={row.line} />;
    case 'message':
      return (
        <StoredMessage message={row.message} mine={row.mine} acked={row.acked} continued={row.continued} now={now} />
      );
    case 'own':
      return <PendingMessage out={row.out} held={held} onRetry={onRetry} onDiscard={onDiscard} />;
  }
}

function PresenceRow({ line }: { line: PresenceLine }) {
  return (
    <p className="timeline-note presence-line">
      <bdi>{line.user.name}</bdi> {line.state === 'joined' ? 'joined' : 'left'}
    </p>
  );
}

/** Relative on screen, the full date on hover and for screen readers (a relative time alone loses the day). */
function Time({ ts, now }: { ts: number; now: number }) {
  const full = fullTime(ts);
  return (
    <time dateTime={new Date(ts).toISOString()} title={full}>
      <span aria-hidden="true">{relativeTime(ts, now)}</span>
      <span className="visually-hidden">{full}</span>
    </time>
  );
}

function StoredMessage({
  message,
  mine,
  acked,
  continued,
  now,
}: {
  message: Message;
  mine: boolean;
  acked: boolean;
  continued: boolean;
  now: number;
}) {
  const sender = mine ? 'You' : message.sender.name;
  return (
    <li className={`msg${mine ? ' mine' : ''}${continued ? ' continued' : ''}`} data-message-id={message.id}>
      {continued ? (
        // Grouped under the previous message's header; screen readers still hear who wrote it.
        <span className="visually-hidden">{sender}: </span>
      ) : (
        <div className="meta">
          <bdi className="sender">{sender}</bdi>
          <Time ts={message.ts} now={now} />
        </div>
      )}
      <p className="text" dir="auto">
        {linkify(message.text)}
      </p>
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
  held: boolean;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}) {
  return (
    <li className={`msg mine ${out.status}`} data-client-msg-id={out.clientMsgId}>
      <div className="meta">
        <span className="sender">You</span>
      </div>
      <p className="text" dir="auto">
        {out.text}
      </p>
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
