/**
 * State every thread reads and writes without messages: live counters for the progress line and the
 * per-message slots that let a receipt in one worker be matched to a send in another. Send time and
 * expected recipients are written by the sending worker before the frame leaves; receipt counts are
 * incremented atomically by whichever worker receives.
 */
export const COUNTER = {
  attempted: 0,
  opened: 1,
  failed: 2,
  joined: 3,
  joinFailed: 4,
  sent: 5,
  received: 6,
  expected: 7,
  errors: 8,
  closedEarly: 9,
} as const;
const COUNTER_SLOTS = 16;

export interface SharedBuffers {
  counters: SharedArrayBuffer;
  roomMembers: SharedArrayBuffer;
  sendTimeMs: SharedArrayBuffer;
  expected: SharedArrayBuffer;
  received: SharedArrayBuffer;
}

export interface SharedViews {
  /** Int32 counters indexed by COUNTER; Atomics only. */
  counters: Int32Array;
  /** Members of each room that received "joined" and have not closed since; Atomics only. */
  roomMembers: Int32Array;
  /** Send time per message (ms on the shared monotonic clock); 0 = not sent. */
  sendTimeMs: Float64Array;
  /** Room members at send time, sender included; Atomics only. */
  expected: Int32Array;
  /** Receipts per message, over all connections; Atomics only. */
  received: Int32Array;
}

export function allocateShared(rooms: number, messages: number): SharedBuffers {
  return {
    counters: new SharedArrayBuffer(COUNTER_SLOTS * 4),
    roomMembers: new SharedArrayBuffer(rooms * 4),
    sendTimeMs: new SharedArrayBuffer(messages * 8),
    expected: new SharedArrayBuffer(messages * 4),
    received: new SharedArrayBuffer(messages * 4),
  };
}

export function viewsOf(buffers: SharedBuffers): SharedViews {
  return {
    counters: new Int32Array(buffers.counters),
    roomMembers: new Int32Array(buffers.roomMembers),
    sendTimeMs: new Float64Array(buffers.sendTimeMs),
    expected: new Int32Array(buffers.expected),
    received: new Int32Array(buffers.received),
  };
}

export const count = (views: SharedViews, counter: number, by = 1): void => {
  Atomics.add(views.counters, counter, by);
};

export const read = (views: SharedViews, counter: number): number => Atomics.load(views.counters, counter);
