import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/protocol/index.js';
import { analyse, violationsOf } from './figures.js';
import { emptyJournal, newConnectionRecord, type Journal, type SendRecord } from './journal.js';

/*
 * The soak's verdict is only as good as its arithmetic: each figure is shown to count a hand-made violation
 * (so a clean soak is not clean by construction) and to stay 0 on the look-alikes the contract allows.
 */
const SETTLE = 100;

function message(room: string, sender: string, clientMsgId: string, id: string): Message {
  return { room, id, ts: 0, sender: { userId: `guest:${sender}`, name: sender }, text: 'x', clientMsgId };
}

/** alice and bob in room r from t=0 to the end; alice sends a1 (id 001) at 10 and a2 (id 002) at 20. */
function cleanJournal(): Journal {
  const journal = emptyJournal(SETTLE);
  const send = (clientMsgId: string, at: number, id: string): SendRecord => ({
    sender: 'alice',
    room: 'r',
    clientMsgId,
    firstAt: at,
    lastAt: at,
    attempts: 1,
    ack: { id, at: at + 5 },
  });
  journal.sends.push(send('a1', 10, '001'), send('a2', 20, '002'));
  for (const name of ['alice', 'bob']) {
    journal.stays.push({ connection: name, room: 'r', joinedAt: 0, endAt: Infinity });
    const record = newConnectionRecord(name);
    record.received.set('001', 1).set('002', 1);
    record.presence.push({ kind: 'snapshot', room: 'r', userIds: ['guest:alice', 'guest:bob'] });
    journal.connections.push(record);
  }
  journal.history.set('r', [message('r', 'alice', 'a1', '001'), message('r', 'alice', 'a2', '002')]);
  return journal;
}

const bob = (journal: Journal) => journal.connections.find((c) => c.name === 'bob')!;

describe('soak figures', () => {
  it('a clean journal: acked and deliveries counted, no violation, coverage reported', () => {
    const analysis = analyse(cleanJournal());
    expect(analysis.figures).toMatchObject({ acked: 2, deliveries: 4 });
    expect(violationsOf(analysis.figures)).toEqual({});
    expect(analysis.coverage).toEqual({ sends: 2, unacked: 0, deliveryChecks: 4, orderPairs: 1 });
  });

  it('counts a second copy on one connection as a duplicate', () => {
    const journal = cleanJournal();
    bob(journal).received.set('001', 2);
    expect(violationsOf(analyse(journal).figures)).toEqual({ duplicates: 1 });
  });

  it('counts an acked message missing for a member joined throughout as lost, not for one who left in the window', () => {
    const journal = cleanJournal();
    bob(journal).received.delete('002');
    expect(violationsOf(analyse(journal).figures)).toEqual({ lost: 1 });

    journal.stays.find((s) => s.connection === 'bob')!.endAt = 25 + SETTLE; // left before ack + settle
    const analysis = analyse(journal);
    expect(violationsOf(analysis.figures)).toEqual({});
    expect(analysis.coverage.deliveryChecks).toBe(3);
  });

  it('does not expect a message sent before the member joined', () => {
    const journal = cleanJournal();
    journal.stays.find((s) => s.connection === 'bob')!.joinedAt = 15;
    bob(journal).received.delete('001');
    expect(violationsOf(analyse(journal).figures)).toEqual({});
  });

  it('counts ids against send order as order violations in acks and in history', () => {
    const journal = cleanJournal();
    journal.sends[1]!.ack!.id = '000';
    journal.history.set('r', [message('r', 'alice', 'a2', '000'), message('r', 'alice', 'a1', '001')]);
    for (const c of journal.connections) c.received.set('000', 1).delete('002');
    expect(violationsOf(analyse(journal).figures)).toEqual({ orderAcked: 1, orderHistory: 1 });
  });

  it('compares only sends whose last attempt came 2 ms before the next first attempt', () => {
    const journal = cleanJournal();
    journal.sends[0]!.lastAt = 19; // a retry of a1 1 ms before a2
    journal.sends[1]!.ack!.id = '000';
    journal.history.set('r', [message('r', 'alice', 'a2', '000'), message('r', 'alice', 'a1', '001')]);
    for (const c of journal.connections) c.received.set('000', 1).delete('002');
    const analysis = analyse(journal);
    expect(violationsOf(analysis.figures)).toEqual({});
    expect(analysis.coverage.orderPairs).toBe(0);
  });

  it('counts a second left without a joined between, per observer and room', () => {
    const journal = cleanJournal();
    const left = { kind: 'presence', room: 'r', userId: 'guest:carol', state: 'left' } as const;
    const joined = { ...left, state: 'joined' } as const;
    bob(journal).presence.push(left, joined, left, left);
    bob(journal).presence.push({ ...left, room: 'other' });
    expect(violationsOf(analyse(journal).figures)).toEqual({ duplicateLeft: 1 });
  });

  it('reads presence as a client does: a left older than the joined already seen is stale, not a second left', () => {
    const journal = cleanJournal();
    const at = (state: 'joined' | 'left', ts: number) =>
      ({ kind: 'presence', room: 'r', userId: 'guest:carol', state, ts }) as const;
    // carol left at 10 and re-joined at 20; the re-join's frame came first. Then she left at 30, and once more at 40.
    bob(journal).presence.push(at('left', 5), at('joined', 20), at('left', 10), at('left', 30), at('left', 40));
    expect(violationsOf(analyse(journal).figures)).toEqual({ duplicateLeft: 1 });
  });

  it('counts acked messages absent from history and messages stored twice', () => {
    const journal = cleanJournal();
    journal.history.set('r', [message('r', 'alice', 'a1', '001'), message('r', 'alice', 'a1', '003')]);
    expect(violationsOf(analyse(journal).figures)).toEqual({ missingFromHistory: 1, storedTwice: 1 });
  });

  it('does not count a send that was never acked', () => {
    const journal = cleanJournal();
    delete journal.sends[1]!.ack;
    bob(journal).received.delete('002');
    journal.history.set('r', [message('r', 'alice', 'a1', '001')]);
    const analysis = analyse(journal);
    expect(analysis.figures.acked).toBe(1);
    expect(violationsOf(analysis.figures)).toEqual({});
    expect(analysis.coverage.unacked).toBe(1);
  });
});
