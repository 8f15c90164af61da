import { ChatClient, type ChatClientOptions } from '../src/realtime/chat-client.js';
import type { RoomState } from '../src/realtime/state.js';
import { FakeClock } from './fake-clock.js';
import { alice, fakeSockets } from './fake-websocket.js';

/** A client on a fake socket and a manual clock, with shortcuts for the usual handshake. */
export function setup(overrides: Partial<ChatClientOptions> = {}) {
  const clock = new FakeClock();
  const sockets = fakeSockets();
  let ids = 0;
  const client = new ChatClient({
    url: 'ws://localhost:3001',
    credentials: { name: 'alice' },
    WebSocket: sockets.WebSocket,
    timers: clock,
    random: () => 0.5,
    newClientMsgId: () => `cid-${++ids}`,
    ...overrides,
  });
  const room = (name: string): RoomState => {
    const r = client.getSnapshot().rooms.get(name);
    if (!r) throw new Error(`room ${name} not in state`);
    return r;
  };
  const join = (name: string, socket = sockets.last()) => {
    client.join(name);
    socket.receive({ type: 'joined', room: name, members: [alice], history: [] });
  };
  const connect = () => {
    client.start();
    sockets.last().open();
    return sockets.last();
  };
  return { clock, sockets, client, room, join, connect };
}
