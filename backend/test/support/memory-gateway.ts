import { ConnectionGoneError, GatewayError, PayloadTooLargeError } from '../../src/domain/errors.js';
import type { ConnectionGateway } from '../../src/domain/ports.js';
import { MAX_FRAME_BYTES, serverFrameSchema, type ServerFrame } from '../../src/protocol/index.js';

export interface PostedFrame {
  connectionId: string;
  frame: ServerFrame;
}

/**
 * ConnectionGateway that records what each connection would receive. Every connection is alive until it is
 * marked gone or closed, then posts throw ConnectionGoneError like API Gateway's 410. Frames go through JSON
 * and the protocol schema, so a test sees exactly what a client would parse, and a frame that breaks the
 * protocol or the 128 KB limit fails loudly here instead of in production.
 */
export class MemoryGateway implements ConnectionGateway {
  /** Every delivered frame in delivery order. */
  readonly posts: PostedFrame[] = [];
  /** Connections closed through close(), in call order. */
  readonly closed: string[] = [];
  private readonly gone = new Set<string>();
  private readonly failures = new Map<string, unknown[]>();

  async post(connectionId: string, frame: ServerFrame): Promise<void> {
    const failure = this.failures.get(connectionId)?.shift();
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- tests inject whatever a real gateway might throw
    if (failure !== undefined) throw failure;
    if (this.gone.has(connectionId)) throw new ConnectionGoneError(connectionId);
    const data = JSON.stringify(frame);
    const bytes = Buffer.byteLength(data, 'utf8');
    if (bytes > MAX_FRAME_BYTES) throw new PayloadTooLargeError(connectionId, bytes);
    const parsed = serverFrameSchema.safeParse(JSON.parse(data));
    if (!parsed.success) {
      throw new Error(`MemoryGateway: frame for ${connectionId} breaks the protocol: ${parsed.error.message}`);
    }
    this.posts.push({ connectionId, frame: parsed.data });
  }

  /** Idempotent like the API Gateway adapter: closing a connection that is already gone is not an error. */
  async close(connectionId: string): Promise<void> {
    if (this.gone.has(connectionId)) return;
    this.gone.add(connectionId);
    this.closed.push(connectionId);
  }

  /** From now on posts to the connection throw ConnectionGoneError (the client vanished without $disconnect). */
  markGone(connectionId: string): void {
    this.gone.add(connectionId);
  }

  isGone(connectionId: string): boolean {
    return this.gone.has(connectionId);
  }

  /** Makes the next post to the connection throw `error` (a GatewayError 500 by default). */
  failNext(connectionId: string, error: unknown = new GatewayError(connectionId, 500)): void {
    const queue = this.failures.get(connectionId) ?? [];
    queue.push(error);
    this.failures.set(connectionId, queue);
  }

  /** Drops the failures still queued for the connection (the throttling is over). */
  clearFailures(connectionId: string): void {
    this.failures.delete(connectionId);
  }

  /** Frames one connection received, oldest first. */
  framesFor(connectionId: string): ServerFrame[] {
    return this.posts.filter((p) => p.connectionId === connectionId).map((p) => p.frame);
  }

  /** Frames of one type one connection received, narrowed to that type. */
  framesOfType<T extends ServerFrame['type']>(connectionId: string, type: T): Array<Extract<ServerFrame, { type: T }>> {
    return this.framesFor(connectionId).filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type);
  }

  /** Forgets recorded posts (not gone or closed state), between the Act steps of one test. */
  clearPosts(): void {
    this.posts.length = 0;
  }
}
