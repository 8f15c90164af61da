import { describe, expect, it } from 'vitest';
import type { ClientFrame, Message } from '@chat/backend/protocol';
import { timelineOf } from '../src/realtime/room-reducer.js';
import type { RoomState } from '../src/realtime/state.js';
import { setup } from './client-harness.js';
import type { FakeClock } from './fake-clock.js';
import { alice, type FakeWebSocket } from './fake-websocket.js';

/** Deterministic PRNG (mulberry32), so a failing interleaving can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A server that, like the real one under load, handles each frame after its own random delay and numbers
 * messages when it handles them, so frames on the wire together get ids in any order. It refuses the frames
 * whose arrival number `refuse` names, stores and then fails with `internal` those `failAfterStore` names,
 * dedupes by clientMsgId, and acks and echoes after independent random delays.
 */
function playServer(
  socket: FakeWebSocket,
  clock: FakeClock,
  random: () => number,
  script: { refuse: ReadonlySet<number>; failAfterStore: ReadonlySet<number> },
) {
  let arrivals = 0;
  let idSeq = 0;
  const stored = new Map<string, Message>();
  const later = (ms: number, fn: () => void) => clock.setTimeout(fn, Math.floor(random() * ms));
  const handle = (frame: Extract<ClientFrame, { action: 'send' }>, nth: number) => {
    const { room, text, clientMsgId } = frame;
    if (script.refuse.has(nth)) {
      later(20, () =>
        socket.receive({ type: 'error', code: 'rate_limited', message: 'slow down', action: 'send', clientMsgId }),
      );
      return;
    }
    let m = stored.get(clientMsgId);
    if (!m) {
      idSeq += 1;
      m = { room, id: `m${String(idSeq).padStart(6, '0')}`, ts: clock.now(), sender: alice, text, clientMsgId };
      stored.set(clientMsgId, m);
    }
    const message = m;
    if (script.failAfterStore.has(nth)) {
      later(20, () =>
        socket.receive({ type: 'error', code: 'internal', message: 'try again', action: 'send', clientMsgId }),
      );
      return;
    }
    later(30, () => socket.receive({ type: 'ack', clientMsgId, id: message.id, ts: message.ts }));
    later(30, () => socket.receive({ type: 'message', ...message }));
  };
  socket.onClientFrame = (frame) => {
    if (frame.action !== 'send') return;
    arrivals += 1;
    const nth = arrivals;
    later(40, () => handle(frame, nth));
  };
  return { stored };
}

const texts = (room: RoomState) =>
  timelineOf(room).map((item) => (item.kind === 'stored' ? item.message.text : item.out.text));

describe('ChatClient send order', () => {
  it('stores and shows 15 quick sends in send order despite rate limits, internal errors and shuffled acks', () => {
    // Prepare
    const random = seeded(7);
    const { client, clock, room, join, connect } = setup({
      random,
      rateLimitRetryMs: 100,
      internalRetryBackoff: { baseMs: 50, maxMs: 200 },
    });
    const socket = connect();
    join('lobby');
    const server = playServer(socket, clock, random, {
      refuse: new Set([3, 4, 9, 14]),
      failAfterStore: new Set([6, 11]),
    });
    const sent: string[] = [];

    // Act: type 15 messages 10 ms apart, then let the exchange run out.
    for (let i = 1; i <= 15; i++) {
      const text = `msg ${i}`;
      sent.push(text);
      expect(client.send('lobby', text)).toMatchObject({ ok: true });
      clock.advance(10);
      expect(texts(room('lobby'))).toEqual(sent); // shown in send order at every step
    }
    for (let t = 0; t < 10_000 && room('lobby').outgoing.length > 0; t += 5) {
      clock.advance(5);
      expect(texts(room('lobby'))).toEqual(sent);
    }
    clock.advance(1_000);

    // Assess: stored once each, numbered in send order, displayed in send order, nothing left pending.
    expect(room('lobby').outgoing).toEqual([]);
    expect([...server.stored.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((m) => m.text)).toEqual(sent);
    expect(room('lobby').messages.map((m) => m.text)).toEqual(sent);
    expect(texts(room('lobby'))).toEqual(sent);
    expect(socket.framesOf('send').length).toBeGreaterThan(15); // refusals and internal errors were re-sent
  });
});

describe('ChatClient send queue across reconnects and rooms', () => {
  it('after a reconnect re-sends the send that was on the wire with the same clientMsgId, then the rest in order', () => {
    const { client, clock, sockets, join, connect } = setup();
    connect();
    join('lobby');
    for (const text of ['one', 'two', 'three']) client.send('lobby', text);
    expect(
      sockets
        .last()
        .framesOf('send')
        .map((f) => f.clientMsgId),
    ).toEqual(['cid-1']);

    sockets.last().drop();
    client.send('lobby', 'four');
    clock.advance(1_000);
    const s = sockets.last();
    s.open();
    expect(s.framesOf('send')).toEqual([]);
    s.receive({ type: 'joined', room: 'lobby', members: [alice], history: [] });
    expect(s.framesOf('send').map((f) => f.clientMsgId)).toEqual(['cid-1']);
    for (let n = 1; n <= 3; n++) s.receive({ type: 'ack', clientMsgId: `cid-${n}`, id: `m00000${n}`, ts: n });
    expect(s.framesOf('send').map((f) => f.clientMsgId)).toEqual(['cid-1', 'cid-2', 'cid-3', 'cid-4']);
  });

  it('holds a rate-limited room without holding up another room', () => {
    const { client, sockets, join, connect, room } = setup({ rateLimitRetryMs: 1_000 });
    const s = connect();
    join('lobby');
    join('dev');
    client.send('lobby', 'l1');
    client.send('lobby', 'l2');
    s.receive({ type: 'error', code: 'rate_limited', message: 'slow down', action: 'send', clientMsgId: 'cid-1' });
    client.send('dev', 'd1');
    s.receive({ type: 'ack', clientMsgId: 'cid-3', id: 'm000001', ts: 1 });
    client.send('dev', 'd2');
    expect(
      sockets
        .last()
        .framesOf('send')
        .map((f) => f.text),
    ).toEqual(['l1', 'd1', 'd2']);
    expect(room('lobby').outgoing.map((o) => [o.text, o.status])).toEqual([
      ['l1', 'pending'],
      ['l2', 'pending'],
    ]);
  });
});
