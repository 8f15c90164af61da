import { useCallback, useEffect, useMemo, useState } from 'react';
import { ChatClient } from './realtime/chat-client.js';
import type { Credentials } from './realtime/socket.js';
import { identityOf } from './realtime/token-identity.js';
import { SIGN_IN_MODES, WS_URL, type SignInMode } from './config.js';
import { loadCredentials, loadCurrentRoom, loadRooms, saveCredentials, saveCurrentRoom, saveRooms } from './session.js';
import type { OidcSession } from './oidc-session.js';
import { SignIn } from './ui/SignIn.js';
import { ChatScreen } from './ui/ChatScreen.js';

export interface AppProps {
  /**
   * Builds the connection for a signed-in user (renewed credentials go to its updateCredentials); tests inject one
   * wired to a fake socket and clock.
   */
  createClient?: (credentials: Credentials) => ChatClient;
  /** Rooms to join after sign-in when the tab has none remembered. */
  defaultRooms?: readonly string[];
  /** The sign-in options to offer; the build's VITE_AUTH_MODE by default. */
  signInModes?: readonly SignInMode[];
  /** The stage's WebSocket API (from /config.json); the build's VITE_WS_URL by default. */
  wsUrl?: string;
  /** The OpenID Connect sign-in, when the stage has a provider (the `oidc` block of /config.json). */
  oidc?: OidcSession;
  /** Why the page starts on the sign-in form, e.g. a provider redirect that could not be completed. */
  initialError?: string;
}

/**
 * Signs the user in (guest name, token, or an OpenID Connect provider) and hands over to the chat screen;
 * remembers both per tab.
 */
export function App({
  createClient,
  defaultRooms = ['lobby'],
  signInModes = SIGN_IN_MODES,
  wsUrl = WS_URL,
  oidc,
  initialError,
}: AppProps) {
  const [credentials, setCredentials] = useState<Credentials | undefined>(() => loadCredentials());
  /** Why the chat sent the user back to sign in, shown on the form. */
  const [signInError, setSignInError] = useState<string | undefined>(initialError);

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
  const signOut = useCallback(
    (reason?: string) => {
      setSignInError(reason);
      saveCredentials(undefined);
      saveRooms([]);
      saveCurrentRoom(undefined);
      setCredentials(undefined);
      void oidc?.signOut().catch(() => undefined); // storage trouble: the tab forgets the user on close anyway
    },
    [oidc],
  );
  useOidcRenewal(oidc, setCredentials, signOut);
  const providerSignIn = useMemo(() => (oidc ? (hint?: string) => oidc.signIn(hint) : undefined), [oidc]);

  if (!credentials)
    return (
      <SignIn onSignIn={signIn} onProviderSignIn={providerSignIn} modes={signInModes} initialError={signInError} />
    );
  return (
    <ChatScreen
      // One screen, and so one client, per user: a renewed token for the same user is handed to the client, which
      // reconnects with it and keeps its rooms and unsent messages.
      key={screenKey(credentials)}
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

/** Who the chat screen is for: the token's user (a token that cannot be read counts as one user), or the guest. */
function screenKey(credentials: Credentials): string {
  if ('name' in credentials) return `guest:${credentials.name}`;
  return `token:${identityOf(credentials)?.userId ?? ''}`;
}

/**
 * Each renewed ID token replaces the token credentials (the chat screen hands them to its connection); a failed
 * renewal ends the sign-in with its reason, as the old token will soon be refused.
 */
function useOidcRenewal(
  oidc: OidcSession | undefined,
  setCredentials: (update: (c: Credentials | undefined) => Credentials | undefined) => void,
  signOut: (reason?: string) => void,
): void {
  useEffect(() => {
    if (!oidc) return;
    const offRenewed = oidc.onRenewed((token) =>
      setCredentials((current) => {
        if (!current || !('token' in current) || current.token === token) return current;
        saveCredentials({ token });
        return { token };
      }),
    );
    const offFailed = oidc.onRenewFailed((reason) =>
      signOut(`Your sign-in could not be renewed (${reason}). Sign in again.`),
    );
    return () => {
      offRenewed();
      offFailed();
    };
  }, [oidc, setCredentials, signOut]);
}
