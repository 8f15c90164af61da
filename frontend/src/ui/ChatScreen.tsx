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
import {
  useClientLifecycle,
  useDocumentVisible,
  useSelectedRoom,
  useTitleUnread,
  useTokenRefusal,
} from './screen-hooks.js';

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

/**
 * Owns one connection for the signed-in user; it lives exactly as long as this screen is mounted. New credentials
 * for the same user (a renewed token) are handed to that connection rather than replacing it, so nothing queued
 * is lost.
 */
export function ChatScreen({
  credentials,
  createClient,
  initialRooms,
  initialRoom,
  onRoomsChange,
  onCurrentRoomChange,
  onSignOut,
}: ChatScreenProps) {
  const [firstCredentials] = useState(credentials);
  const client = useMemo(() => createClient(firstCredentials), [createClient, firstCredentials]);
  useEffect(() => client.updateCredentials(credentials), [client, credentials]);
  const [firstRooms] = useState(initialRooms);
  const state = useChatState(client);
  const { current, select } = useSelectedRoom(state, initialRoom ?? initialRooms[0], onCurrentRoomChange);
  useClientLifecycle(client, firstRooms);
  useEffect(() => onRoomsChange(state.roomOrder), [state.roomOrder, onRoomsChange]);

  const [left, setLeft] = useState<string>();
  const join = (name: string) => {
    const result = client.join(name);
    if (result.ok) select(result.room);
    return result;
  };
  const forgetLeft = useCallback(() => setLeft(undefined), []);
  const dismissNotice = useCallback((id: number) => client.dismissNotice(id), [client]);
  const room = current !== undefined ? state.rooms.get(current) : undefined;
  const guestName = 'name' in credentials ? credentials.name : undefined;
  const who = guestName ?? state.self?.name;
  useTokenRefusal(credentials, state, onSignOut);
  const isMine = (sender: User) => isOwnUser(sender, state.self, guestName);
  const visible = useDocumentVisible();
  const { counts: unread, readUpTo } = useUnreadCounts(state, visible ? current : undefined, isMine);
  useTitleUnread(unread);

  return (
    <div className="app">
      <TopBar who={who} onSignOut={() => onSignOut()} />
      <StatusBanner {...state} now={client.now} onRetry={() => client.reconnectNow()} />
      <Notices notices={state.notices} onDismiss={dismissNotice} now={client.now} />
      {left !== undefined && (
        <LeaveUndo
          room={left}
          onUndo={() => {
            join(left);
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
          onJoin={join}
          onLeave={(name) => {
            client.leave(name);
            setLeft(name);
          }}
        />
        <main className="room-pane">
          {room ? (
            <RoomView
              key={room.room}
              {...{ client, room, isMine }}
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

function TopBar({ who, onSignOut }: { who: string | undefined; onSignOut: () => void }) {
  return (
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
      <button type="button" className="link" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
