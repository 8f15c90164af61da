import {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  roomSchema,
  sendFrame as sendFrameSchema,
  type ClientFrame,
  type ErrorFrame,
  type HistoryPageFrame,
  type JoinedFrame,
  type Message,
  type ServerFrame,
  type User,
} from '@chat/backend/protocol';
import { DEFAULT_BACKOFF, fullJitterDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { classifyInbound, isConnectionExpired } from './inbound.js';
import { Outbox } from './outbox.js';
import { Redriver } from './redrive.js';
import { learnSelf, reduceRoom, settledSends, type RoomEvent } from './room-reducer.js';
import { SOCKET_OPEN, socketUrl, type Credentials, type WebSocketConstructor, type WebSocketLike } from './socket.js';
import {
  emptyRoom,
  initialChatState,
  type ChatState,
  type ConnectionStatus,
  type Notice,
  type OutgoingMessage,
  type RoomState,
} from './state.js';
import { compareIds, newestId, oldestId } from './timeline.js';
import { systemTimers, type Timers } from './timers.js';

/** Every dependency on the outside world is an option, so tests can run hours of protocol time in milliseconds. */
export interface ChatClientOptions {
  /** Base WebSocket URL, e.g. ws://localhost:3001 or wss://{api}.execute-api.{region}.amazonaws.com/{stage}. */
  url: string;
  credentials: Credentials;
  /** Injected so tests can use a fake; defaults to the global WebSocket. */
  WebSocket?: WebSocketConstructor;
  timers?: Timers;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Idempotency keys for sends; crypto.randomUUID by default. */
  newClientMsgId?: () => string;
  backoff?: BackoffOptions;
  /**
   * API Gateway closes a connection after 10 minutes without traffic, so ping well inside that.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html#apigateway-execution-service-websocket-limits-table
   */
  heartbeatMs?: number;
  /** A handshake that neither opens nor fails within this is abandoned and retried (black-holed networks). */
  connectTimeoutMs?: number;
  /** A socket that does not answer a ping in time is presumed half-open and replaced. */
  pongTimeoutMs?: number;
  /** API Gateway ends every connection after 2 hours; reconnect on our own terms a little before. */
  maxConnectionMs?: number;
  ackTimeoutMs?: number;
  /** Base wait before a `rate_limited` send goes out again (one server window), plus up to as much jitter. */
  rateLimitRetryMs?: number;
  /** Delays between the re-sends of a send the server answered with `internal`; at most maxInternalResends. */
  internalRetryBackoff?: BackoffOptions;
  maxInternalResends?: number;
  historyTimeoutMs?: number;
  typingThrottleMs?: number;
  /** How long another user's typing indicator lasts without a fresh typing frame. */
  typingTtlMs?: number;
  /** Upper bound on pages fetched to fill a gap after a reconnect, so a huge backlog cannot loop forever. */
  maxGapPages?: number;
}

/** For callers that need edges rather than snapshots, e.g. logging frames or toasting a notice once. */
export interface ChatClientEvents {
  status: (status: ConnectionStatus) => void;
  frame: (frame: ServerFrame) => void;
  notice: (notice: Notice) => void;
}

/** A refused send never reaches the outbox, so the composer can keep the text and show why. */
export type SendResult = { ok: true; clientMsgId: string } | { ok: false; error: string };

interface HistoryRequest {
  purpose: 'older' | 'gap';
  before: string | undefined;
  limit: number;
  /** For a gap fill: the newest id held before the reconnect; reaching it closes the gap. */
  stopAt?: string;
  pages: number;
  attempts: number;
  timer: unknown;
}

const MAX_NOTICES = 5;
const HISTORY_ATTEMPTS = 3;

/**
 * Framework-free chat connection: one WebSocket, the rooms it is in, and everything needed to make a
 * flaky mobile network invisible to the UI. It reconnects with jittered backoff, re-joins its rooms, fills
 * the gap with history pages and de-duplicates by message id, sends one message per room at a time and keeps
 * it until the server acknowledges it (re-sending with the same clientMsgId, which the server de-duplicates),
 * pings to stay under the idle timeout and recycles the socket before the 2-hour limit.
 *
 * State is an immutable snapshot (see {@link ChatState}) exposed through subscribe/getSnapshot, the shape
 * `useSyncExternalStore` expects, so React is a thin layer on top.
 */
export class ChatClient {
  private state: ChatState = initialChatState;
  private readonly listeners = new Set<() => void>();
  private readonly events = new Emitter<ChatClientEvents>();

  private readonly WebSocketCtor: WebSocketConstructor;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly newClientMsgId: () => string;
  private readonly backoff: BackoffOptions;
  private readonly heartbeatMs: number;
  private readonly pongTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxConnectionMs: number;
  private readonly outbox: Outbox;
  private readonly historyTimeoutMs: number;
  private readonly typingThrottleMs: number;
  private readonly typingTtlMs: number;
  private readonly maxGapPages: number;
  private readonly url: string;
  private readonly displayName: string;

  private socket: WebSocketLike | undefined;
  private started = false;
  private connectionSeq = 0;
  private noticeSeq = 0;
  private retryTimer: unknown;
  private connectTimer: unknown;
  private heartbeatTimer: unknown;
  private pongTimer: unknown;
  private lifetimeTimer: unknown;
  /** Connections in a row the server answered `unauthorized`; keeps the backoff growing if that repeats. */
  private expiredInARow = 0;
  /** One history request in flight per room: history frames carry no request id, so this attributes them. */
  private readonly history = new Map<string, HistoryRequest>();
  private readonly typingSentAt = new Map<string, number>();
  private readonly typingTimers = new Map<string, unknown>();
  private readonly redriver: Redriver;

  constructor(options: ChatClientOptions) {
    this.url = socketUrl(options.url, options.credentials);
    this.displayName = 'name' in options.credentials ? options.credentials.name : 'You';
    const ctor = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
    if (!ctor) throw new Error('No WebSocket implementation available; pass options.WebSocket');
    this.WebSocketCtor = ctor;
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
    this.newClientMsgId = options.newClientMsgId ?? (() => globalThis.crypto.randomUUID());
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.heartbeatMs = options.heartbeatMs ?? 5 * 60_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 20_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.maxConnectionMs = options.maxConnectionMs ?? 115 * 60_000;
    this.outbox = new Outbox(
      {
        queue: (room) => this.state.rooms.get(room)?.outgoing ?? [],
        transmit: ({ room, text, clientMsgId }) =>
          this.state.rooms.get(room)?.joined === true && this.transmit({ action: 'send', room, text, clientMsgId }),
        giveUp: (out, error) => this.dispatch(out.room, { type: 'failed', clientMsgId: out.clientMsgId, error }),
      },
      {
        timers: this.timers,
        random: this.random,
        ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
        rateLimitRetryMs: options.rateLimitRetryMs ?? 10_000,
        maxRateLimitedResends: 3,
        internalBackoff: options.internalRetryBackoff ?? { baseMs: 1_000, maxMs: 15_000 },
        maxInternalResends: options.maxInternalResends ?? 4,
      },
    );
    this.redriver = new Redriver(
      {
        stored: (clientMsgId) => {
          for (const [room, state] of this.state.rooms) {
            const message = state.messages.find((m) => m.clientMsgId === clientMsgId && m.sender.userId === this.state.self?.userId);
            if (message) return { room, text: message.text };
          }
          return undefined;
        },
        transmit: (frame) => this.transmit(frame),
      },
      {
        timers: this.timers,
        random: this.random,
        backoff: options.internalRetryBackoff ?? { baseMs: 1_000, maxMs: 15_000 },
        maxAttempts: options.maxInternalResends ?? 4,
      },
    );
    this.historyTimeoutMs = options.historyTimeoutMs ?? 10_000;
    this.typingThrottleMs = options.typingThrottleMs ?? 2_000;
    this.typingTtlMs = options.typingTtlMs ?? 3_000;
    this.maxGapPages = options.maxGapPages ?? 50;
  }

  // ---- store interface (useSyncExternalStore) ----

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): ChatState => this.state;

  on<K extends keyof ChatClientEvents>(event: K, listener: ChatClientEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  // ---- lifecycle ----

  /** Opens the connection; idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.openSocket();
  }

  /** Closes for good (sign-out, unmount); no reconnect follows. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const socket = this.socket;
    this.dropConnection();
    socket?.close(1000, 'client stopped');
    for (const t of this.typingTimers.values()) this.timers.clearTimeout(t);
    this.typingTimers.clear();
    this.setStatus('idle', { attempt: 0, nextRetryAt: undefined });
  }

  /** Skips the remaining backoff delay, e.g. when the user presses "retry now" or the browser goes online. */
  reconnectNow(): void {
    if (!this.started || this.socket) return;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.openSocket();
  }

  // ---- rooms ----

  join(room: string): { ok: true } | { ok: false; error: string } {
    const valid = roomSchema.safeParse(room);
    if (!valid.success) return { ok: false, error: valid.error.issues[0]?.message ?? 'invalid room name' };
    if (this.state.rooms.has(room)) return { ok: true };
    this.setState({
      ...this.state,
      roomOrder: [...this.state.roomOrder, room],
      rooms: new Map(this.state.rooms).set(room, emptyRoom(room)),
    });
    this.transmit({ action: 'join', room });
    return { ok: true };
  }

  /** Forgets the room locally at once; the server's `left` needs no handling beyond that. */
  leave(room: string): void {
    if (!this.forgetRoom(room)) return;
    this.transmit({ action: 'leave', room });
  }

  /** Asks for the page before the oldest loaded message; a no-op while a page is on its way or none is left. */
  loadOlder(room: string): void {
    const state = this.state.rooms.get(room);
    if (!state || !state.joined || !state.hasMore || this.history.has(room)) return;
    this.updateRoom(room, (r) => ({ ...r, loadingOlder: true }));
    this.requestHistory(room, { purpose: 'older', before: oldestId(state.messages), limit: HISTORY_DEFAULT_LIMIT, pages: 0, attempts: 0 });
  }

  // ---- messages ----

  /**
   * Optimistic send: the message shows as pending at once and joins its room's queue, which sends one message
   * at a time (see {@link Outbox}). Validated against the protocol schema first so the server never has to refuse it.
   */
  send(room: string, text: string): SendResult {
    if (!this.state.rooms.has(room)) return { ok: false, error: `not in room ${room}` };
    const clientMsgId = this.newClientMsgId();
    const valid = sendFrameSchema.safeParse({ action: 'send', room, text, clientMsgId });
    if (!valid.success) return { ok: false, error: valid.error.issues[0]?.message ?? 'invalid message' };
    const out: OutgoingMessage = { clientMsgId, room, text, status: 'pending', createdAt: this.timers.now() };
    this.dispatch(room, { type: 'queued', out });
    this.outbox.pump(room);
    return { ok: true, clientMsgId };
  }

  /**
   * Queues a failed message again, behind what was typed meanwhile, with the same clientMsgId so a send that
   * did reach the server is not stored twice.
   */
  retry(clientMsgId: string): void {
    const out = this.findOutgoing(clientMsgId);
    if (!out || out.status !== 'failed') return;
    this.outbox.reset(clientMsgId);
    this.dispatch(out.room, { type: 'requeued', clientMsgId });
    this.outbox.pump(out.room);
  }

  /** Drops a failed message the user gave up on. */
  discard(clientMsgId: string): void {
    const out = this.findOutgoing(clientMsgId);
    if (!out || out.status !== 'failed') return;
    this.outbox.reset(clientMsgId);
    this.dispatch(out.room, { type: 'discarded', clientMsgId });
  }

  /** Throttled: call it on every keystroke; at most one typing frame per room per throttle window goes out. */
  typing(room: string): void {
    if (!this.state.rooms.get(room)?.joined) return;
    const now = this.timers.now();
    const last = this.typingSentAt.get(room);
    if (last !== undefined && now - last < this.typingThrottleMs) return;
    if (this.transmit({ action: 'typing', room })) this.typingSentAt.set(room, now);
  }

  dismissNotice(id: number): void {
    this.setState({ ...this.state, notices: this.state.notices.filter((n) => n.id !== id) });
  }

  // ---- connection internals ----

  private openSocket(): void {
    const firstEver = this.connectionSeq === 0 && this.state.attempt === 0;
    this.setStatus(firstEver ? 'connecting' : 'reconnecting', { nextRetryAt: undefined });
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketCtor(this.url);
    } catch (error) {
      this.addNotice('protocol', `Cannot open the connection: ${String(error)}`);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.connectTimer = this.timers.setTimeout(() => {
      if (this.socket !== socket) return;
      this.dropConnection();
      socket.close(1000, 'handshake timeout');
      if (this.started) this.scheduleReconnect();
    }, this.connectTimeoutMs);
    socket.onopen = () => {
      if (this.socket === socket) this.handleOpen();
    };
    socket.onclose = () => {
      if (this.socket === socket) this.handleClose();
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.handleRaw(event.data);
    };
  }

  private handleOpen(): void {
    this.timers.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.connectionSeq += 1;
    this.setState({ ...this.state, connectedOnce: true });
    this.setStatus('open', { attempt: 0, nextRetryAt: undefined });
    this.scheduleHeartbeat();
    this.timers.clearTimeout(this.lifetimeTimer);
    this.lifetimeTimer = this.timers.setTimeout(() => this.recycle(), this.maxConnectionMs);
    for (const room of this.state.roomOrder) this.transmit({ action: 'join', room });
  }

  private handleClose(): void {
    this.dropConnection();
    if (this.started) this.scheduleReconnect();
  }

  /** Forgets everything tied to the current socket; rooms, messages and the outbox survive for the next one. */
  private dropConnection(): void {
    const socket = this.socket;
    if (socket) {
      socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
    }
    this.socket = undefined;
    for (const t of [this.connectTimer, this.heartbeatTimer, this.pongTimer, this.lifetimeTimer]) this.timers.clearTimeout(t);
    this.connectTimer = this.heartbeatTimer = this.pongTimer = this.lifetimeTimer = undefined;
    this.outbox.disconnected();
    for (const room of [...this.history.keys()]) this.clearHistoryRequest(room);
    this.typingSentAt.clear();
    const rooms = new Map<string, RoomState>();
    for (const [name, r] of this.state.rooms) rooms.set(name, { ...r, joined: false, loadingOlder: false });
    this.setState({ ...this.state, rooms });
  }

  private scheduleReconnect(): void {
    const delay = fullJitterDelay(this.state.attempt, this.backoff, this.random);
    this.setStatus('reconnecting', { attempt: this.state.attempt + 1, nextRetryAt: this.timers.now() + delay });
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.started && !this.socket) this.openSocket();
    }, delay);
  }

  /** Replaces a socket that is about to hit the 2-hour limit or stopped answering, without waiting for a backoff. */
  private recycle(): void {
    const socket = this.socket;
    this.dropConnection();
    socket?.close(1000, 'recycle');
    if (this.started) this.openSocket();
  }

  private scheduleHeartbeat(): void {
    this.timers.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = this.timers.setTimeout(() => {
      if (this.socket?.readyState !== SOCKET_OPEN) return;
      this.scheduleHeartbeat();
      // Armed before sending: the pong may be handled before send() even returns.
      this.timers.clearTimeout(this.pongTimer);
      this.pongTimer = this.timers.setTimeout(() => this.recycle(), this.pongTimeoutMs);
      this.transmit({ action: 'ping' });
    }, this.heartbeatMs);
  }

  private transmit(frame: ClientFrame): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== SOCKET_OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  // ---- inbound frames ----

  private handleRaw(data: unknown): void {
    // Any inbound frame proves the socket is alive.
    this.timers.clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
    const inbound = classifyInbound(typeof data === 'string' ? data : String(data));
    // Requests the gateway dropped are recovered by their own timers (ack timeout, history retry).
    if (inbound.kind === 'gateway') this.addNotice('internal', `The server could not handle a request (${inbound.message}).`);
    if (inbound.kind === 'malformed') this.addNotice('protocol', 'Received a malformed frame from the server; ignored it.');
    if (inbound.kind !== 'frame') return;
    this.handleFrame(inbound.frame);
    this.events.emit('frame', inbound.frame);
  }

  private handleFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'joined':
        return this.onJoined(frame);
      case 'message': {
        const { type: _type, ...message } = frame;
        this.clearTyping(message.room, message.sender.userId);
        return this.addMessages(message.room, [message]);
      }
      case 'ack':
        return this.onAck(frame.clientMsgId, frame.id, frame.ts);
      case 'presence':
        return this.updateRoom(frame.room, (r) => ({
          ...r,
          members:
            frame.state === 'joined'
              ? [...r.members.filter((m) => m.userId !== frame.user.userId), frame.user]
              : r.members.filter((m) => m.userId !== frame.user.userId),
        }));
      case 'typing':
        return this.onTyping(frame.room, frame.user);
      case 'history':
        return this.onHistory(frame);
      case 'error':
        return this.onError(frame);
      case 'left':
      case 'pong':
        return;
    }
  }

  private onJoined(frame: JoinedFrame): void {
    const before = this.state.rooms.get(frame.room);
    if (!before) return; // left meanwhile
    this.expiredInARow = 0;
    const knownNewest = newestId(before.messages);
    const firstLoad = before.messages.length === 0;
    // Messages before the joined flag: a render in between then never shows a joined room without its snapshot.
    this.addMessages(frame.room, frame.history);
    this.updateRoom(frame.room, (r) => ({
      ...r,
      joined: true,
      members: frame.members,
      typing: [],
      hasMore: firstLoad ? frame.history.length >= HISTORY_DEFAULT_LIMIT : r.hasMore,
    }));

    // The join snapshot holds only the newest page. If the whole page is newer than what we held, more
    // messages may lie between the two: walk back with history pages until we reach known ground.
    const snapshotOldest = oldestId(frame.history);
    if (
      knownNewest !== undefined &&
      snapshotOldest !== undefined &&
      frame.history.length >= HISTORY_DEFAULT_LIMIT &&
      compareIds(snapshotOldest, knownNewest) > 0
    ) {
      this.requestHistory(frame.room, {
        purpose: 'gap',
        before: snapshotOldest,
        limit: HISTORY_MAX_LIMIT,
        stopAt: knownNewest,
        pages: 0,
        attempts: 0,
      });
    }
    this.outbox.pump(frame.room);
  }

  private onHistory(frame: HistoryPageFrame): void {
    this.addMessages(frame.room, frame.messages);
    const req = this.history.get(frame.room);
    if (!req) return;
    this.clearHistoryRequest(frame.room);
    if (req.purpose === 'older') {
      this.updateRoom(frame.room, (r) => ({ ...r, hasMore: frame.hasMore, loadingOlder: false }));
      return;
    }
    const stopAt = req.stopAt ?? '';
    const reached = !frame.hasMore || frame.messages.length === 0 || frame.messages.some((m) => compareIds(m.id, stopAt) <= 0);
    if (reached) return;
    if (req.pages + 1 >= this.maxGapPages) {
      this.addNotice('timeout', `Too many missed messages in ${frame.room}; some older ones were skipped.`);
      return;
    }
    const oldest = frame.messages.reduce((a, m) => (compareIds(m.id, a) < 0 ? m.id : a), frame.messages[0]!.id);
    this.requestHistory(frame.room, { ...req, before: oldest, pages: req.pages + 1, attempts: 0 });
  }

  private onAck(clientMsgId: string, id: string, ts: number): void {
    const out = this.findOutgoing(clientMsgId);
    if (!out) return;
    const sender: User = this.state.self ?? { userId: '', name: this.displayName };
    // The fan-out copy carries the same id and replaces this one; until then the ack alone is enough to show it.
    this.addMessages(out.room, [{ room: out.room, id, ts, sender, text: out.text, clientMsgId }]);
  }

  private onTyping(room: string, user: User): void {
    if (!this.state.rooms.has(room) || user.userId === this.state.self?.userId) return;
    const key = `${room}\n${user.userId}`;
    this.timers.clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(
      key,
      this.timers.setTimeout(() => this.clearTyping(room, user.userId), this.typingTtlMs),
    );
    const expiresAt = this.timers.now() + this.typingTtlMs;
    this.updateRoom(room, (r) => ({
      ...r,
      typing: [...r.typing.filter((t) => t.user.userId !== user.userId), { user, expiresAt }],
    }));
  }

  private clearTyping(room: string, userId: string): void {
    const key = `${room}\n${userId}`;
    this.timers.clearTimeout(this.typingTimers.get(key));
    this.typingTimers.delete(key);
    const r = this.state.rooms.get(room);
    if (!r || !r.typing.some((t) => t.user.userId === userId)) return;
    this.updateRoom(room, (s) => ({ ...s, typing: s.typing.filter((t) => t.user.userId !== userId) }));
  }

  private onError(frame: ErrorFrame): void {
    if (isConnectionExpired(frame)) return this.reconnectExpired();
    const out = frame.clientMsgId ? this.findOutgoing(frame.clientMsgId) : undefined;
    if (out && this.outbox.refused(out, frame.code, frame.message)) return;
    if (!out && frame.code === 'internal' && frame.clientMsgId && this.redriver.internalAfterAck(frame.clientMsgId)) return;
    if (frame.action === 'history') {
      // History frames and their errors carry no request id; release every waiting page so none hangs.
      for (const room of [...this.history.keys()]) {
        this.clearHistoryRequest(room);
        this.updateRoom(room, (r) => ({ ...r, loadingOlder: false }));
      }
    }
    if (frame.action === 'join') {
      // Error frames carry no room. With a single join outstanding the refusal can only be about that room,
      // so drop it instead of leaving it "joining" forever; after a reconnect (many outstanding) just report.
      const outstanding = this.state.roomOrder.filter((r) => !this.state.rooms.get(r)?.joined);
      if (outstanding.length === 1 && this.forgetRoom(outstanding[0]!)) {
        this.addNotice(frame.code, `Could not join #${outstanding[0]}: ${frame.message}`, frame.action);
        return;
      }
    }
    this.addNotice(frame.code, frame.message, frame.action);
  }

  /**
   * The server no longer knows this connection and closes it: reconnect with backoff as after any drop,
   * keeping rooms and the outbox, instead of waiting for the close or reporting an error.
   */
  private reconnectExpired(): void {
    const socket = this.socket;
    this.dropConnection();
    socket?.close(1000, 'connection expired');
    if (!this.started) return;
    this.expiredInARow += 1;
    // An open resets the attempt count; a server that keeps forgetting us must not get a reconnect loop.
    this.setState({ ...this.state, attempt: Math.max(this.state.attempt, this.expiredInARow - 1) });
    this.scheduleReconnect();
  }

  /**
   * Single entry for stored messages: merges by id and settles own sends they confirm, whether the proof
   * is an ack, the fan-out echo, or the message showing up in history after a reconnect.
   */
  private addMessages(room: string, messages: readonly Message[]): void {
    const before = this.state.rooms.get(room);
    if (!before || messages.length === 0) return;
    const after = reduceRoom(before, { type: 'stored', messages });
    const self = learnSelf(before, messages, this.state.self);
    this.setState({ ...this.state, self, rooms: new Map(this.state.rooms).set(room, after) });
    for (const clientMsgId of settledSends(before, after)) this.outbox.settled(room, clientMsgId);
  }

  private forgetRoom(room: string): boolean {
    const state = this.state.rooms.get(room);
    if (!state) return false;
    this.outbox.forgetRoom(room, state.outgoing.map((o) => o.clientMsgId));
    this.clearHistoryRequest(room);
    const rooms = new Map(this.state.rooms);
    rooms.delete(room);
    this.setState({ ...this.state, roomOrder: this.state.roomOrder.filter((r) => r !== room), rooms });
    return true;
  }

  // ---- outbox ----

  private findOutgoing(clientMsgId: string): OutgoingMessage | undefined {
    for (const room of this.state.roomOrder) {
      const found = this.state.rooms.get(room)?.outgoing.find((o) => o.clientMsgId === clientMsgId);
      if (found) return found;
    }
    return undefined;
  }

  // ---- history requests ----

  private requestHistory(room: string, req: Omit<HistoryRequest, 'timer'>): void {
    this.clearHistoryRequest(room);
    const frame: ClientFrame = {
      action: 'history',
      room,
      limit: req.limit,
      ...(req.before !== undefined ? { before: req.before } : {}),
    };
    if (!this.transmit(frame)) {
      if (req.purpose === 'older') this.updateRoom(room, (r) => ({ ...r, loadingOlder: false }));
      return;
    }
    const timer = this.timers.setTimeout(() => {
      this.history.delete(room);
      if (req.attempts + 1 < HISTORY_ATTEMPTS) {
        this.requestHistory(room, { ...req, attempts: req.attempts + 1 });
        return;
      }
      this.updateRoom(room, (r) => ({ ...r, loadingOlder: false }));
      this.addNotice('timeout', `History for ${room} did not arrive.`, 'history');
    }, this.historyTimeoutMs);
    this.history.set(room, { ...req, timer });
  }

  private clearHistoryRequest(room: string): void {
    const req = this.history.get(room);
    if (!req) return;
    this.timers.clearTimeout(req.timer);
    this.history.delete(room);
  }

  // ---- state plumbing ----

  private updateRoom(room: string, fn: (r: RoomState) => RoomState): void {
    const current = this.state.rooms.get(room);
    if (!current) return;
    this.setState({ ...this.state, rooms: new Map(this.state.rooms).set(room, fn(current)) });
  }

  private dispatch(room: string, event: RoomEvent): void {
    this.updateRoom(room, (r) => reduceRoom(r, event));
  }

  private setStatus(status: ConnectionStatus, extra: Partial<Pick<ChatState, 'attempt' | 'nextRetryAt'>> = {}): void {
    const changed = status !== this.state.status;
    this.setState({ ...this.state, ...extra, status });
    if (changed) this.events.emit('status', status);
  }

  private addNotice(code: Notice['code'], message: string, action?: string): void {
    this.noticeSeq += 1;
    const notice: Notice = { id: this.noticeSeq, code, message, at: this.timers.now(), ...(action ? { action } : {}) };
    this.setState({ ...this.state, notices: [...this.state.notices, notice].slice(-MAX_NOTICES) });
    this.events.emit('notice', notice);
  }

  private setState(next: ChatState): void {
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }
}
