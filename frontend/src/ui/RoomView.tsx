import { useEffect, useRef } from 'react';
import type { User } from '@chat/backend/protocol';
import type { ChatClient } from '../realtime/chat-client.js';
import type { RoomState } from '../realtime/state.js';
import { MessageList } from './MessageList.js';
import { MemberList } from './MemberList.js';
import { TypingIndicator } from './TypingIndicator.js';
import { Composer } from './Composer.js';
import { SendHold } from './SendHold.js';

export interface RoomViewProps {
  client: ChatClient;
  room: RoomState;
  isMine: (sender: User) => boolean;
  online: boolean;
  /** The newest message id read in this room before it was opened. */
  readUpTo: string | undefined;
}

/** One room: header with members, the message log, who is typing and the composer. */
export function RoomView({ client, room, isMine, online, readUpTo }: RoomViewProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  // Focus where the user acts next, never on the body: the composer with a keyboard at hand; on touch screens
  // the room heading, so the on-screen keyboard does not pop up on every room switch.
  useEffect(() => {
    const touch = typeof window.matchMedia === 'function' && window.matchMedia('(pointer: coarse)').matches;
    (touch ? headingRef.current : composerRef.current)?.focus();
  }, []);
  // PageUp/PageDown in the composer page the log, as in other chat apps: the keys do nothing useful in a textarea.
  const page = (direction: 1 | -1) => {
    const el = scrollRef.current;
    if (el) el.scrollTop += direction * Math.max(40, el.clientHeight - 40);
  };
  return (
    <section className="room" aria-labelledby={`room-title-${room.room}`}>
      <header className="room-header">
        <h2 id={`room-title-${room.room}`} ref={headingRef} tabIndex={-1}>
          #{room.room}
        </h2>
        <MemberList members={room.members} isMine={isMine} />
      </header>
      <MessageList
        room={room}
        isMine={isMine}
        readUpTo={readUpTo}
        now={client.now}
        scrollRef={scrollRef}
        onLoadOlder={() => client.loadOlder(room.room)}
        onRetry={(id) => client.retry(id)}
        onDiscard={(id) => client.discard(id)}
      />
      <TypingIndicator typing={room.typing} />
      <SendHold room={room} now={client.now} />
      <Composer
        room={room.room}
        online={online}
        onSend={(text) => client.send(room.room, text)}
        onTyping={() => client.typing(room.room)}
        onPage={page}
        inputRef={composerRef}
      />
    </section>
  );
}
