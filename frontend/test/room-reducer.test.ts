import { describe, expect, it } from 'vitest';
import type { Message } from '@chat/backend/protocol';
import { learnSelf, reduceRoom, settledSends, timelineOf, type RoomEvent } from '../src/realtime/room-reducer.js';
import { emptyRoom, type OutgoingMessage, type RoomState } from '../src/realtime/state.js';
import { alice, bob, msg } from './fake-websocket.js';

const queued = (clientMsgId: string): RoomEvent => ({
  type: 'queued',
  out: { clientMsgId, room: 'lobby', text: clientMsgId, status: 'pending', createdAt: 0 },
});
const mine = (n: number, clientMsgId: string): Message => ({
  ...msg('lobby', n, alice),
  clientMsgId,
  text: clientMsgId,
});
const apply = (...events: RoomEvent[]): RoomState => events.reduce(reduceRoom, emptyRoom('lobby'));
const shown = (room: RoomState) =>
  timelineOf(room).map((item) => (item.kind === 'stored' ? item.message.text : `(${item.out.clientMsgId})`));

describe('reduceRoom', () => {
  it('records why and until when the queue is held, and forgets it on release', () => {
    const hold = { code: 'rate_limited' as const, message: 'too many send frames: at most 20 per 10 s', until: 9 };
    const held = apply(queued('a'), { type: 'held', hold });
    expect(held.hold).toEqual(hold);
    const released = reduceRoom(held, { type: 'released' });
    expect(released.hold).toBeUndefined();
    expect('hold' in released).toBe(false);
    expect(reduceRoom(released, { type: 'released' })).toBe(released);
  });

  it('orders stored messages by id whatever path and order they arrive in, once each', () => {
    const room = apply(
      { type: 'stored', messages: [msg('lobby', 5), msg('lobby', 3)] }, // live frames out of order
      { type: 'stored', messages: [msg('lobby', 1), msg('lobby', 2), msg('lobby', 3)] }, // join snapshot
      { type: 'stored', messages: [msg('lobby', 4), msg('lobby', 5)] }, // gap fill
    );
    expect(room.messages.map((m) => m.id)).toEqual(['m000001', 'm000002', 'm000003', 'm000004', 'm000005']);
  });

  it('shows own sends not stored yet after the stored ones, in queue order, and settles them by clientMsgId', () => {
    const before = apply(queued('c1'), queued('c2'), queued('c3'), { type: 'stored', messages: [msg('lobby', 1)] });
    expect(shown(before)).toEqual(['message 1', '(c1)', '(c2)', '(c3)']);
    // c2's ack arrives first (it was the one on the wire after c1 failed); an older message of bob's arrives too.
    const after = reduceRoom(before, { type: 'stored', messages: [mine(3, 'c2'), msg('lobby', 2)] });
    expect(shown(after)).toEqual(['message 1', 'message 2', 'c2', '(c1)', '(c3)']);
    expect(after.acked).toEqual(new Set(['m000003']));
    expect(settledSends(before, after)).toEqual(['c2']);
  });

  it('settles a send once even when the ack and the echo both arrive', () => {
    const once = apply(queued('c1'), { type: 'stored', messages: [mine(1, 'c1')] });
    const twice = reduceRoom(once, { type: 'stored', messages: [mine(1, 'c1')] });
    expect(twice.messages).toHaveLength(1);
    expect(settledSends(once, twice)).toEqual([]);
  });

  it('moves a retried send behind the ones queued meanwhile', () => {
    const room = apply(
      queued('c1'),
      queued('c2'),
      { type: 'failed', clientMsgId: 'c1', error: 'nope' },
      { type: 'requeued', clientMsgId: 'c1' },
    );
    expect(room.outgoing.map((o: OutgoingMessage) => [o.clientMsgId, o.status])).toEqual([
      ['c2', 'pending'],
      ['c1', 'pending'],
    ]);
    expect(room.outgoing[1]!.error).toBeUndefined();
  });

  it('requeues and discards nothing that is not failed', () => {
    const room = apply(queued('c1'));
    expect(reduceRoom(room, { type: 'requeued', clientMsgId: 'c1' })).toBe(room);
    expect(reduceRoom(room, { type: 'requeued', clientMsgId: 'nope' })).toBe(room);
    expect(reduceRoom(room, { type: 'failed', clientMsgId: 'nope', error: 'x' })).toBe(room);
  });

  it('keys messages by id even when ids look like Object.prototype members', () => {
    const odd = ['__proto__', 'constructor', 'toString'].map((id, i) => ({ ...msg('lobby', i), id }));
    const room = apply({ type: 'stored', messages: odd }, { type: 'stored', messages: odd });
    expect(room.messages.map((m) => m.id)).toEqual(['__proto__', 'constructor', 'toString']);
  });
});

describe('learnSelf', () => {
  it('learns identity from a message that settles a queued send or carries an acked id, not from a copy', () => {
    const room = apply(queued('c1'));
    expect(learnSelf(room, [{ ...msg('lobby', 9, bob), clientMsgId: 'other' }], undefined)).toBeUndefined();
    expect(learnSelf(room, [mine(1, 'c1')], undefined)).toEqual(alice);
    const acked = reduceRoom(room, {
      type: 'stored',
      messages: [{ ...mine(1, 'c1'), sender: { userId: '', name: 'alice' } }],
    });
    expect(learnSelf(acked, [{ ...msg('lobby', 2, bob), clientMsgId: 'c1' }], undefined)).toBeUndefined();
    expect(learnSelf(acked, [mine(1, 'c1')], undefined)).toEqual(alice);
  });
});
