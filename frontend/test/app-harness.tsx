import { render, screen, act, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect } from 'vitest';
import { App } from '../src/App.js';
import { ChatClient, type ChatClientOptions } from '../src/realtime/chat-client.js';
import type { Credentials } from '../src/realtime/socket.js';
import { FakeClock } from './fake-clock.js';
import { alice, bob, fakeSockets, msg, type FakeWebSocket } from './fake-websocket.js';

/** The app on fake sockets and a manual clock; `server` plays the server inside act(). */
export function setup(options: Partial<ChatClientOptions> = {}) {
  const clock = new FakeClock();
  const sockets = fakeSockets();
  let ids = 0;
  const createClient = (credentials: Credentials) =>
    new ChatClient({
      url: 'ws://localhost:3001',
      credentials,
      WebSocket: sockets.WebSocket,
      timers: clock,
      random: () => 0.5,
      newClientMsgId: () => `cid-${++ids}`,
      ...options,
    });
  const user = userEvent.setup();
  /** Plays the server inside act() so React flushes the resulting renders. */
  const server = (fn: (socket: FakeWebSocket) => void) => act(() => fn(sockets.last()));
  /** The screen opens its socket a tick after mounting. */
  const socketCount = (n: number) => waitFor(() => expect(sockets.all).toHaveLength(n));
  return { clock, sockets, createClient, user, server, socketCount };
}

/** Signs in as alice and completes the handshake and the join of lobby. */
export async function signedIn(
  history = [msg('lobby', 1, bob)],
  members = [alice, bob],
  options: Partial<ChatClientOptions> = {},
) {
  const t = setup(options);
  render(<App createClient={t.createClient} defaultRooms={['lobby']} />);
  await t.user.type(screen.getByLabelText('Display name'), 'alice');
  await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
  await t.socketCount(1);
  await t.server((s) => s.open());
  await t.server((s) => s.receive({ type: 'joined', room: 'lobby', members, history }));
  return t;
}
