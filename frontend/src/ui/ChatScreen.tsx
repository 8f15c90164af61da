import { useEffect, useMemo, useState } from 'react';
import type { User } from '@chat/backend/protocol';
import type { ChatClient } from '../realtime/chat-client.js';
import type { Credentials } from '../realtime/socket.js';
import { useChatState } from '../realtime/use-chat.js';
import { StatusBanner } from './StatusBanner.js';
import { Notices } from './Notices.js';
import { RoomList } from './RoomList.js';
import { RoomView } from './RoomView.js';
import { isOwnUser } from './identity.js';
import { useUnreadCounts } from './unread.js';

export interface ChatScreenProps {
  credentials: Credentials;
  createClient: (credentials: Credentials) => ChatClient;
  initialRooms: readonly string[];
  onRoomsChange: (rooms: readonly string[]) => void;
  onSignOut: () => void;
}

/** Owns one connection for the signed-in user; it lives exactly as long as this screen is mounted. */
export function ChatScreen({ credentials, createClient, initialRooms, onRoomsChange, onSignOut }: ChatScreenProps) {
  const client = useMemo(() => createClient(credentials), [createClient, credentials]);
  const [firstRooms] = useState(initialRooms);
  const state = useChatState(client);
  const [selected, setSelected] = useState<string | undefined>(initialRooms[0]);

  useEffect(() => {
    for (const room of firstRooms) client.join(room);
    // Started a tick later so StrictMode's mount-unmount-mount in development opens one socket, not two.
    const timer = setTimeout(() => client.start(), 0);
    // The network or the tab coming back is the moment to reconnect (or to check that the socket survived),
    // rather than whenever the backoff would have tried next.
    const check = () => client.checkConnection();
    const visible = () => {
      if (document.visibilityState === 'visible') check();
    };
    window.addEventListener('online', check);
    document.addEventListener('visibilitychange', visible);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('online', check);
      document.removeEventListener('visibilitychange', visible);
      client.stop();
    };
  }, [client, firstRooms]);

  useEffect(() => onRoomsChange(state.roomOrder), [state.roomOrder, onRoomsChange]);

  const current = selected !== undefined && state.rooms.has(selected) ? selected : state.roomOrder[0];
  const room = current !== undefined ? state.rooms.get(current) : undefined;
  const guestName = 'name' in credentials ? credentials.name : undefined;
  const who = guestName ?? state.self?.name ?? 'token user';
  const isMine = (sender: User) => isOwnUser(sender, state.self, guestName);
  const { counts: unread, readUpTo } = useUnreadCounts(state, current, isMine);

  return (
    <div className="app">
      <header className="topbar">
        <h1>Chat</h1>
        <span className="whoami">
          Signed in as <strong>{who}</strong>
        </span>
        <button type="button" className="link" onClick={onSignOut}>
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
      <Notices notices={state.notices} onDismiss={(id) => client.dismissNotice(id)} />
      <div className="layout">
        <RoomList
          rooms={state.roomOrder}
          roomStates={state.rooms}
          unread={unread}
          current={current}
          onSelect={setSelected}
          onJoin={(name) => {
            const result = client.join(name);
            if (result.ok) setSelected(result.room);
            return result;
          }}
          onLeave={(name) => client.leave(name)}
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
