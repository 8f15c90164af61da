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
}

/** One room: header with members, the message log, who is typing and the composer. */
export function RoomView({ client, room, isMine, online }: RoomViewProps) {
  return (
    <section className="room" aria-labelledby={`room-title-${room.room}`}>
      <header className="room-header">
        <h2 id={`room-title-${room.room}`}>#{room.room}</h2>
        <MemberList members={room.members} isMine={isMine} />
      </header>
      <MessageList
        room={room}
        isMine={isMine}
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
      />
    </section>
  );
}
