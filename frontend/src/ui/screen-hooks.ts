import { useEffect, useState } from 'react';
import type { ChatClient } from '../realtime/chat-client.js';
import type { Credentials } from '../realtime/socket.js';
import type { ChatState } from '../realtime/state.js';

/**
 * Starts the client and points the browser's own signals at it: the network or the tab coming back is the
 * moment to reconnect (or to check that the socket survived), rather than whenever the backoff would try next.
 */
export function useClientLifecycle(client: ChatClient, firstRooms: readonly string[]): void {
  useEffect(() => {
    for (const room of firstRooms) client.join(room);
    // Started a tick later so StrictMode's mount-unmount-mount in development opens one socket, not two.
    const timer = setTimeout(() => client.start(), 0);
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
}

/**
 * The room on screen. Selections are remembered in order, so when the shown room goes away (a refused join,
 * a leave) the view returns to the room the user came from instead of the first one in the list.
 */
export function useSelectedRoom(state: ChatState, initial: string | undefined, onChange?: (room: string) => void) {
  const [trail, setTrail] = useState<readonly string[]>(initial !== undefined ? [initial] : []);
  const current = [...trail].reverse().find((r) => state.rooms.has(r)) ?? state.roomOrder[0];
  useEffect(() => {
    if (current !== undefined) onChange?.(current);
  }, [current, onChange]);
  const select = (room: string) => setTrail((t) => [...t.filter((r) => r !== room), room].slice(-20));
  return { current, select };
}

/** Whether the tab is on screen; a hidden tab has read nothing, not even in the open room. */
export function useDocumentVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

/** "(3) Chat" while messages from others wait unread, so a background tab shows it. */
export function useTitleUnread(unread: ReadonlyMap<string, number>, base = 'Chat'): void {
  let total = 0;
  for (const n of unread.values()) total += n;
  useEffect(() => {
    document.title = total > 0 ? `(${total}) ${base}` : base;
    return () => {
      document.title = base;
    };
  }, [total, base]);
}

/** Failed handshakes in a row, before any succeeded, after which a token is taken as refused. */
const TOKEN_ATTEMPTS = 3;

/**
 * A token the server refuses (wrong, expired, or a guest-only server) fails every handshake, and the browser
 * does not say why. Rather than retrying forever behind "joining…", go back to the sign-in form and say so.
 */
export function useTokenRefusal(credentials: Credentials, state: ChatState, onSignOut: (reason: string) => void): void {
  const refused = 'token' in credentials && !state.connectedOnce && state.attempt >= TOKEN_ATTEMPTS;
  useEffect(() => {
    if (refused)
      onSignOut('The chat server did not accept this token, or could not be reached. Check the token and try again.');
  }, [refused, onSignOut]);
}
