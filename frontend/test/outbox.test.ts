import { describe, expect, it } from 'vitest';
import { Outbox, type OutboxOptions, type OutboxPort } from '../src/realtime/outbox.js';
import type { OutgoingMessage } from '../src/realtime/state.js';
import { FakeClock } from './fake-clock.js';

/** The outbox against an in-memory queue and wire: no socket, no client. */
function setup(overrides: Partial<OutboxOptions> = {}, hooks: Partial<OutboxPort> = {}) {
  const clock = new FakeClock();
  const queues = new Map<string, OutgoingMessage[]>();
  const wire: string[] = [];
  let open = true;
  const outbox = new Outbox(
    {
      queue: (room) => queues.get(room) ?? [],
      transmit: (out) => {
        if (open) wire.push(out.clientMsgId);
        return open;
      },
      giveUp: (out, error) => {
        queues.set(
          out.room,
          (queues.get(out.room) ?? []).map((o) => (o === out ? { ...o, status: 'failed', error } : o)),
        );
      },
      ...hooks,
    },
    {
      timers: clock,
      random: () => 0.5,
      ackTimeoutMs: 5_000,
      rateLimitRetryMs: 1_000,
      maxRateLimitedResends: 3,
      internalBackoff: { baseMs: 400, maxMs: 10_000 },
      maxInternalResends: 2,
      ...overrides,
    },
  );
  const enqueue = (room: string, ...ids: string[]) => {
    const list = queues.get(room) ?? [];
    for (const id of ids) list.push({ clientMsgId: id, room, text: id, status: 'pending', createdAt: 0 });
    queues.set(room, list);
    outbox.pump(room);
  };
  /** What the client does on an ack: the send leaves the queue, then the outbox hears of it. */
  const ack = (room: string, id: string) => {
    queues.set(
      room,
      (queues.get(room) ?? []).filter((o) => o.clientMsgId !== id),
    );
    outbox.settled(room, id);
  };
  const find = (room: string, id: string) => (queues.get(room) ?? []).find((o) => o.clientMsgId === id)!;
  const refuse = (room: string, id: string, code: 'rate_limited' | 'internal' | 'bad_request') =>
    outbox.refused(find(room, id), code, code);
  const setOpen = (value: boolean) => {
    open = value;
  };
  return { clock, outbox, wire, enqueue, ack, refuse, find, setOpen };
}

describe('Outbox', () => {
  it('sends one message of a room at a time, the next only after the previous ack', () => {
    const { wire, enqueue, ack } = setup();
    enqueue('lobby', 'a', 'b', 'c');
    expect(wire).toEqual(['a']);
    ack('lobby', 'a');
    expect(wire).toEqual(['a', 'b']);
    ack('lobby', 'b');
    expect(wire).toEqual(['a', 'b', 'c']);
  });

  it('keeps a rate_limited send at the head and re-sends it in a later window before anything behind it', () => {
    const { wire, enqueue, ack, refuse, clock, find } = setup();
    enqueue('lobby', 'a', 'b');
    expect(refuse('lobby', 'a', 'rate_limited')).toBe(true);
    enqueue('lobby', 'c'); // typed meanwhile: neither it nor the held one goes out before the delay
    clock.advance(1_124); // base wait plus half the jitter (up to a quarter of the base)
    expect(wire).toEqual(['a']);
    clock.advance(1);
    expect(wire).toEqual(['a', 'a']);
    expect(find('lobby', 'a').status).toBe('pending');
    ack('lobby', 'a');
    expect(wire).toEqual(['a', 'a', 'b']);
    ack('lobby', 'b');
    expect(wire).toEqual(['a', 'a', 'b', 'c']);
  });

  it('tells the client when a room is held back and when it moves again', () => {
    const holds: string[] = [];
    const { enqueue, ack, refuse, clock } = setup(
      {},
      {
        held: (room, hold) => holds.push(`held ${room} ${hold.code} ${hold.until - clock.now()}`),
        released: (room) => holds.push(`released ${room}`),
      },
    );
    enqueue('lobby', 'a');
    refuse('lobby', 'a', 'rate_limited');
    expect(holds).toEqual(['held lobby rate_limited 1125']);
    clock.advance(1_125);
    expect(holds).toEqual(['held lobby rate_limited 1125', 'released lobby']);
    refuse('lobby', 'a', 'internal');
    ack('lobby', 'a'); // history showed it stored meanwhile
    expect(holds.slice(2)).toEqual(['held lobby internal 200', 'released lobby']);
  });

  it('gives up on a send after its last rate-limited re-send and moves on to the next', () => {
    const { wire, enqueue, refuse, clock, find } = setup();
    enqueue('lobby', 'a', 'b');
    for (let i = 0; i < 3; i++) {
      expect(refuse('lobby', 'a', 'rate_limited')).toBe(true);
      clock.advance(2_000);
    }
    expect(refuse('lobby', 'a', 'rate_limited')).toBe(false);
    expect(find('lobby', 'a')).toMatchObject({ status: 'failed', error: 'rate_limited' });
    expect(wire).toEqual(['a', 'a', 'a', 'a', 'b']);
  });

  it('re-sends after an internal error with the same id and a growing delay, a bounded number of times', () => {
    const { wire, enqueue, refuse, clock, find } = setup();
    enqueue('lobby', 'a', 'b');
    refuse('lobby', 'a', 'internal');
    clock.advance(199); // half of the first 400 ms window
    expect(wire).toEqual(['a']);
    clock.advance(1);
    expect(wire).toEqual(['a', 'a']);
    refuse('lobby', 'a', 'internal');
    clock.advance(399); // half of the doubled window
    expect(wire).toEqual(['a', 'a']);
    clock.advance(1);
    expect(wire).toEqual(['a', 'a', 'a']);
    expect(refuse('lobby', 'a', 'internal')).toBe(false);
    expect(find('lobby', 'a').status).toBe('failed');
    expect(wire).toEqual(['a', 'a', 'a', 'b']);
  });

  it('moves on at once after a final error', () => {
    const { wire, enqueue, refuse, find } = setup();
    enqueue('lobby', 'a', 'b');
    expect(refuse('lobby', 'a', 'bad_request')).toBe(false);
    expect(find('lobby', 'a').status).toBe('failed');
    expect(wire).toEqual(['a', 'b']);
  });

  it('fails a send whose ack never comes and sends the next', () => {
    const { wire, enqueue, clock, find } = setup();
    enqueue('lobby', 'a', 'b');
    clock.advance(4_999);
    expect(wire).toEqual(['a']);
    clock.advance(1);
    expect(find('lobby', 'a')).toMatchObject({ status: 'failed', error: 'No acknowledgement from the server' });
    expect(wire).toEqual(['a', 'b']);
  });

  it('lets rooms proceed independently', () => {
    const { wire, enqueue, refuse, ack } = setup();
    enqueue('lobby', 'a1', 'a2');
    enqueue('dev', 'b1', 'b2');
    refuse('lobby', 'a1', 'rate_limited');
    ack('dev', 'b1');
    expect(wire).toEqual(['a1', 'b1', 'b2']);
  });

  it('after a lost connection re-sends the one that was on the wire first, then the rest in order', () => {
    const { outbox, wire, enqueue, ack, setOpen } = setup();
    enqueue('lobby', 'a', 'b');
    setOpen(false);
    outbox.disconnected();
    outbox.pump('lobby');
    expect(wire).toEqual(['a']);
    setOpen(true);
    outbox.pump('lobby'); // the room is joined again
    outbox.pump('lobby'); // a second pump does not send twice
    expect(wire).toEqual(['a', 'a']);
    ack('lobby', 'a');
    expect(wire).toEqual(['a', 'a', 'b']);
  });

  it('releases a held send that history shows stored', () => {
    const { wire, enqueue, refuse, ack, clock } = setup();
    enqueue('lobby', 'a', 'b');
    refuse('lobby', 'a', 'internal');
    ack('lobby', 'a');
    expect(wire).toEqual(['a', 'b']);
    clock.advance(10_000);
    expect(wire).toEqual(['a', 'b']);
  });

  it('sends nothing of a room that was left', () => {
    const { outbox, wire, enqueue, refuse, clock } = setup();
    enqueue('lobby', 'a');
    refuse('lobby', 'a', 'rate_limited');
    outbox.forgetRoom('lobby', ['a']);
    clock.advance(10_000);
    expect(wire).toEqual(['a']);
  });
});
