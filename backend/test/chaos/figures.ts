import type { Message } from '../../src/protocol/index.js';
import type { ConnectionRecord, Journal, SendRecord, Stay } from './journal.js';

/**
 * The contract promises ids in receipt order only for frames the gateway received at least this far apart
 * (docs: "One connection's messages get ids in the order the gateway received their frames whenever they
 * arrive at least 2 ms apart").
 */
export const ORDER_GAP_MS = 2;

/**
 * What a soak measured. `acked` and `deliveries` say how much was exercised; every other figure counts
 * violations of the protocol contract and must be 0.
 *
 * - acked: sends whose sending connection got an `ack` (after bounded retries with the same clientMsgId).
 * - deliveries: live `message` frames received, over all connections.
 * - duplicates: a message id received again on the same connection (extra copies counted).
 * - lost: (acked message, member) pairs where the member stayed joined on one connection from before the
 *   message's first attempt until `settleMs` after its ack, and never received it live (its `joined` frame
 *   and its leave or close, as the client saw them, bound the stay).
 * - orderAcked: acked sends whose id is not above the id of an earlier send of the same connection and room
 *   whose last attempt came at least ORDER_GAP_MS before this send's first.
 * - orderHistory: the same comparison with the position in the room's final history instead of the ack's id.
 * - duplicateLeft: a `presence left` for a user that the observing connection last saw leave the room.
 * - missingFromHistory: acked messages absent from their room's final history.
 * - storedTwice: history entries beyond the first for one sender and clientMsgId.
 * - malformedFrames: frames that failed the protocol's server-frame schema.
 */
export interface Figures {
  acked: number;
  deliveries: number;
  duplicates: number;
  lost: number;
  orderAcked: number;
  orderHistory: number;
  duplicateLeft: number;
  missingFromHistory: number;
  storedTwice: number;
  malformedFrames: number;
}

export type ViolationName = Exclude<keyof Figures, 'acked' | 'deliveries'>;

export const VIOLATIONS: readonly ViolationName[] = [
  'duplicates',
  'lost',
  'orderAcked',
  'orderHistory',
  'duplicateLeft',
  'missingFromHistory',
  'storedTwice',
  'malformedFrames',
];

/** How much the zero figures actually checked, so a run that checked nothing does not pass as clean. */
export interface Coverage {
  sends: number;
  unacked: number;
  /** (message, member) pairs the `lost` figure checked. */
  deliveryChecks: number;
  /** (earlier, later) send pairs the order figures compared. */
  orderPairs: number;
}

export interface Analysis {
  figures: Figures;
  coverage: Coverage;
  /** A few examples of each violation, for whoever debugs the run. */
  samples: Partial<Record<ViolationName, string[]>>;
}

const MAX_SAMPLES = 5;

export function analyse(journal: Journal): Analysis {
  const samples: Analysis['samples'] = {};
  const note = (name: ViolationName, text: string) => {
    const list = (samples[name] ??= []);
    if (list.length < MAX_SAMPLES && !list.includes(text)) list.push(text);
  };
  const acked = journal.sends.filter(
    (s): s is SendRecord & { ack: NonNullable<SendRecord['ack']> } => s.ack !== undefined,
  );
  const lost = countLost(journal, acked, note);
  const order = countOrder(journal, acked, note);
  const stored = countStored(journal, acked, note);
  const figures: Figures = {
    acked: acked.length,
    deliveries: sum(journal.connections, (c) => sum([...c.received.values()], (n) => n)),
    duplicates: countDuplicates(journal.connections, note),
    lost: lost.lost,
    orderAcked: order.acked,
    orderHistory: order.history,
    duplicateLeft: sum(journal.connections, (c) => countDuplicateLeft(c, note)),
    missingFromHistory: stored.missing,
    storedTwice: stored.twice,
    malformedFrames: sum(journal.connections, (c) => c.malformed),
  };
  if (figures.malformedFrames > 0) note('malformedFrames', `${figures.malformedFrames} frames failed the schema`);
  return {
    figures,
    coverage: {
      sends: journal.sends.length,
      unacked: journal.sends.length - acked.length,
      deliveryChecks: lost.checks,
      orderPairs: order.pairs,
    },
    samples,
  };
}

export function violationsOf(figures: Figures): Partial<Record<ViolationName, number>> {
  return Object.fromEntries(VIOLATIONS.filter((name) => figures[name] !== 0).map((name) => [name, figures[name]]));
}

type Note = (name: ViolationName, text: string) => void;
type Acked = SendRecord & { ack: NonNullable<SendRecord['ack']> };

function sum<T>(items: Iterable<T>, of: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}

function countDuplicates(connections: ConnectionRecord[], note: Note): number {
  let duplicates = 0;
  for (const connection of connections) {
    for (const [id, count] of connection.received) {
      if (count < 2) continue;
      duplicates += count - 1;
      note('duplicates', `${connection.name} received ${id} ${count} times`);
    }
  }
  return duplicates;
}

function countLost(journal: Journal, acked: Acked[], note: Note): { lost: number; checks: number } {
  const stays = new Map<string, Stay[]>();
  for (const stay of journal.stays) stays.set(stay.room, [...(stays.get(stay.room) ?? []), stay]);
  const connections = new Map(journal.connections.map((c) => [c.name, c]));
  let lost = 0;
  let checks = 0;
  for (const send of acked) {
    const members = (stays.get(send.room) ?? []).filter(
      (stay) => stay.joinedAt < send.firstAt && stay.endAt > send.ack.at + journal.settleMs,
    );
    const missed = members
      .filter((stay) => !connections.get(stay.connection)?.received.has(send.ack.id))
      .map((stay) => stay.connection);
    checks += members.length;
    lost += missed.length;
    if (missed.length > 0) {
      note(
        'lost',
        `${send.ack.id} (${send.clientMsgId} in ${send.room}) missed by ${missed.length} of ${members.length} members joined throughout, e.g. ${missed.slice(0, 3).join(', ')}`,
      );
    }
  }
  return { lost, checks };
}

/** Sends of one connection in one room, by first attempt. */
function bySenderAndRoom(sends: Acked[]): Acked[][] {
  const groups = new Map<string, Acked[]>();
  for (const send of sends) {
    const key = `${send.sender}\u0000${send.room}`;
    groups.set(key, [...(groups.get(key) ?? []), send]);
  }
  return [...groups.values()].map((group) => group.sort((a, b) => a.firstAt - b.firstAt));
}

/**
 * Counts sends that some strictly earlier send of the group does not precede in `position`; sends without a
 * position (absent from history) are left out.
 */
function outOfOrder(
  group: Acked[],
  position: (send: Acked) => string | number | undefined,
  onViolation: (a: Acked, b: Acked) => void,
) {
  let pairs = 0;
  let violations = 0;
  group.forEach((later, index) => {
    const at = position(later);
    if (at === undefined) return;
    const earlier = group
      .slice(0, index)
      .filter((a) => a.lastAt + ORDER_GAP_MS <= later.firstAt && position(a) !== undefined);
    pairs += earlier.length;
    const before = earlier.find((a) => position(a)! >= at);
    if (before === undefined) return;
    violations += 1;
    onViolation(before, later);
  });
  return { pairs, violations };
}

function countOrder(journal: Journal, acked: Acked[], note: Note): { acked: number; history: number; pairs: number } {
  const index = new Map<string, number>();
  for (const messages of journal.history.values()) {
    messages.forEach((m, i) => {
      const key = historyKey(m.room, m.sender.name, m.clientMsgId);
      if (!index.has(key)) index.set(key, i);
    });
  }
  let pairs = 0;
  let byAck = 0;
  let byHistory = 0;
  for (const group of bySenderAndRoom(acked)) {
    const ids = outOfOrder(
      group,
      (s) => s.ack.id,
      (a, b) =>
        note('orderAcked', `${a.clientMsgId} acked ${a.ack.id}, sent before ${b.clientMsgId} acked ${b.ack.id}`),
    );
    const listed = outOfOrder(
      group,
      (s) => index.get(historyKey(s.room, s.sender, s.clientMsgId)),
      (a, b) => note('orderHistory', `${a.clientMsgId} listed after ${b.clientMsgId} in ${a.room}, sent before it`),
    );
    pairs += ids.pairs;
    byAck += ids.violations;
    byHistory += listed.violations;
  }
  return { acked: byAck, history: byHistory, pairs };
}

const historyKey = (room: string, sender: string, clientMsgId: string) => `${room}\u0000${sender}\u0000${clientMsgId}`;

function countStored(journal: Journal, acked: Acked[], note: Note): { missing: number; twice: number } {
  const seen = new Map<string, Message>();
  let twice = 0;
  for (const messages of journal.history.values()) {
    for (const m of messages) {
      const key = historyKey(m.room, m.sender.name, m.clientMsgId);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, m);
      else {
        twice += 1;
        note('storedTwice', `${m.clientMsgId} in ${m.room} stored as ${first.id} and ${m.id}`);
      }
    }
  }
  let missing = 0;
  for (const send of acked) {
    if (seen.has(historyKey(send.room, send.sender, send.clientMsgId))) continue;
    missing += 1;
    note('missingFromHistory', `${send.clientMsgId} (acked ${send.ack.id}) not in the history of ${send.room}`);
  }
  return { missing, twice };
}

function countDuplicateLeft(connection: ConnectionRecord, note: Note): number {
  const rooms = new Map<string, Map<string, 'joined' | 'left'>>();
  /** As a client keeps it (docs/PROTOCOL.md): the newest presence `ts` per room and user; older frames are stale. */
  const newest = new Map<string, number>();
  let duplicates = 0;
  for (const event of connection.presence) {
    if (event.kind === 'snapshot') {
      rooms.set(event.room, new Map(event.userIds.map((id) => [id, 'joined' as const])));
      continue;
    }
    const key = JSON.stringify([event.room, event.userId]);
    if (event.ts !== undefined) {
      if (event.ts < (newest.get(key) ?? -Infinity)) continue;
      newest.set(key, event.ts);
    }
    const states = rooms.get(event.room) ?? new Map<string, 'joined' | 'left'>();
    rooms.set(event.room, states);
    if (event.state === 'left' && states.get(event.userId) === 'left') {
      duplicates += 1;
      note('duplicateLeft', `${connection.name} was told twice that ${event.userId} left ${event.room}`);
    }
    states.set(event.userId, event.state);
  }
  return duplicates;
}
