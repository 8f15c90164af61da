import type { WebSocket } from 'ws';
import type { ConnectionInfo } from './event-builder.js';
import type { GatewayLimits } from './limits.js';

/**
 * A connection after a successful $connect. Owns the idle and lifetime timers because API Gateway enforces
 * both per connection; "Going away" (1001) is what AWS clients receive in both cases.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html
 */
export class LiveConnection {
  lastActiveAt: number;
  /** Set when the gateway closes the socket, so $disconnect reports the gateway's code rather than the client's echo. */
  closedBy: { code: number; reason: string } | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly lifetimeTimer: NodeJS.Timeout;
  private lastReceivedAt = 0;

  constructor(
    readonly info: ConnectionInfo,
    readonly socket: WebSocket,
    private readonly limits: Pick<GatewayLimits, 'idleTimeoutMs' | 'maxLifetimeMs'>,
  ) {
    this.lastActiveAt = info.connectedAt;
    this.lifetimeTimer = setTimeout(() => this.close(1001, 'Going away'), limits.maxLifetimeMs);
    this.lifetimeTimer.unref();
    this.touch();
  }

  /**
   * The requestTimeEpoch of a frame just read from this socket. API Gateway stamps a frame when it arrives; this
   * gateway can only stamp it when its event loop gets to it, and under load it reads frames sent milliseconds apart
   * in one go. They arrived in order on one TCP stream, so each gets at least the previous one's time plus 1 ms:
   * the order API Gateway would have seen, which message ids are built from.
   */
  receivedAt(now = Date.now()): number {
    this.lastReceivedAt = Math.max(now, this.lastReceivedAt + 1);
    return this.lastReceivedAt;
  }

  get connectionId() {
    return this.info.connectionId;
  }
  get connectedAt() {
    return this.info.connectedAt;
  }
  get identity() {
    return this.info.identity;
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN && this.closedBy === undefined;
  }

  /**
   * Data frames in either direction count as activity (server-sent keep-alives work on AWS, see e.g.
   * https://hotsock.io/docs/connections/keep-alive). Ping/pong control frames do not, as far as anyone has
   * documented, so clients should heartbeat with a data frame.
   */
  touch(now = Date.now()): void {
    this.lastActiveAt = now;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(1001, 'Going away'), this.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }

  /** `disconnectReason` is what $disconnect reports when AWS words it differently from the close frame. */
  close(code: number, reason: string, disconnectReason = reason): void {
    if (this.closedBy) return;
    this.closedBy = { code, reason: disconnectReason };
    this.dispose();
    this.socket.close(code, reason);
    // A client that never answers the close handshake must not keep the connection (and $disconnect) pending.
    setTimeout(() => this.socket.terminate(), 5_000).unref();
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifetimeTimer);
  }
}

/** Live connections by id: the @connections API and the router look them up here. */
export class ConnectionRegistry {
  private readonly connections = new Map<string, LiveConnection>();

  add(connection: LiveConnection): void {
    this.connections.set(connection.connectionId, connection);
  }

  /** Only open connections: a closing one is already "gone" for the @connections API. */
  getOpen(connectionId: string): LiveConnection | undefined {
    const connection = this.connections.get(connectionId);
    return connection?.isOpen ? connection : undefined;
  }

  delete(connectionId: string): void {
    this.connections.get(connectionId)?.dispose();
    this.connections.delete(connectionId);
  }

  all(): LiveConnection[] {
    return [...this.connections.values()];
  }

  get size(): number {
    return this.connections.size;
  }
}
