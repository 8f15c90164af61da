/**
 * Pure arithmetic that places connections, rooms, senders and message indices. Every worker computes the
 * same answers from the same inputs, so no thread has to ask another who is where.
 */

/** Room of connection `i`: round-robin, so rooms differ in size by at most one member. */
export const roomOf = (connection: number, rooms: number): number => connection % rooms;

/** Worker that owns connection `i`: round-robin, so each worker ramps at `ramp / workers` per second. */
export const workerOf = (connection: number, workers: number): number => connection % workers;

/**
 * Senders are connections 0..S-1: with round-robin rooms they spread evenly over rooms (sender j is in
 * room j mod R), and the first connections opened are the first ready to send.
 */
export const senderConnection = (sender: number): number => sender;

/** Global message index, so send and receipt slots live in flat shared arrays indexed without a map. */
export const messageIndex = (sender: number, seq: number, messagesPerSender: number): number =>
  sender * messagesPerSender + seq;

export const roomName = (prefix: string, runId: string, room: number): string => `${prefix}-${runId}-${room}`;

export const guestName = (prefix: string, connection: number): string => `${prefix}-${connection}`.slice(0, 32);

/**
 * clientMsgId = `<runId>.<index>`: unique per run (the server deduplicates on it) and parseable back to the
 * slot holding the send time. Anything else on the wire belongs to someone else and is ignored.
 */
export const clientMsgIdOf = (runId: string, index: number): string => `${runId}.${index}`;

/**
 * A warm-up message's clientMsgId, `<runId>.w<k>`: of this run (so the server sees ordinary messages) but never an
 * index, so parseClientMsgId leaves it out of every figure.
 */
export const warmupClientMsgId = (runId: string, k: number): string => `${runId}.w${k}`;

export const isWarmupClientMsgId = (clientMsgId: string, runId: string): boolean =>
  clientMsgId.startsWith(`${runId}.w`);

export function parseClientMsgId(clientMsgId: string, runId: string, total: number): number | undefined {
  if (clientMsgId.length <= runId.length + 1 || !clientMsgId.startsWith(runId) || clientMsgId[runId.length] !== '.') {
    return undefined;
  }
  const digits = clientMsgId.slice(runId.length + 1);
  if (!/^\d{1,10}$/.test(digits)) return undefined;
  const index = Number(digits);
  return index < total ? index : undefined;
}

/**
 * Message text: human-readable (who, which, when in wall-clock time) and padded to the requested size.
 * Nothing in it is used for measurement; latency comes from the monotonic clock.
 */
export function messageText(clientMsgId: string, wallClockMs: number, size: number): string {
  const head = `load-test ${clientMsgId} sent ${new Date(wallClockMs).toISOString()}`;
  return head.length >= size ? head : head + ' ' + 'x'.repeat(size - head.length - 1);
}

/** Due time of a sender's k-th message: senders are phase-shifted so S senders at rate r never burst together. */
export function sendDueMs(
  startMs: number,
  sender: number,
  senders: number,
  seq: number,
  ratePerSender: number,
): number {
  const interval = 1000 / ratePerSender;
  return startMs + (sender / senders) * interval + seq * interval;
}

/** Due time of connection i's handshake: one global schedule at `ramp` per second shared by all workers. */
export const connectDueMs = (startMs: number, connection: number, rampPerSecond: number): number =>
  startMs + (connection * 1000) / rampPerSecond;

/** Source address for connection i when the target is on loopback: 127.0.0.1 .. 127.0.0.N. */
export const sourceAddressOf = (connection: number, sourceIps: number): string =>
  `127.0.0.${1 + (connection % sourceIps)}`;

/** A short random run id: keeps rooms and clientMsgIds of concurrent or repeated runs apart. */
export const newRunId = (): string => Math.random().toString(36).slice(2, 8).padEnd(6, '0');
