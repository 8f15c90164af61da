import { useCallback, useMemo, useState } from 'react';
import { ChatClient } from './realtime/chat-client.js';
import type { Credentials } from './realtime/socket.js';
import { SIGN_IN_MODES, WS_URL, type SignInMode } from './config.js';
import { loadCredentials, loadCurrentRoom, loadRooms, saveCredentials, saveCurrentRoom, saveRooms } from './session.js';
import { SignIn } from './ui/SignIn.js';
import { ChatScreen } from './ui/ChatScreen.js';

export interface AppProps {
  /** Builds the connection for a signed-in user; tests inject one wired to a fake socket and clock. */
  createClient?: (credentials: Credentials) => ChatClient;
  /** Rooms to join after sign-in when the tab has none remembered. */
  defaultRooms?: readonly string[];
  /** The sign-in options to offer; the build's VITE_AUTH_MODE by default. */
  signInModes?: readonly SignInMode[];
  /** The stage's WebSocket API (from /config.json); the build's VITE_WS_URL by default. */
  wsUrl?: string;
}

/** Signs the user in (guest name or token) and hands over to the chat screen; remembers both per tab. */
export function App({ createClient, defaultRooms = ['lobby'], signInModes = SIGN_IN_MODES, wsUrl = WS_URL }: AppProps) {
  const [credentials, setCredentials] = useState<Credentials | undefined>(() => loadCredentials());
  /** Why the chat sent the user back to sign in, shown on the form. */
  const [signInError, setSignInError] = useState<string>();

  const signIn = useCallback((c: Credentials) => {
    saveCredentials(c);
    setSignInError(undefined);
    setCredentials(c);
  }, []);
  // Stable across renders: the chat screen builds one client per factory and credentials.
  const clientFactory = useMemo(
    () => createClient ?? ((c: Credentials) => new ChatClient({ url: wsUrl, credentials: c })),
    [createClient, wsUrl],
  );
  const signOut = useCallback((reason?: string) => {
    setSignInError(reason);
    saveCredentials(undefined);
    saveRooms([]);
    saveCurrentRoom(undefined);
    setCredentials(undefined);
  }, []);

  if (!credentials) return <SignIn onSignIn={signIn} modes={signInModes} initialError={signInError} />;
  return (
    <ChatScreen
      credentials={credentials}
      createClient={clientFactory}
      initialRooms={loadRooms(defaultRooms)}
      initialRoom={loadCurrentRoom()}
      onRoomsChange={saveRooms}
      onCurrentRoomChange={saveCurrentRoom}
      onSignOut={signOut}
    />
  );
}
