import { describe, expect, it } from 'vitest';
import { setup } from './client-harness.js';
import { alice, bob, msg } from './fake-websocket.js';

describe('ChatClient with room names that are Object.prototype members', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('joins, receives and sends in %s', (name) => {
    const { client, sockets, room, connect } = setup();
    const s = connect();
    expect(client.join(name)).toEqual({ ok: true, room: name });
    expect(s.framesOf('join')).toEqual([{ action: 'join', room: name }]);
    s.receive({ type: 'joined', room: name, members: [alice, bob], history: [msg(name, 1)] });
    expect(room(name).joined).toBe(true);
    expect(client.getSnapshot().roomOrder).toEqual([name]);

    s.receive({ type: 'message', ...msg(name, 2) });
    expect(room(name).messages.map((m) => m.text)).toEqual(['message 1', 'message 2']);
    expect(client.send(name, 'hi')).toMatchObject({ ok: true });
    expect(s.framesOf('send')).toEqual([{ action: 'send', room: name, text: 'hi', clientMsgId: 'cid-1' }]);
    s.receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000003', ts: 3 });
    expect(room(name).outgoing).toEqual([]);

    client.leave(name);
    expect(client.getSnapshot().rooms.has(name)).toBe(false);
    expect(sockets.last().framesOf('leave')).toEqual([{ action: 'leave', room: name }]);
  });
});

describe('ChatClient when delivery fails after the ack', () => {
  it('sends the stored message again with its clientMsgId, so the server re-drives the fan-out, a bounded number of times', () => {
    // A heartbeat slower than the test: the fake server answers no pings, and the socket must stay.
    const { client, clock, room, join, connect } = setup({ maxInternalResends: 2, heartbeatMs: 5 * 60_000 });
    const s = connect();
    join('lobby');
    client.send('lobby', 'hello');
    s.receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000001', ts: 1 });
    s.receive({ type: 'message', ...msg('lobby', 1, alice, 'cid-1'), text: 'hello' });
    expect(room('lobby').outgoing).toEqual([]);
    const internal = {
      type: 'error',
      code: 'internal',
      message: 'internal error, please retry',
      action: 'send',
      clientMsgId: 'cid-1',
    } as const;

    for (let i = 0; i < 3; i += 1) {
      s.receive(internal);
      clock.advance(20_000);
    }

    // Twice (the bound), the same message and clientMsgId; the third failure is reported.
    expect(s.framesOf('send').map((f) => [f.text, f.clientMsgId])).toEqual([
      ['hello', 'cid-1'],
      ['hello', 'cid-1'],
      ['hello', 'cid-1'],
    ]);
    expect(client.getSnapshot().notices.map((n) => n.code)).toEqual(['internal']);
    expect(room('lobby').messages.map((m) => m.id)).toEqual(['m000001']);
  });
});

describe('ChatClient and frames from a newer or forgetful server', () => {
  it('treats "connection expired" as a reason to reconnect, keeping its rooms and the send in flight', () => {
    // Prepare
    const { client, clock, sockets, room, join, connect } = setup();
    const first = connect();
    join('lobby');
    client.send('lobby', 'hello');
    client.send('lobby', 'again');

    // Act: the server no longer knows the connection.
    first.receive({
      type: 'error',
      code: 'unauthorized',
      message: 'connection expired',
      action: 'send',
      clientMsgId: 'cid-1',
    });

    // Assess: no failure shown, the socket is replaced after the backoff, and the queue resumes in order.
    expect(first.closedByClient).toBeDefined();
    expect(client.getSnapshot().status).toBe('reconnecting');
    expect(client.getSnapshot().notices).toEqual([]);
    expect(room('lobby').outgoing.map((o) => o.status)).toEqual(['pending', 'pending']);
    clock.advance(250);
    expect(sockets.all).toHaveLength(2);
    const second = sockets.last();
    second.open();
    expect(second.framesOf('join')).toEqual([{ action: 'join', room: 'lobby' }]);
    second.receive({ type: 'joined', room: 'lobby', members: [alice], history: [] });
    expect(second.framesOf('send').map((f) => [f.text, f.clientMsgId])).toEqual([['hello', 'cid-1']]);
  });

  it('backs off further when every new connection is forgotten again at once', () => {
    const { clock, sockets, connect } = setup();
    connect();
    const expired = { type: 'error', code: 'unauthorized', message: 'connection expired', action: 'join' } as const;
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = clock.now();
      sockets.last().receive(expired);
      const count = sockets.all.length;
      for (let t = 0; t < 60_000 && sockets.all.length === count; t++) clock.advance(1);
      delays.push(clock.now() - before);
      sockets.last().open();
    }
    expect(delays).toEqual([250, 500, 1_000]);
  });

  it('ignores a frame of an unknown type without a notice, but still reports a broken known frame', () => {
    const { client, room, join, connect } = setup();
    const s = connect();
    join('lobby');
    s.receiveRaw('{"type":"reaction","room":"lobby","id":"m000001","emoji":"+1"}');
    expect(client.getSnapshot().notices).toEqual([]);
    s.receive({ type: 'message', ...msg('lobby', 1) });
    expect(room('lobby').messages).toHaveLength(1);
    s.receiveRaw('{"type":"ack","clientMsgId":7}');
    expect(client.getSnapshot().notices.map((n) => n.code)).toEqual(['protocol']);
  });
});
