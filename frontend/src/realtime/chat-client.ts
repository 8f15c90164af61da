import {
  sendFrame as sendFrameSchema,
  type ClientFrame,
  type ErrorFrame,
  type ServerFrame,
} from '@chat/backend/protocol';
import { reduceFrame, showsTyping, type FrameContext } from './chat-reducer.js';
import {
  addRoom,
  disconnectRooms,
  dismissNotice,
  findOutgoing,
  outstandingJoins,
  ownStored,
  removeRoom,
  settledBetween,
  updateRoom,
  withConnection,
  withoutTyping,
} from './chat-state.js';
import { ChatStore, type ChatClientEvents } from './chat-store.js';
import { resolveOptions, type ChatClientOptions, type ResolvedOptions } from './client-options.js';
import { Connection } from './connection.js';
import { gapAfterJoin, nextGapStep, olderPageRequest } from './gap-fill.js';
import { HistoryRequests } from './history-requests.js';
import { classifyInbound, isConnectionExpired } from './inbound.js';
import { checkRoomName } from './names.js';
import { Outbox } from './outbox.js';
import { Redriver } from './redrive.js';
import { socketUrl, type Credentials } from './socket.js';
import { initialChatState, type ChatState, type OutgoingMessage } from './state.js';
import { identityOf } from './token-identity.js';
import { TypingTimers } from './typing.js';

export type { ChatClientOptions } from './client-options.js';
export type { ChatClientEvents } from './chat-store.js';

/** A refused send never reaches the outbox, so the composer can keep the text and show why. */
export type SendResult = { ok: true; clientMsgId: string } | { ok: false; error: string };

/**
 * Framework-free chat connection: one WebSocket, the rooms it is in, and everything needed to make a
 * flaky mobile network invisible to the UI. It wires small parts together: {@link Connection} (reconnect,
 * heartbeat, socket lifetime), {@link Outbox} and {@link Redriver} (sends until stored and delivered),
 * {@link HistoryRequests} with gap-fill.ts (pages after a reconnect), and {@link reduceFrame}, the one pure
 * reducer of server frames into the snapshot.
 *
 * State is an immutable snapshot (see {@link ChatState}) kept by {@link ChatStore} and exposed through
 * subscribe/getSnapshot, the shape `useSyncExternalStore` expects, so React is a thin layer on top.
 */
export class ChatClient {
  private readonly store: ChatStore;
  private credentials: Credentials;
  private readonly options: ResolvedOptions;
  private readonly connection: Connection;
  private readonly outbox: Outbox;
  private readonly redriver: Redriver;
  private readonly history: HistoryRequests;
  private readonly typingTimers: TypingTimers;

  constructor(options: ChatClientOptions) {
    const o = resolveOptions(options);
    this.options = o;
    this.credentials = options.credentials;
    const { timers, random } = o;
    this.store = new ChatStore({ ...initialChatState, self: identityOf(options.credentials) }, () => timers.now());
    const transmit = (frame: ClientFrame) => this.connection.transmit(frame);
    this.connection = new Connection(
      {
        url: () => socketUrl(o.url, this.credentials),
        opened: () => {
          for (const room of this.state.roomOrder) transmit({ action: 'join', room });
        },
        received: (data) => this.received(data),
        dropped: () => this.connectionDropped(),
        report: (report) => {
          const changed = report.status !== this.state.status;
          this.store.set(withConnection(this.state, report));
          if (changed) this.store.events.emit('status', report.status);
        },
        failedToOpen: (error) => this.store.notice('protocol', `Cannot open the connection: ${String(error)}`),
      },
      o,
    );
    this.outbox = new Outbox(
      {
        queue: (room) => this.state.rooms.get(room)?.outgoing ?? [],
        transmit: ({ room, text, clientMsgId }) =>
          this.state.rooms.get(room)?.joined === true && transmit({ action: 'send', room, text, clientMsgId }),
        giveUp: (out, error) => this.store.dispatch(out.room, { type: 'failed', clientMsgId: out.clientMsgId, error }),
        // A send without an ack on an open socket hints at a server that stopped answering: probe it now.
        unanswered: () => this.connection.check(),
        held: (room, hold) => this.store.dispatch(room, { type: 'held', hold }),
        released: (room) => this.store.dispatch(room, { type: 'released' }),
      },
      {
        timers,
        random,
        ackTimeoutMs: o.ackTimeoutMs,
        rateLimitRetryMs: o.rateLimitRetryMs,
        maxRateLimitedResends: 3,
        internalBackoff: o.internalRetryBackoff,
        maxInternalResends: o.maxInternalResends,
      },
    );
    this.redriver = new Redriver(
      { stored: (clientMsgId) => ownStored(this.state, clientMsgId), transmit },
      { timers, random, backoff: o.internalRetryBackoff, maxAttempts: o.maxInternalResends },
    );
    this.history = new HistoryRequests(
      {
        transmit,
        abandoned: (room, req, reason) => {
          if (reason === 'unsent' && req.purpose !== 'older') return;
          this.setLoadingOlder(room, false);
          if (reason === 'timeout') this.store.notice('timeout', `History for ${room} did not arrive.`, 'history');
        },
      },
      { timers, timeoutMs: o.historyTimeoutMs },
    );
    this.typingTimers = new TypingTimers({
      timers,
      throttleMs: o.typingThrottleMs,
      ttlMs: o.typingTtlMs,
      expire: (room, userId) => this.clearTyping(room, userId),
    });
  }

  // ---- store interface (useSyncExternalStore) ----

  readonly subscribe = (listener: () => void): (() => void) => this.store.subscribe(listener);

  readonly getSnapshot = (): ChatState => this.store.getSnapshot();

  /** The client's clock, so the UI's countdowns agree with its timers (a manual clock in tests). */
  readonly now = (): number => this.options.timers.now();

  on<K extends keyof ChatClientEvents>(event: K, listener: ChatClientEvents[K]): () => void {
    return this.store.events.on(event, listener);
  }

  // ---- lifecycle ----

  /** Opens the connection; idempotent. */
  start(): void {
    this.connection.start();
  }

  /** Closes for good (sign-out, unmount); no reconnect follows. */
  stop(): void {
    this.connection.stop();
    this.typingTimers.stop();
  }

  /** Skips the remaining backoff delay, e.g. when the user presses "retry now". */
  reconnectNow(): void {
    this.connection.reconnectNow();
  }

  /**
   * Signs the connection in with new credentials, e.g. a renewed ID token. The socket is replaced at once (one
   * that is open keeps the identity it opened with); rooms, messages and queued sends stay and go out on the new
   * socket with their clientMsgIds, as after any reconnect, so none is lost and the server stores each once.
   */
  updateCredentials(credentials: Credentials): void {
    if (socketUrl(this.options.url, credentials) === socketUrl(this.options.url, this.credentials)) return;
    this.credentials = credentials;
    // Until a socket opens with them, a failing handshake may be these credentials refused (see connectedOnce).
    this.store.set({ ...this.state, self: identityOf(credentials) ?? this.state.self, connectedOnce: false });
    this.connection.renew();
  }

  /**
   * The browser says the network or the tab is back (online, visibilitychange): reconnect at once when
   * disconnected, or ping an open socket so one that died while the tab slept is replaced within seconds.
   */
  checkConnection(): void {
    this.connection.check();
  }

  // ---- rooms ----

  /** Joins a room as typed ("#general" is general); a name the server would refuse comes back with the reason. */
  join(input: string): { ok: true; room: string } | { ok: false; error: string } {
    const checked = checkRoomName(input);
    if (!checked.ok) return checked;
    const room = checked.value;
    if (this.state.rooms.has(room)) return { ok: true, room };
    this.store.set(addRoom(this.state, room));
    this.connection.transmit({ action: 'join', room });
    return { ok: true, room };
  }

  /** Forgets the room locally at once; the server's `left` needs no handling beyond that. */
  leave(room: string): void {
    if (!this.forgetRoom(room)) return;
    this.connection.transmit({ action: 'leave', room });
  }

  /** Asks for the page before the oldest loaded message; a no-op while a page is on its way or none is left. */
  loadOlder(room: string): void {
    const state = this.state.rooms.get(room);
    if (!state || !state.joined || !state.hasMore || this.history.has(room)) return;
    this.setLoadingOlder(room, true);
    this.history.request(room, olderPageRequest(state));
  }

  // ---- messages ----

  /**
   * Optimistic send: the message shows as pending at once and joins its room's queue, which sends one message
   * at a time (see {@link Outbox}). Validated against the protocol schema first so the server never has to refuse it.
   */
  send(room: string, text: string): SendResult {
    if (!this.state.rooms.has(room)) return { ok: false, error: `not in room ${room}` };
    const clientMsgId = this.options.newClientMsgId();
    const valid = sendFrameSchema.safeParse({ action: 'send', room, text, clientMsgId });
    if (!valid.success) return { ok: false, error: valid.error.issues[0]?.message ?? 'invalid message' };
    const out: OutgoingMessage = { clientMsgId, room, text, status: 'pending', createdAt: this.options.timers.now() };
    this.store.dispatch(room, { type: 'queued', out });
    this.outbox.pump(room);
    return { ok: true, clientMsgId };
  }

  /**
   * Queues a failed message again, behind what was typed meanwhile, with the same clientMsgId so a send that
   * did reach the server is not stored twice.
   */
  retry(clientMsgId: string): void {
    const out = findOutgoing(this.state, clientMsgId);
    if (!out || out.status !== 'failed') return;
    this.outbox.reset(clientMsgId);
    this.store.dispatch(out.room, { type: 'requeued', clientMsgId });
    this.outbox.pump(out.room);
  }

  /** Drops a failed message the user gave up on. */
  discard(clientMsgId: string): void {
    const out = findOutgoing(this.state, clientMsgId);
    if (!out || out.status !== 'failed') return;
    this.outbox.reset(clientMsgId);
    this.store.dispatch(out.room, { type: 'discarded', clientMsgId });
  }

  /** Throttled: call it on every keystroke; at most one typing frame per room per throttle window goes out. */
  typing(room: string): void {
    if (!this.state.rooms.get(room)?.joined) return;
    this.typingTimers.notify(room, () => this.connection.transmit({ action: 'typing', room }));
  }

  dismissNotice(id: number): void {
    this.store.set(dismissNotice(this.state, id));
  }

  // ---- inbound frames ----

  private received(data: unknown): void {
    const inbound = classifyInbound(typeof data === 'string' ? data : String(data));
    // Requests the gateway dropped are recovered by their own timers (ack timeout, history retry).
    if (inbound.kind === 'gateway')
      this.store.notice('internal', `The server could not handle a request (${inbound.message}).`);
    if (inbound.kind === 'malformed')
      this.store.notice('protocol', 'Received a malformed frame from the server; ignored it.');
    if (inbound.kind !== 'frame') return;
    this.handleFrame(inbound.frame);
    this.store.events.emit('frame', inbound.frame);
  }

  /** Reduces the frame into the snapshot, then does what it asks of timers, the outbox and the socket. */
  private handleFrame(frame: ServerFrame): void {
    const before = this.state;
    this.store.set(reduceFrame(before, frame, this.frameContext()));
    switch (frame.type) {
      case 'joined': {
        const room = before.rooms.get(frame.room);
        if (!room) return;
        this.connection.confirmed();
        const gap = gapAfterJoin(room, frame);
        if (gap) this.history.request(frame.room, gap);
        this.settle(before);
        return this.outbox.pump(frame.room);
      }
      case 'message':
        this.typingTimers.hidden(frame.room, frame.sender.userId);
        return this.settle(before);
      case 'ack':
        return this.settle(before);
      case 'typing':
        if (showsTyping(before, frame)) this.typingTimers.shown(frame.room, frame.user.userId);
        return;
      case 'history':
        this.settle(before);
        return this.continueGap(frame);
      case 'error':
        return this.onError(frame);
      case 'presence':
      case 'left':
      case 'pong':
        return;
      default: {
        const unknown: never = frame;
        void unknown; // a type added to the protocol but not here: the reducer already left the snapshot alone
      }
    }
  }

  private frameContext(): FrameContext {
    return {
      now: this.options.timers.now(),
      typingTtlMs: this.options.typingTtlMs,
      displayName: this.options.displayName,
      awaitingOlder: (room) => this.history.purposeOf(room) === 'older',
    };
  }

  /** Lets the outbox send the next message of each room where this frame proved a send stored. */
  private settle(before: ChatState): void {
    for (const { room, clientMsgId } of settledBetween(before, this.state)) this.outbox.settled(room, clientMsgId);
  }

  private continueGap(frame: Extract<ServerFrame, { type: 'history' }>): void {
    const req = this.history.answered(frame.room);
    if (req?.purpose !== 'gap') return;
    const step = nextGapStep(req, frame, this.options.maxGapPages);
    if (step.kind === 'next') this.history.request(frame.room, step.request);
    if (step.kind === 'exhausted')
      this.store.notice('timeout', `Too many missed messages in ${frame.room}; some older ones were skipped.`);
  }

  private onError(frame: ErrorFrame): void {
    if (isConnectionExpired(frame)) return this.connection.expired();
    const out = frame.clientMsgId ? findOutgoing(this.state, frame.clientMsgId) : undefined;
    if (out && this.outbox.refused(out, frame.code, frame.message)) return;
    if (!out && frame.code === 'internal' && frame.clientMsgId && this.redriver.internalAfterAck(frame.clientMsgId))
      return;
    if (frame.action === 'history') {
      // History frames and their errors carry no request id; release every waiting page so none hangs.
      for (const room of this.history.clearAll()) this.setLoadingOlder(room, false);
    }
    if (frame.action === 'join') {
      // Error frames carry no room. With a single join outstanding the refusal can only be about that room,
      // so drop it instead of leaving it "joining" forever; after a reconnect (many outstanding) just report.
      const outstanding = outstandingJoins(this.state);
      if (outstanding.length === 1 && this.forgetRoom(outstanding[0]!)) {
        this.store.notice(frame.code, `Could not join #${outstanding[0]}: ${frame.message}`, frame.action);
        return;
      }
    }
    this.store.notice(frame.code, frame.message, frame.action);
  }

  // ---- local state ----

  /** Forgets everything tied to the socket; rooms, messages and the outbox survive for the next one. */
  private connectionDropped(): void {
    this.outbox.disconnected();
    this.history.clearAll();
    this.typingTimers.disconnected();
    this.store.set(disconnectRooms(this.state));
  }

  private forgetRoom(room: string): boolean {
    const state = this.state.rooms.get(room);
    if (!state) return false;
    this.outbox.forgetRoom(
      room,
      state.outgoing.map((o) => o.clientMsgId),
    );
    this.history.clear(room);
    this.store.set(removeRoom(this.state, room));
    return true;
  }

  private clearTyping(room: string, userId: string): void {
    this.typingTimers.hidden(room, userId);
    this.store.set(withoutTyping(this.state, room, userId));
  }

  private setLoadingOlder(room: string, loadingOlder: boolean): void {
    this.store.set(updateRoom(this.state, room, (r) => (r.loadingOlder === loadingOlder ? r : { ...r, loadingOlder })));
  }

  private get state(): ChatState {
    return this.store.getSnapshot();
  }
}
