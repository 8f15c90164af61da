import { useCallback, useEffect, useMemo, useState } from 'react';
import type { User } from '@chat/backend/protocol';
import type { ChatClient } from '../realtime/chat-client.js';
import type { Credentials } from '../realtime/socket.js';
import { useChatState } from '../realtime/use-chat.js';
import { StatusBanner } from './StatusBanner.js';
import { Notices } from './Notices.js';
import { RoomList } from './RoomList.js';
import { RoomView } from './RoomView.js';
import { LeaveUndo } from './LeaveUndo.js';
import { isOwnUser } from './identity.js';
import { useUnreadCounts } from './unread.js';
import { useClientLifecycle, useSelectedRoom, useTitleUnread, useTokenRefusal } from './screen-hooks.js';

export interface ChatScreenProps {
  credentials: Credentials;
  createClient: (credentials: Credentials) => ChatClient;
  initialRooms: readonly string[];
  onRoomsChange: (rooms: readonly string[]) => void;
  /** With a reason when the chat gave up on these credentials (a token the server never accepted). */
  onSignOut: (reason?: string) => void;
  /** The room that was open before a reload. */
  initialRoom?: string;
  onCurrentRoomChange?: (room: string) => void;
}

/** Owns one connection for the signed-in user; it lives exactly as long as this screen is mounted. */
export function ChatScreen({
  credentials,
  createClient,
  initialRooms,
  initialRoom,
  onRoomsChange,
  onCurrentRoomChange,
  onSignOut,
}: ChatScreenProps) {
  const client = useMemo(() => createClient(credentials), [createClient, credentials]);
  const [firstRooms] = useState(initialRooms);
  const state = useChatState(client);
  const { current, select } = useSelectedRoom(state, initialRoom ?? initialRooms[0]);

  useClientLifecycle(client, firstRooms);

  useEffect(() => onRoomsChange(state.roomOrder), [state.roomOrder, onRoomsChange]);

  const [left, setLeft] = useState<string>();
  const forgetLeft = useCallback(() => setLeft(undefined), []);
  const dismissNotice = useCallback((id: number) => client.dismissNotice(id), [client]);
  const room = current !== undefined ? state.rooms.get(current) : undefined;
  const guestName = 'name' in credentials ? credentials.name : undefined;
  const who = guestName ?? state.self?.name;
  useTokenRefusal(credentials, state, onSignOut);
  const isMine = (sender: User) => isOwnUser(sender, state.self, guestName);
  const { counts: unread, readUpTo } = useUnreadCounts(state, current, isMine);
  useTitleUnread(unread);
  useEffect(() => {
    if (current !== undefined) onCurrentRoomChange?.(current);
  }, [current, onCurrentRoomChange]);

  return (
    <div className="app">
      <header className="topbar">
        <h1>Chat</h1>
        <span className="whoami">
          {who !== undefined ? (
            <>
              Signed in as <strong>{who}</strong>
            </>
          ) : (
            'Signed in with a token'
          )}
        </span>
        <button type="button" className="link" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <StatusBanner
        status={state.status}
        attempt={state.attempt}
        connectedOnce={state.connectedOnce}
        nextRetryAt={state.nextRetryAt}
        now={client.now}
        onRetry={() => client.reconnectNow()}
      />
      <Notices notices={state.notices} onDismiss={dismissNotice} now={client.now} />
      {left !== undefined && (
        <LeaveUndo
          room={left}
          onUndo={() => {
            const result = client.join(left);
            if (result.ok) select(result.room);
            setLeft(undefined);
          }}
          onDone={forgetLeft}
        />
      )}
      <div className="layout">
        <RoomList
          rooms={state.roomOrder}
          roomStates={state.rooms}
          unread={unread}
          current={current}
          onSelect={select}
          onJoin={(name) => {
            const result = client.join(name);
            if (result.ok) select(result.room);
            return result;
          }}
          onLeave={(name) => {
            client.leave(name);
            setLeft(name);
          }}
        />
        <main className="room-pane">
          {room ? (
            <RoomView
              key={room.room}
              client={client}
              room={room}
              isMine={isMine}
              online={state.status === 'open'}
              readUpTo={readUpTo.get(room.room)}
            />
          ) : (
            <p className="empty">Join a room to start chatting.</p>
          )}
        </main>
      </div>
    </div>
  );
}
