import { describe, expect, it } from 'vitest';
import type { Message } from '@chat/backend/protocol';
import { fullJitterDelay } from '../src/realtime/backoff.js';
import { type ChatClientOptions } from '../src/realtime/chat-client.js';
import type { ConnectionStatus } from '../src/realtime/state.js';
import { setup as setupClient } from './client-harness.js';
import { alice, bob, msg, range } from './fake-websocket.js';

/** The shared harness, plus a start-open-join shortcut with the given history. */
function setup(overrides: Partial<ChatClientOptions> = {}) {
  const harness = setupClient(overrides);
  const joinRoom = (name: string, history: Message[] = [], members = [alice, bob]) => {
    harness.connect();
    harness.client.join(name);
    harness.sockets.last().receive({ type: 'joined', room: name, members, history });
  };
  return { ...harness, joinRoom };
}

const ids = (messages: readonly Message[]) => messages.map((m) => m.id);
const nums = (from: number, to: number) => range(from, to).map((n) => `m${String(n).padStart(6, '0')}`);

describe('fullJitterDelay', () => {
  const options = { baseMs: 500, maxMs: 30_000 };

  it('stays within [0, min(max, base * 2^attempt)) for any random value', () => {
    // Prepare
    const randoms = [0, 0.1, 0.5, 0.999_999_9, 1];
    for (let attempt = 0; attempt <= 12; attempt++) {
      const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
      for (const r of randoms) {
        // Act
        const delay = fullJitterDelay(attempt, options, () => r);
        // Assess
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('doubles its ceiling per attempt until the cap', () => {
    const almostOne = () => 0.999_999;
    expect(fullJitterDelay(0, options, almostOne)).toBe(499);
    expect(fullJitterDelay(1, options, almostOne)).toBe(999);
    expect(fullJitterDelay(3, options, almostOne)).toBe(3_999);
    expect(fullJitterDelay(6, options, almostOne)).toBe(29_999);
    expect(fullJitterDelay(40, options, almostOne)).toBe(29_999);
  });

  it('spreads delays over the whole window (full jitter, not equal jitter)', () => {
    expect(fullJitterDelay(5, options, () => 0)).toBe(0);
    expect(fullJitterDelay(5, options, () => 0.25)).toBe(4_000);
  });
});

describe('ChatClient connection', () => {
  it('connects with the guest name or the token in the query string', () => {
    const guest = setup({ credentials: { name: 'al ice' } });
    guest.client.start();
    expect(guest.sockets.last().url).toBe('ws://localhost:3001/?name=al+ice');

    const jwt = setup({ credentials: { token: 'a.b.c' }, url: 'wss://example.com/dev' });
    jwt.client.start();
    expect(jwt.sockets.last().url).toBe('wss://example.com/dev?token=a.b.c');
  });

  it('reports connecting, open, reconnecting and idle as status events', () => {
    const { client, sockets } = setup();
    const seen: ConnectionStatus[] = [];
    client.on('status', (s) => seen.push(s));
    client.start();
    sockets.last().open();
    sockets.last().drop();
    client.stop();
    expect(seen).toEqual(['connecting', 'open', 'reconnecting', 'idle']);
  });

  it('waits a jittered, growing delay between failed attempts and resets after a successful open', () => {
    // Prepare: random 0.5 puts each delay at half the window: 250, 500, 1000, 2000 ms.
    const { client, sockets, clock } = setup({ backoff: { baseMs: 500, maxMs: 1_500 } });
    client.start();
    const expected = [250, 500, 750, 750];
    for (const delay of expected) {
      // Act: the handshake fails.
      sockets.last().drop();
      const before = sockets.all.length;
      const state = client.getSnapshot();
      // Assess
      expect(state.status).toBe('reconnecting');
      expect(state.nextRetryAt! - clock.now()).toBe(delay);
      clock.advance(delay - 1);
      expect(sockets.all.length).toBe(before);
      clock.advance(1);
      expect(sockets.all.length).toBe(before + 1);
    }
    expect(client.getSnapshot().attempt).toBe(4);
    sockets.last().open();
    expect(client.getSnapshot().attempt).toBe(0);
    sockets.last().drop();
    expect(client.getSnapshot().nextRetryAt! - clock.now()).toBe(250);
  });

  it('skips the backoff on reconnectNow and never reconnects after stop', () => {
    const { client, sockets, clock } = setup();
    client.start();
    sockets.last().open();
    sockets.last().drop();
    client.reconnectNow();
    expect(sockets.all).toHaveLength(2);
    client.stop();
    expect(sockets.all[1]!.closedByClient).toBeDefined();
    clock.advance(10 * 60_000);
    expect(sockets.all).toHaveLength(2);
    expect(client.getSnapshot().status).toBe('idle');
  });

  it('abandons a handshake that hangs and retries with backoff', () => {
    // A heartbeat slower than the test, so only the handshake timer could close the opened socket.
    const { client, sockets, clock } = setup({ connectTimeoutMs: 10_000, heartbeatMs: 5 * 60_000 });
    client.start();
    clock.advance(9_999);
    expect(sockets.last().closedByClient).toBeUndefined();
    clock.advance(1);
    expect(sockets.last().closedByClient).toEqual({ code: 1000, reason: 'handshake timeout' });
    expect(client.getSnapshot().status).toBe('reconnecting');
    clock.advance(250);
    expect(sockets.all).toHaveLength(2);
    sockets.last().open();
    clock.advance(60_000);
    expect(sockets.all).toHaveLength(2);
  });

  it('pings every heartbeat interval, well under the 10-minute idle timeout', () => {
    const { client, sockets, clock } = setup();
    client.start();
    const socket = sockets.last();
    socket.open();
    clock.advance(15_000 - 1);
    expect(socket.framesOf('ping')).toHaveLength(0);
    clock.advance(1);
    expect(socket.framesOf('ping')).toHaveLength(1);
    socket.receive({ type: 'pong' });
    clock.advance(15_000);
    expect(socket.framesOf('ping')).toHaveLength(2);
    socket.receive({ type: 'pong' });
    expect(sockets.all).toHaveLength(1);
  });

  it('notices a server that stopped answering within 30 s with the default options, and reconnects', () => {
    // Prepare: an open socket; the server goes silent right after.
    const { client, sockets, clock } = setup();
    client.start();
    const first = sockets.last();
    first.open();
    // Act
    clock.advance(30_000);
    // Assess: the unanswered ping got the socket replaced, without waiting for a backoff.
    expect(first.framesOf('ping')).toHaveLength(1);
    expect(first.closedByClient).toEqual({ code: 1000, reason: 'no pong' });
    expect(sockets.all).toHaveLength(2);
    expect(client.getSnapshot().status).toBe('reconnecting');
  });

  it('checkConnection pings an open socket at once and reconnects a closed one without the backoff', () => {
    const { client, sockets, clock } = setup({ pongTimeoutMs: 5_000 });
    client.start();
    sockets.last().open();
    client.checkConnection();
    client.checkConnection(); // one ping in flight at a time
    expect(sockets.last().framesOf('ping')).toHaveLength(1);
    clock.advance(5_000);
    expect(sockets.all).toHaveLength(2);
    sockets.last().drop();
    expect(client.getSnapshot().nextRetryAt).toBeDefined();
    client.checkConnection();
    expect(sockets.all).toHaveLength(3);
  });

  it('probes the connection when a send gets no ack', () => {
    const { client, joinRoom, sockets, clock } = setup({ ackTimeoutMs: 5_000 });
    joinRoom('lobby');
    client.send('lobby', 'hello');
    clock.advance(5_000);
    expect(sockets.last().framesOf('ping')).toHaveLength(1);
  });

  it('caps the reconnect delay at 8 s by default, so a server that is back is found promptly', () => {
    const { client, sockets, clock } = setup({ random: () => 0.999 });
    client.start();
    for (let i = 0; i < 10; i++) {
      sockets.last().drop();
      const wait = client.getSnapshot().nextRetryAt! - clock.now();
      expect(wait).toBeLessThan(8_000);
      clock.advance(wait);
    }
    expect(sockets.all).toHaveLength(11);
  });

  it('replaces a socket that does not answer a ping', () => {
    const { client, sockets, clock } = setup({ heartbeatMs: 1_000, pongTimeoutMs: 500 });
    client.start();
    const first = sockets.last();
    first.open();
    clock.advance(1_000);
    expect(first.framesOf('ping')).toHaveLength(1);
    clock.advance(499);
    expect(sockets.all).toHaveLength(1);
    clock.advance(1);
    expect(first.closedByClient).toBeDefined();
    expect(sockets.all).toHaveLength(2);
  });

  it('reconnects on its own before the 2-hour connection limit and re-joins its rooms', () => {
    const { sockets, clock, joinRoom } = setup({ heartbeatMs: 5 * 60_000 });
    joinRoom('lobby');
    const first = sockets.last();
    // Keep the heartbeat answered for almost two hours.
    for (let i = 0; i < 22; i++) {
      clock.advance(5 * 60_000);
      first.receive({ type: 'pong' });
    }
    expect(sockets.all).toHaveLength(1);
    clock.advance(5 * 60_000);
    expect(first.closedByClient).toEqual({ code: 1000, reason: 'recycle' });
    expect(sockets.all).toHaveLength(2);
    expect(clock.now() - 1_700_000_000_000).toBeLessThan(2 * 60 * 60_000);
    sockets.last().open();
    expect(sockets.last().framesOf('join')).toEqual([{ action: 'join', room: 'lobby' }]);
  });

  it("reports API Gateway's own error frames as server errors and lets the ack timeout fail the send", () => {
    const { client, joinRoom, sockets, clock, room } = setup({ ackTimeoutMs: 5_000 });
    joinRoom('lobby');
    client.send('lobby', 'hello');
    sockets.last().receiveRaw('{"message": "Internal server error", "connectionId":"abc=", "requestId":"r-1"}');
    expect(client.getSnapshot().notices.at(-1)).toMatchObject({
      code: 'internal',
      message: expect.stringContaining('Internal server error'),
    });
    clock.advance(5_000);
    expect(room('lobby').outgoing[0]?.status).toBe('failed');
  });

  it('ignores a malformed frame and tells the user', () => {
    const { client, sockets } = setup();
    client.start();
    sockets.last().open();
    sockets.last().receiveRaw('{"type":"message","room":1}');
    expect(client.getSnapshot().notices.map((n) => n.code)).toEqual(['protocol']);
  });
});

describe('ChatClient rooms and history', () => {
  it('joins, fills members and history, and tracks presence', () => {
    const { room, joinRoom, sockets } = setup();
    joinRoom('lobby', [msg('lobby', 1), msg('lobby', 2)], [alice]);
    expect(sockets.last().framesOf('join')).toEqual([{ action: 'join', room: 'lobby' }]);
    expect(room('lobby').joined).toBe(true);
    expect(ids(room('lobby').messages)).toEqual(nums(1, 2));
    expect(room('lobby').hasMore).toBe(false);

    sockets.last().receive({ type: 'presence', room: 'lobby', user: bob, state: 'joined' });
    expect(room('lobby').members).toEqual([alice, bob]);
    sockets.last().receive({ type: 'presence', room: 'lobby', user: bob, state: 'joined' });
    expect(room('lobby').members).toEqual([alice, bob]);
    sockets.last().receive({ type: 'presence', room: 'lobby', user: alice, state: 'left' });
    expect(room('lobby').members).toEqual([bob]);
  });

  it('rejects an invalid room name without sending anything', () => {
    const { client, sockets } = setup();
    client.start();
    sockets.last().open();
    expect(client.join('no spaces')).toMatchObject({ ok: false });
    expect(sockets.last().frames).toEqual([]);
  });

  it('de-duplicates messages arriving live, in the join snapshot and in history pages', () => {
    const { room, joinRoom, sockets } = setup();
    joinRoom('lobby', [msg('lobby', 1), msg('lobby', 2)]);
    const s = sockets.last();
    s.receive({ type: 'message', ...msg('lobby', 3) });
    s.receive({ type: 'message', ...msg('lobby', 3) });
    s.receive({ type: 'message', ...msg('lobby', 2) });
    s.receive({ type: 'history', room: 'lobby', messages: [msg('lobby', 1), msg('lobby', 3)], hasMore: false });
    expect(ids(room('lobby').messages)).toEqual(nums(1, 3));
  });

  it('loads older pages before the oldest message until hasMore is false', () => {
    const { client, room, joinRoom, sockets } = setup();
    joinRoom(
      'lobby',
      range(51, 100).map((n) => msg('lobby', n)),
    );
    expect(room('lobby').hasMore).toBe(true);
    const s = sockets.last();

    client.loadOlder('lobby');
    client.loadOlder('lobby'); // ignored while the first page is on its way
    expect(s.framesOf('history')).toEqual([{ action: 'history', room: 'lobby', before: 'm000051', limit: 50 }]);
    expect(room('lobby').loadingOlder).toBe(true);

    s.receive({ type: 'history', room: 'lobby', messages: range(1, 50).map((n) => msg('lobby', n)), hasMore: false });
    expect(room('lobby').loadingOlder).toBe(false);
    expect(room('lobby').hasMore).toBe(false);
    expect(ids(room('lobby').messages)).toEqual(nums(1, 100));

    client.loadOlder('lobby');
    expect(s.framesOf('history')).toHaveLength(1);
  });

  it('after a reconnect re-joins every room and walks history back until the gap is closed', () => {
    // Prepare: in two rooms, having seen lobby messages 1..10.
    const { client, room, joinRoom, sockets, clock } = setup();
    joinRoom(
      'lobby',
      range(1, 10).map((n) => msg('lobby', n)),
    );
    client.join('dev');
    sockets.last().receive({ type: 'joined', room: 'dev', members: [alice], history: [] });

    // Act: the connection dies while 100 messages are posted to lobby.
    sockets.last().drop();
    clock.advance(1_000);
    const s = sockets.last();
    expect(sockets.all).toHaveLength(2);
    s.open();

    // Assess: both rooms re-joined.
    expect(s.framesOf('join').map((f) => f.room)).toEqual(['lobby', 'dev']);
    s.receive({
      type: 'joined',
      room: 'lobby',
      members: [alice, bob],
      history: range(61, 110).map((n) => msg('lobby', n)),
    });
    s.receive({ type: 'joined', room: 'dev', members: [alice], history: [] });
    expect(s.framesOf('history')).toEqual([{ action: 'history', room: 'lobby', before: 'm000061', limit: 100 }]);

    s.receive({ type: 'history', room: 'lobby', messages: range(31, 60).map((n) => msg('lobby', n)), hasMore: true });
    expect(s.framesOf('history').at(-1)).toEqual({ action: 'history', room: 'lobby', before: 'm000031', limit: 100 });

    s.receive({ type: 'history', room: 'lobby', messages: range(5, 30).map((n) => msg('lobby', n)), hasMore: true });
    expect(s.framesOf('history')).toHaveLength(2);
    expect(ids(room('lobby').messages)).toEqual(nums(1, 110));
    expect(room('dev').joined).toBe(true);
  });

  it('stops filling a gap after maxGapPages pages and says so', () => {
    const { client, joinRoom, sockets, clock } = setup({ maxGapPages: 2 });
    joinRoom('lobby', [msg('lobby', 1)]);
    sockets.last().drop();
    clock.advance(1_000);
    const s = sockets.last();
    s.open();
    s.receive({
      type: 'joined',
      room: 'lobby',
      members: [alice],
      history: range(1001, 1050).map((n) => msg('lobby', n)),
    });
    s.receive({
      type: 'history',
      room: 'lobby',
      messages: range(901, 1000).map((n) => msg('lobby', n)),
      hasMore: true,
    });
    expect(s.framesOf('history')).toHaveLength(2);
    s.receive({ type: 'history', room: 'lobby', messages: range(801, 900).map((n) => msg('lobby', n)), hasMore: true });
    expect(s.framesOf('history')).toHaveLength(2);
    expect(client.getSnapshot().notices.at(-1)?.message).toMatch(/Too many missed messages in lobby/);
  });

  it('releases a waiting page when the server refuses the history request', () => {
    const { client, room, joinRoom, sockets } = setup();
    joinRoom(
      'lobby',
      range(51, 100).map((n) => msg('lobby', n)),
    );
    client.loadOlder('lobby');
    sockets.last().receive({ type: 'error', code: 'bad_request', message: 'before: invalid', action: 'history' });
    expect(room('lobby').loadingOlder).toBe(false);
    client.loadOlder('lobby');
    expect(sockets.last().framesOf('history')).toHaveLength(2);
  });

  it('does not fetch a gap when the join snapshot already overlaps what it had', () => {
    const { room, joinRoom, sockets, clock } = setup();
    joinRoom(
      'lobby',
      range(1, 10).map((n) => msg('lobby', n)),
    );
    sockets.last().drop();
    clock.advance(1_000);
    const s = sockets.last();
    s.open();
    s.receive({ type: 'joined', room: 'lobby', members: [alice], history: range(1, 14).map((n) => msg('lobby', n)) });
    expect(s.framesOf('history')).toEqual([]);
    expect(ids(room('lobby').messages)).toEqual(nums(1, 14));
  });

  it('retries a history request that gets no answer, then gives up with a notice', () => {
    const { client, room, joinRoom, sockets, clock } = setup({ historyTimeoutMs: 1_000 });
    joinRoom(
      'lobby',
      range(51, 100).map((n) => msg('lobby', n)),
    );
    client.loadOlder('lobby');
    clock.advance(3_000);
    expect(sockets.last().framesOf('history')).toHaveLength(3);
    expect(room('lobby').loadingOlder).toBe(false);
    expect(client.getSnapshot().notices.at(-1)?.code).toBe('timeout');
  });

  it('drops a room whose join the server refused, when it was the only join outstanding', () => {
    const { client, joinRoom, sockets } = setup();
    joinRoom('lobby');
    client.join('room9');
    sockets.last().receive({ type: 'error', code: 'bad_request', message: 'at most 8 rooms', action: 'join' });
    expect(client.getSnapshot().roomOrder).toEqual(['lobby']);
    expect(client.getSnapshot().notices.at(-1)?.message).toBe('Could not join #room9: at most 8 rooms');
  });

  it('keeps every room when a join error cannot be attributed to one', () => {
    const { client, sockets } = setup();
    client.start();
    sockets.last().open();
    client.join('a');
    client.join('b');
    sockets.last().receive({ type: 'error', code: 'internal', message: 'boom', action: 'join' });
    expect(client.getSnapshot().roomOrder).toEqual(['a', 'b']);
    expect(client.getSnapshot().notices.at(-1)?.message).toBe('boom');
  });

  it('forgets a room on leave and sends leave', () => {
    const { client, joinRoom, sockets } = setup();
    joinRoom('lobby');
    client.leave('lobby');
    expect(client.getSnapshot().rooms.get('lobby')).toBeUndefined();
    expect(client.getSnapshot().roomOrder).toEqual([]);
    expect(sockets.last().framesOf('leave')).toEqual([{ action: 'leave', room: 'lobby' }]);
    sockets.last().receive({ type: 'message', ...msg('lobby', 1) });
    expect(client.getSnapshot().rooms.get('lobby')).toBeUndefined();
  });
});

describe('ChatClient sending', () => {
  it('goes pending -> acked, and the echo does not duplicate it', () => {
    const { client, room, joinRoom, sockets } = setup();
    joinRoom('lobby');
    const s = sockets.last();

    const result = client.send('lobby', 'hello');
    expect(result).toEqual({ ok: true, clientMsgId: 'cid-1' });
    expect(s.framesOf('send')).toEqual([{ action: 'send', room: 'lobby', text: 'hello', clientMsgId: 'cid-1' }]);
    expect(room('lobby').outgoing).toMatchObject([{ clientMsgId: 'cid-1', status: 'pending', text: 'hello' }]);

    s.receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000007', ts: 7 });
    expect(room('lobby').outgoing).toEqual([]);
    expect(room('lobby').acked.has('m000007')).toBe(true);
    expect(room('lobby').messages).toMatchObject([{ id: 'm000007', text: 'hello', clientMsgId: 'cid-1' }]);

    s.receive({
      type: 'message',
      room: 'lobby',
      id: 'm000007',
      ts: 7,
      sender: alice,
      text: 'hello',
      clientMsgId: 'cid-1',
    });
    expect(room('lobby').messages).toHaveLength(1);
    expect(room('lobby').messages[0]!.sender).toEqual(alice);
    expect(client.getSnapshot().self).toEqual(alice);
  });

  it('learns its identity only from the echo of an acknowledged id, not from a copied clientMsgId', () => {
    const { client, room, joinRoom, sockets } = setup();
    joinRoom('lobby');
    const s = sockets.last();
    client.send('lobby', 'mine');
    s.receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000001', ts: 1 });
    const mallory = { userId: 'u-mallory', name: 'mallory' };
    s.receive({
      type: 'message',
      room: 'lobby',
      id: 'm000002',
      ts: 2,
      sender: mallory,
      text: 'copy',
      clientMsgId: 'cid-1',
    });
    expect(client.getSnapshot().self).toBeUndefined();
    expect(room('lobby').acked.has('m000002')).toBe(false);
    s.receive({
      type: 'message',
      room: 'lobby',
      id: 'm000001',
      ts: 1,
      sender: alice,
      text: 'mine',
      clientMsgId: 'cid-1',
    });
    expect(client.getSnapshot().self).toEqual(alice);
    expect(ids(room('lobby').messages)).toEqual(['m000001', 'm000002']);
  });

  it('refuses empty or oversized text before sending', () => {
    const { client, joinRoom, sockets } = setup();
    joinRoom('lobby');
    expect(client.send('lobby', '   ')).toMatchObject({ ok: false });
    expect(client.send('lobby', 'x'.repeat(4001))).toMatchObject({ ok: false });
    expect(sockets.last().framesOf('send')).toEqual([]);
  });

  it('marks a send failed on a final error frame for its clientMsgId, and retries with the same id', () => {
    const { client, room, joinRoom, sockets } = setup();
    joinRoom('lobby');
    const s = sockets.last();
    client.send('lobby', 'hello');
    s.receive({ type: 'error', code: 'not_member', message: 'join first', action: 'send', clientMsgId: 'cid-1' });
    expect(room('lobby').outgoing).toMatchObject([{ clientMsgId: 'cid-1', status: 'failed', error: 'join first' }]);
    expect(client.getSnapshot().notices).toMatchObject([{ code: 'not_member', message: 'join first' }]);

    client.retry('cid-1');
    expect(room('lobby').outgoing).toMatchObject([{ clientMsgId: 'cid-1', status: 'pending' }]);
    expect(s.framesOf('send').map((f) => f.clientMsgId)).toEqual(['cid-1', 'cid-1']);
    s.receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000001', ts: 1 });
    expect(room('lobby').outgoing).toEqual([]);
    expect(room('lobby').messages).toHaveLength(1);
  });

  it('re-sends a rate_limited send by itself in a later window, a few times, then lets the user retry', () => {
    const { client, room, joinRoom, sockets, clock } = setup({ rateLimitRetryMs: 1_000 });
    joinRoom('lobby');
    const s = sockets.last();
    client.send('lobby', 'burst');
    const refuse = () =>
      s.receive({ type: 'error', code: 'rate_limited', message: 'slow down', action: 'send', clientMsgId: 'cid-1' });
    for (let resend = 1; resend <= 3; resend++) {
      refuse();
      expect(room('lobby').outgoing).toMatchObject([{ clientMsgId: 'cid-1', status: 'pending' }]);
      clock.advance(2_000); // base wait plus the most jitter
      expect(s.framesOf('send').map((f) => f.clientMsgId)).toHaveLength(1 + resend);
    }
    expect(client.getSnapshot().notices).toEqual([]);
    refuse();
    expect(room('lobby').outgoing).toMatchObject([{ clientMsgId: 'cid-1', status: 'failed', error: 'slow down' }]);
    expect(client.getSnapshot().notices).toMatchObject([{ code: 'rate_limited' }]);
  });

  it('fails a send that is never acknowledged, and still accepts a late ack', () => {
    const { client, room, joinRoom, sockets, clock } = setup({ ackTimeoutMs: 5_000 });
    joinRoom('lobby');
    client.send('lobby', 'hello');
    clock.advance(4_999);
    expect(room('lobby').outgoing[0]!.status).toBe('pending');
    clock.advance(1);
    expect(room('lobby').outgoing[0]!.status).toBe('failed');
    sockets.last().receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000001', ts: 1 });
    expect(room('lobby').outgoing).toEqual([]);
    expect(ids(room('lobby').messages)).toEqual(['m000001']);
  });

  it('lets the user discard a failed send', () => {
    const { client, room, joinRoom, sockets } = setup();
    joinRoom('lobby');
    client.send('lobby', 'hello');
    sockets.last().receive({ type: 'error', code: 'too_large', message: 'too big', clientMsgId: 'cid-1' });
    client.discard('cid-1');
    expect(room('lobby').outgoing).toEqual([]);
  });

  it('queues sends while disconnected and sends them one by one once the room is re-joined', () => {
    const { client, room, joinRoom, sockets, clock } = setup();
    joinRoom('lobby');
    sockets.last().drop();
    client.send('lobby', 'one');
    client.send('lobby', 'two');
    expect(room('lobby').outgoing.map((o) => o.status)).toEqual(['pending', 'pending']);

    clock.advance(1_000);
    const s = sockets.last();
    s.open();
    expect(s.framesOf('send')).toEqual([]); // not before the server confirms the join
    s.receive({ type: 'joined', room: 'lobby', members: [alice], history: [] });
    expect(s.framesOf('send').map((f) => [f.text, f.clientMsgId])).toEqual([['one', 'cid-1']]);
    s.receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000001', ts: 1 });
    expect(s.framesOf('send').map((f) => [f.text, f.clientMsgId])).toEqual([
      ['one', 'cid-1'],
      ['two', 'cid-2'],
    ]);
  });

  it('re-sends an unacknowledged send after a reconnect with the same id, unless history shows it stored', () => {
    const { client, room, joinRoom, sockets, clock } = setup();
    joinRoom('lobby');
    client.send('lobby', 'stored');
    client.send('lobby', 'lost');
    sockets.last().drop();
    clock.advance(1_000);
    const s = sockets.last();
    s.open();
    const stored: Message = {
      room: 'lobby',
      id: 'm000001',
      ts: 1,
      sender: alice,
      text: 'stored',
      clientMsgId: 'cid-1',
    };
    s.receive({ type: 'joined', room: 'lobby', members: [alice], history: [stored] });
    expect(s.framesOf('send')).toEqual([{ action: 'send', room: 'lobby', text: 'lost', clientMsgId: 'cid-2' }]);
    expect(room('lobby').outgoing.map((o) => o.clientMsgId)).toEqual(['cid-2']);
    expect(room('lobby').messages).toEqual([stored]);
  });
});

describe('ChatClient typing', () => {
  it('throttles outgoing typing frames per room', () => {
    const { client, joinRoom, sockets, clock } = setup({ typingThrottleMs: 2_000 });
    joinRoom('lobby');
    for (let i = 0; i < 5; i++) {
      client.typing('lobby');
      clock.advance(300);
    }
    expect(sockets.last().framesOf('typing')).toHaveLength(1);
    clock.advance(500);
    client.typing('lobby');
    expect(sockets.last().framesOf('typing')).toHaveLength(2);
  });

  it('shows who is typing until the indicator expires or their message arrives', () => {
    const { room, joinRoom, sockets, clock } = setup({ typingTtlMs: 3_000 });
    joinRoom('lobby');
    const s = sockets.last();
    s.receive({ type: 'typing', room: 'lobby', user: bob });
    expect(room('lobby').typing.map((t) => t.user.name)).toEqual(['bob']);
    clock.advance(2_000);
    s.receive({ type: 'typing', room: 'lobby', user: bob }); // refreshes
    clock.advance(2_000);
    expect(room('lobby').typing).toHaveLength(1);
    clock.advance(1_000);
    expect(room('lobby').typing).toEqual([]);

    s.receive({ type: 'typing', room: 'lobby', user: bob });
    s.receive({ type: 'message', ...msg('lobby', 1, bob) });
    expect(room('lobby').typing).toEqual([]);
  });
});
