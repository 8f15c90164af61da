import { useCallback, useState } from 'react';
import { ChatClient } from './realtime/chat-client.js';
import type { Credentials } from './realtime/socket.js';
import { WS_URL } from './config.js';
import { loadCredentials, loadRooms, saveCredentials, saveRooms } from './session.js';
import { SignIn } from './ui/SignIn.js';
import { ChatScreen } from './ui/ChatScreen.js';

export interface AppProps {
  /** Builds the connection for a signed-in user; tests inject one wired to a fake socket and clock. */
  createClient?: (credentials: Credentials) => ChatClient;
  /** Rooms to join after sign-in when the tab has none remembered. */
  defaultRooms?: readonly string[];
}

const defaultCreateClient = (credentials: Credentials) => new ChatClient({ url: WS_URL, credentials });

/** Signs the user in (guest name or token) and hands over to the chat screen; remembers both per tab. */
export function App({ createClient = defaultCreateClient, defaultRooms = ['lobby'] }: AppProps) {
  const [credentials, setCredentials] = useState<Credentials | undefined>(() => loadCredentials());

  const signIn = useCallback((c: Credentials) => {
    saveCredentials(c);
    setCredentials(c);
  }, []);
  const signOut = useCallback(() => {
    saveCredentials(undefined);
    saveRooms([]);
    setCredentials(undefined);
  }, []);

  if (!credentials) return <SignIn onSignIn={signIn} />;
  return (
    <ChatScreen
      credentials={credentials}
      createClient={createClient}
      initialRooms={loadRooms(defaultRooms)}
      onRoomsChange={saveRooms}
      onSignOut={signOut}
    />
  );
}
