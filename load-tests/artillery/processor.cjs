'use strict';
/**
 * Artillery processor for the chat fan-out scenario (scenario.yml). Emits the same measurement as
 * `npm run load-test`: `fanout_ms`, send -> each receipt, as an Artillery histogram, so that many machines
 * running `artillery run` against staging aggregate into one distribution.
 *
 * Clock: a receipt of a message sent by this process is timed with the monotonic clock (performance.now,
 * keyed by clientMsgId). A message sent from another machine or worker is timed from the wall-clock send
 * time carried in its text (`t=<epoch ms>`), which is only as good as NTP between the machines; those
 * samples also go to `fanout_wallclock_ms` so the two can be told apart.
 *
 * CommonJS on purpose: every Artillery 2.x release loads it. Pure functions are exported for tests.
 */
const { performance } = require('node:perf_hooks');
const { randomBytes } = require('node:crypto');

/** clientMsgIds of this tool start with it; other clients' messages in the room are ignored. */
const ID_PREFIX = 'art';
/** One id per Artillery worker process, so clientMsgIds from many machines never collide. */
const PROCESS_ID = randomBytes(4).toString('hex');
const SENT_AT = / t=(\d{10,16})(?: |$)/;
/** Send times of this process's messages, by clientMsgId; bounded so a long soak cannot grow it forever. */
const MAX_TRACKED_SENDS = 100000;
const sends = new Map();
let sequence = 0;

const defaults = { rooms: 1, roomPrefix: 'art', textSize: 64, joinTimeoutSeconds: 10, drainSeconds: 10 };

/** Scenario settings from `config.variables`, with defaults; numbers may arrive as strings from the CLI. */
function settings(vars) {
  const v = Object.assign({}, defaults, vars || {});
  return {
    rooms: Math.max(1, Number(v.rooms) | 0),
    roomPrefix: String(v.roomPrefix),
    textSize: Math.min(4000, Math.max(1, Number(v.textSize) | 0)),
    joinTimeoutMs: Number(v.joinTimeoutSeconds) * 1000,
    drainMs: Number(v.drainSeconds) * 1000,
  };
}

/** Rooms are shared by every machine (same prefix and count), picked at random so they fill evenly. */
function roomFor(random, rooms, prefix) {
  return `${prefix}-${Math.min(rooms - 1, Math.floor(random * rooms))}`;
}

function makeClientMsgId(processId, seq) {
  return `${ID_PREFIX}.${processId}.${seq}`;
}

function isOurs(clientMsgId) {
  return typeof clientMsgId === 'string' && clientMsgId.startsWith(`${ID_PREFIX}.`);
}

/** Human-readable text that carries the wall-clock send time for cross-machine timing, padded to size. */
function buildText(clientMsgId, sentAtEpochMs, size) {
  const head = `load-test ${clientMsgId} t=${sentAtEpochMs}`;
  return head.length >= size ? head : `${head} ${'x'.repeat(size - head.length - 1)}`;
}

function parseSentAt(text) {
  const match = typeof text === 'string' ? SENT_AT.exec(text) : null;
  return match ? Number(match[1]) : undefined;
}

function buildSendFrame(room, text, clientMsgId) {
  return JSON.stringify({ action: 'send', room, text, clientMsgId });
}

function withName(target, name) {
  const url = new URL(target);
  if (!url.searchParams.has('token')) url.searchParams.set('name', name);
  return url.toString();
}

/**
 * Latency of one receipt: monotonic when this process sent it, wall clock from the text otherwise,
 * undefined for frames that are not our messages. Negative wall-clock skew clamps to 0.
 */
function receiptLatency(frame, sendTimes, nowMonotonic, nowEpochMs) {
  if (!frame || frame.type !== 'message' || !isOurs(frame.clientMsgId)) return undefined;
  const sentAt = sendTimes.get(frame.clientMsgId);
  if (sentAt !== undefined) return { ms: Math.max(0, nowMonotonic - sentAt), clock: 'monotonic' };
  const sentAtEpoch = parseSentAt(frame.text);
  if (sentAtEpoch === undefined) return undefined;
  return { ms: Math.max(0, nowEpochMs - sentAtEpoch), clock: 'wall' };
}

function parseFrame(data) {
  try {
    const frame = JSON.parse(String(data));
    return frame && typeof frame === 'object' ? frame : undefined;
  } catch {
    return undefined;
  }
}

/** Handles one server frame for one virtual user; emits metrics through Artillery's event emitter. */
function onFrame(state, data, events) {
  const frame = parseFrame(data);
  if (!frame) {
    events.emit('counter', 'chat.invalid_frames', 1);
    return;
  }
  if (frame.type === 'joined' && frame.room === state.room && state.onJoined) {
    state.onJoined();
    return;
  }
  if (frame.type === 'error') {
    events.emit('counter', `chat.errors.${frame.code}`, 1);
    return;
  }
  if (frame.type === 'ack' && state.pending.has(frame.clientMsgId)) {
    const sentAt = sends.get(frame.clientMsgId);
    if (sentAt !== undefined) events.emit('histogram', 'ack_ms', performance.now() - sentAt);
    return;
  }
  const latency = receiptLatency(frame, sends, performance.now(), Date.now());
  if (!latency) return;
  events.emit('histogram', 'fanout_ms', latency.ms);
  if (latency.clock === 'wall') events.emit('histogram', 'fanout_wallclock_ms', latency.ms);
  events.emit('counter', 'chat.deliveries', 1);
  if (state.pending.delete(frame.clientMsgId) && state.pending.size === 0 && state.onDrained) state.onDrained();
}

// ---- Artillery hooks -------------------------------------------------------------------------------

/** connect.function: guest identity per virtual user (kept when the target already has ?token=). */
function setTarget(params, context, next) {
  params.target = withName(params.target, `art-${PROCESS_ID}-${(sequence++ % 1e6).toString(36)}`.slice(0, 32));
  next();
}

/** Joins a room and waits for "joined" (or the join timeout, counted as chat.join_timeouts). */
function joinRoom(context, events, next) {
  const s = settings(context.vars);
  const state = {
    room: roomFor(Math.random(), s.rooms, s.roomPrefix),
    pending: new Set(),
    onJoined: undefined,
    onDrained: undefined,
  };
  context.vars.chat = state;
  context.ws.on('message', (data) => onFrame(state, data, events));
  const timer = setTimeout(() => {
    state.onJoined = undefined;
    events.emit('counter', 'chat.join_timeouts', 1);
    next();
  }, s.joinTimeoutMs);
  state.onJoined = () => {
    clearTimeout(timer);
    state.onJoined = undefined;
    events.emit('counter', 'chat.joined', 1);
    next();
  };
  context.ws.send(JSON.stringify({ action: 'join', room: state.room }));
}

/** Sends one message with a unique clientMsgId and records its monotonic send time. */
function sendMessage(context, events, next) {
  const state = context.vars.chat;
  const s = settings(context.vars);
  const clientMsgId = makeClientMsgId(PROCESS_ID, sequence++);
  if (sends.size >= MAX_TRACKED_SENDS) sends.delete(sends.keys().next().value);
  sends.set(clientMsgId, performance.now());
  state.pending.add(clientMsgId);
  context.ws.send(buildSendFrame(state.room, buildText(clientMsgId, Date.now(), s.textSize), clientMsgId));
  events.emit('counter', 'chat.sent', 1);
  next();
}

/** Waits until this user has received its own messages back, or the drain timeout (chat.undelivered). */
function drain(context, events, next) {
  const state = context.vars.chat;
  const s = settings(context.vars);
  if (state.pending.size === 0) return next();
  const timer = setTimeout(() => {
    state.onDrained = undefined;
    events.emit('counter', 'chat.undelivered_own', state.pending.size);
    next();
  }, s.drainMs);
  state.onDrained = () => {
    clearTimeout(timer);
    state.onDrained = undefined;
    next();
  };
}

module.exports = {
  setTarget,
  joinRoom,
  sendMessage,
  drain,
  // Pure helpers, exported for tests.
  settings,
  roomFor,
  makeClientMsgId,
  isOurs,
  buildText,
  parseSentAt,
  buildSendFrame,
  withName,
  receiptLatency,
  parseFrame,
};
