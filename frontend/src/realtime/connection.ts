import type { ClientFrame } from '@chat/backend/protocol';
import { fullJitterDelay } from './backoff.js';
import type { ResolvedOptions } from './client-options.js';
import { SOCKET_OPEN, type WebSocketLike } from './socket.js';
import type { ConnectionStatus } from './state.js';

/** The connection's part of the UI state: reported whole on every change so the client has one thing to copy. */
export interface ConnectionReport {
  status: ConnectionStatus;
  /** Failed attempts since the last open socket. */
  attempt: number;
  nextRetryAt: number | undefined;
}

/** How the connection reaches the client: it knows sockets and timers, the client knows rooms and state. */
export interface ConnectionPort {
  /** The handshake URL for the next socket, asked at each one: the credentials in it may have been renewed. */
  url(): string;
  /** A socket opened: re-join the rooms. */
  opened(): void;
  /** A frame arrived on the current socket. */
  received(data: unknown): void;
  /** The socket is gone: forget what was tied to it (joins, sends on the wire, pending pages). */
  dropped(): void;
  report(report: ConnectionReport): void;
  /** The WebSocket constructor itself threw (e.g. a malformed URL). */
  failedToOpen(error: unknown): void;
}

export type ConnectionOptions = Pick<
  ResolvedOptions,
  | 'WebSocket'
  | 'timers'
  | 'random'
  | 'backoff'
  | 'heartbeatMs'
  | 'connectTimeoutMs'
  | 'pongTimeoutMs'
  | 'maxConnectionMs'
>;

/**
 * One WebSocket at a time and the rules for replacing it: jittered backoff after a drop, a handshake timeout
 * for black-holed networks, a ping/pong heartbeat that notices a server which stopped answering (and keeps the
 * socket under API Gateway's 10-minute idle timeout), a fresh socket before its 2-hour limit, and a backoff that
 * keeps growing when the server forgets each new connection at once.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html#apigateway-execution-service-websocket-limits-table
 */
export class Connection {
  private socket: WebSocketLike | undefined;
  private started = false;
  private opens = 0;
  private attempt = 0;
  /** Connections in a row the server answered `unauthorized`; keeps the backoff growing if that repeats. */
  private expiredInARow = 0;
  private retryTimer: unknown;
  private connectTimer: unknown;
  private heartbeatTimer: unknown;
  private pongTimer: unknown;
  private lifetimeTimer: unknown;

  constructor(
    private readonly port: ConnectionPort,
    private readonly options: ConnectionOptions,
  ) {}

  /** Opens the connection; idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.open();
  }

  /** Closes for good; no reconnect follows. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.options.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.closeCurrent('client stopped');
    this.attempt = 0;
    this.report('idle', undefined);
  }

  /** Skips the remaining backoff delay. */
  reconnectNow(): void {
    if (!this.started || this.socket) return;
    this.options.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.open();
  }

  /**
   * Something suggests the socket may be dead (the tab came back, the network changed, a send got no ack):
   * reconnect at once if there is no socket, or ping an open one so a silent server is noticed within the pong
   * timeout instead of at the next heartbeat.
   */
  check(): void {
    if (!this.started) return;
    if (!this.socket) return this.reconnectNow();
    if (this.socket.readyState === SOCKET_OPEN) this.ping();
  }

  /** Puts a frame on the wire; false when no socket is open, so callers can keep it for later. */
  transmit(frame: ClientFrame): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== SOCKET_OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  /**
   * The credentials changed: replace the socket, or skip the backoff, at once, since only a new handshake carries
   * them (API Gateway authorizes a connection once, at $connect).
   */
  renew(): void {
    if (!this.started) return;
    this.options.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempt = 0; // failures so far were with the old credentials
    this.recycle('credentials renewed');
  }

  /** A join succeeded, so the server knows this connection: an expiry after this starts the count afresh. */
  confirmed(): void {
    this.expiredInARow = 0;
  }

  /**
   * The server no longer knows this connection and closes it: reconnect with backoff as after any drop,
   * instead of waiting for the close or reporting an error.
   */
  expired(): void {
    this.closeCurrent('connection expired');
    if (!this.started) return;
    this.expiredInARow += 1;
    // An open resets the attempt count; a server that keeps forgetting us must not get a reconnect loop.
    this.attempt = Math.max(this.attempt, this.expiredInARow - 1);
    this.scheduleReconnect();
  }

  /** `deliberate`: replacing a working socket on purpose is connecting, not a connection lost. */
  private open(deliberate = false): void {
    const firstEver = this.opens === 0 && this.attempt === 0;
    this.report(firstEver || deliberate ? 'connecting' : 'reconnecting', undefined);
    let socket: WebSocketLike;
    try {
      socket = new this.options.WebSocket(this.port.url());
    } catch (error) {
      this.port.failedToOpen(error);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.connectTimer = this.options.timers.setTimeout(() => {
      if (this.socket !== socket) return;
      this.closeCurrent('handshake timeout');
      if (this.started) this.scheduleReconnect();
    }, this.options.connectTimeoutMs);
    socket.onopen = () => {
      if (this.socket === socket) this.handleOpen();
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.drop();
      if (this.started) this.scheduleReconnect();
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      // Any inbound frame proves the socket is alive.
      this.options.timers.clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
      this.port.received(event.data);
    };
  }

  private handleOpen(): void {
    const { timers, maxConnectionMs } = this.options;
    timers.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.opens += 1;
    this.attempt = 0;
    this.report('open', undefined);
    this.scheduleHeartbeat();
    timers.clearTimeout(this.lifetimeTimer);
    this.lifetimeTimer = timers.setTimeout(() => this.recycle('recycle'), maxConnectionMs);
    this.port.opened();
  }

  /** Replaces the socket without waiting for a backoff, e.g. one that is about to hit the 2-hour limit. */
  private recycle(reason: string): void {
    this.closeCurrent(reason);
    if (this.started) this.open(true);
  }

  private scheduleReconnect(): void {
    const { timers, backoff, random } = this.options;
    const delay = fullJitterDelay(this.attempt, backoff, random);
    this.attempt += 1;
    this.report('reconnecting', timers.now() + delay);
    this.retryTimer = timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.started && !this.socket) this.open();
    }, delay);
  }

  private scheduleHeartbeat(): void {
    const { timers, heartbeatMs } = this.options;
    timers.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = timers.setTimeout(() => {
      if (this.socket?.readyState !== SOCKET_OPEN) return;
      this.scheduleHeartbeat();
      this.ping();
    }, heartbeatMs);
  }

  /** One ping with a deadline; a ping already waiting for its answer keeps its own deadline. */
  private ping(): void {
    if (this.pongTimer !== undefined) return;
    // Armed before sending: the pong may be handled before send() even returns.
    this.pongTimer = this.options.timers.setTimeout(() => {
      this.pongTimer = undefined;
      this.silent();
    }, this.options.pongTimeoutMs);
    this.transmit({ action: 'ping' });
  }

  /** The server stopped answering on an open socket: say so at once and replace the socket. */
  private silent(): void {
    this.closeCurrent('no pong');
    if (this.started) this.open();
  }

  /** Detaches the current socket first, so its own close event cannot schedule a second reconnect. */
  private closeCurrent(reason: string): void {
    const socket = this.socket;
    this.drop();
    socket?.close(1000, reason);
  }

  /** Forgets everything tied to the current socket. */
  private drop(): void {
    const socket = this.socket;
    if (socket) socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
    this.socket = undefined;
    const { timers } = this.options;
    for (const t of [this.connectTimer, this.heartbeatTimer, this.pongTimer, this.lifetimeTimer])
      timers.clearTimeout(t);
    this.connectTimer = this.heartbeatTimer = this.pongTimer = this.lifetimeTimer = undefined;
    this.port.dropped();
  }

  private report(status: ConnectionStatus, nextRetryAt: number | undefined): void {
    this.port.report({ status, attempt: this.attempt, nextRetryAt });
  }
}
