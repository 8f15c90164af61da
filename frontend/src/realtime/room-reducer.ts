import type { Message, User } from '@chat/backend/protocol';
import type { OutgoingMessage, RoomHold, RoomState } from './state.js';
import { mergeMessages } from './timeline.js';

/** Everything that changes a room's timeline or its own queued sends; the client only dispatches these. */
export type RoomEvent =
  /** Stored messages from any source: live frames, a join snapshot, history pages, or an ack. */
  | { type: 'stored'; messages: readonly Message[] }
  | { type: 'queued'; out: OutgoingMessage }
  | { type: 'failed'; clientMsgId: string; error: string }
  /** A failed send the user retries: it goes to the back of the queue, behind what was typed meanwhile. */
  | { type: 'requeued'; clientMsgId: string }
  | { type: 'discarded'; clientMsgId: string }
  | { type: 'held'; hold: RoomHold }
  | { type: 'released' };

/**
 * The one place a room's messages and outbox change. Pure, so ordering and de-duplication are tested
 * without sockets: stored messages stay unique and sorted by id whatever order they arrive in, and a
 * stored message whose clientMsgId is still queued settles that send.
 */
export function reduceRoom(room: RoomState, event: RoomEvent): RoomState {
  switch (event.type) {
    case 'stored':
      return storeMessages(room, event.messages);
    case 'queued':
      return { ...room, outgoing: [...room.outgoing, event.out] };
    case 'failed':
      return mapOutgoing(room, event.clientMsgId, (o) => ({ ...o, status: 'failed', error: event.error }));
    case 'requeued': {
      const out = room.outgoing.find((o) => o.clientMsgId === event.clientMsgId);
      if (!out || out.status !== 'failed') return room;
      const others = room.outgoing.filter((o) => o !== out);
      return { ...room, outgoing: [...others, { ...out, status: 'pending', error: undefined }] };
    }
    case 'discarded':
      return { ...room, outgoing: room.outgoing.filter((o) => o.clientMsgId !== event.clientMsgId) };
    case 'held':
      return { ...room, hold: event.hold };
    case 'released': {
      if (!room.hold) return room;
      const { hold: _hold, ...rest } = room;
      return rest;
    }
  }
}

function storeMessages(room: RoomState, messages: readonly Message[]): RoomState {
  if (messages.length === 0) return room;
  const settled = settledBy(room, messages);
  if (settled.size === 0) return { ...room, messages: mergeMessages(room.messages, messages) };
  const acked = new Set(room.acked);
  for (const id of settled.values()) acked.add(id);
  return {
    ...room,
    messages: mergeMessages(room.messages, messages),
    outgoing: room.outgoing.filter((o) => !settled.has(o.clientMsgId)),
    acked,
  };
}

/** clientMsgId of each queued send these messages prove stored -> the id it was stored under. */
function settledBy(room: RoomState, messages: readonly Message[]): Map<string, string> {
  const queued = new Set(room.outgoing.map((o) => o.clientMsgId));
  const settled = new Map<string, string>();
  for (const m of messages) {
    if (queued.has(m.clientMsgId) && !settled.has(m.clientMsgId)) settled.set(m.clientMsgId, m.id);
  }
  return settled;
}

function mapOutgoing(room: RoomState, clientMsgId: string, fn: (o: OutgoingMessage) => OutgoingMessage): RoomState {
  if (!room.outgoing.some((o) => o.clientMsgId === clientMsgId)) return room;
  return { ...room, outgoing: room.outgoing.map((o) => (o.clientMsgId === clientMsgId ? fn(o) : o)) };
}

/**
 * Who we are, as far as these messages prove it. Everyone in a room sees clientMsgIds, so only a message
 * settling a send still queued, or carrying an id the server acknowledged to us, names our identity.
 */
export function learnSelf(before: RoomState, messages: readonly Message[], self: User | undefined): User | undefined {
  const settled = settledBy(before, messages);
  const ackedIds = new Set(settled.values());
  let learnt = self;
  for (const m of messages) {
    const ours = ackedIds.has(m.id) ? settled.get(m.clientMsgId) === m.id : before.acked.has(m.id);
    if (ours && m.sender.userId !== '') learnt = m.sender;
  }
  return learnt;
}

/** clientMsgIds that were queued before and are gone after: the sends a `stored` event settled. */
export function settledSends(before: RoomState, after: RoomState): string[] {
  if (before.outgoing === after.outgoing) return [];
  const still = new Set(after.outgoing.map((o) => o.clientMsgId));
  return before.outgoing.filter((o) => !still.has(o.clientMsgId)).map((o) => o.clientMsgId);
}

/** One row of a room's log as displayed. */
export type TimelineItem = { kind: 'stored'; message: Message; acked: boolean } | { kind: 'own'; out: OutgoingMessage };

/** Stored messages in id order, then own sends the server has not stored yet, in queue order. */
export function timelineOf(room: RoomState): TimelineItem[] {
  return [
    ...room.messages.map((message): TimelineItem => ({ kind: 'stored', message, acked: room.acked.has(message.id) })),
    ...room.outgoing.map((out): TimelineItem => ({ kind: 'own', out })),
  ];
}
