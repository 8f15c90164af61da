import type { ClientFrame, Message, ServerFrame, User } from '@chat/backend/protocol';
import type { WebSocketConstructor, WebSocketLike } from '../src/realtime/socket.js';

/** A WebSocket the test plays the server for: it decides when the socket opens, what arrives and when it dies. */
export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  readonly raw: string[] = [];
  /** Lets a test play a server that reacts to what the client sends. */
  onClientFrame: ((frame: ClientFrame) => void) | undefined;
  closedByClient: { code?: number; reason?: string } | undefined;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.raw.push(data);
    this.onClientFrame?.(JSON.parse(data) as ClientFrame);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  /** Server side: accept the handshake. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** Server side: deliver a frame. */
  receive(frame: ServerFrame | Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  receiveRaw(data: string): void {
    this.onmessage?.({ data });
  }

  /** Server side or network: the connection dies. */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason: '' });
  }

  get frames(): ClientFrame[] {
    return this.raw.map((r) => JSON.parse(r) as ClientFrame);
  }

  framesOf<A extends ClientFrame['action']>(action: A): Extract<ClientFrame, { action: A }>[] {
    return this.frames.filter((f): f is Extract<ClientFrame, { action: A }> => f.action === action);
  }
}

export interface FakeSockets {
  WebSocket: WebSocketConstructor;
  all: FakeWebSocket[];
  /** The most recently created socket. */
  last(): FakeWebSocket;
}

export function fakeSockets(): FakeSockets {
  const all: FakeWebSocket[] = [];
  class Ctor extends FakeWebSocket {
    constructor(url: string) {
      super(url);
      all.push(this);
    }
  }
  return {
    WebSocket: Ctor,
    all,
    last: () => {
      const s = all[all.length - 1];
      if (!s) throw new Error('no socket was created');
      return s;
    },
  };
}

export const alice: User = { userId: 'u-alice', name: 'alice' };
export const bob: User = { userId: 'u-bob', name: 'bob' };

/** Message n of a room; ids are zero-padded so they sort like the server's time-ordered ids. */
export function msg(room: string, n: number, sender: User = bob, clientMsgId = `c-${sender.userId}-${n}`): Message {
  return { room, id: `m${String(n).padStart(6, '0')}`, ts: 1_000 + n, sender, text: `message ${n}`, clientMsgId };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
