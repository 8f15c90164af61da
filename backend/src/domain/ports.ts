import type { Message, ServerFrame, User } from '../protocol/index.js';

/** A live WebSocket connection and who it belongs to (from the $connect authorizer). */
export interface ConnectionRecord {
  connectionId: string;
  user: User;
  connectedAt: number;
}

/** One connection's membership of one room; the unit fan-out iterates over. */
export interface Membership {
  room: string;
  connectionId: string;
  user: User;
  joinedAt: number;
}

/**
 * Connections and room memberships. Implemented by DynamoDB (cloud and local via dynalite) and by an
 * in-memory fake; both must pass test/contracts/connection-store.contract.ts.
 */
export interface ConnectionStore {
  saveConnection(record: ConnectionRecord): Promise<void>;
  getConnection(connectionId: string): Promise<(ConnectionRecord & { rooms: string[] }) | undefined>;
  /**
   * Deletes the connection and every membership it holds, by key (no Scan). Idempotent, so a 410 during
   * fan-out and the later $disconnect can both call it. Returns the rooms it was in.
   */
  removeConnection(connectionId: string): Promise<string[]>;
  /** Adds a membership; throws ConnectionGoneError when the connection no longer exists. Idempotent. */
  addMembership(membership: Membership): Promise<void>;
  /** Returns whether the connection was a member. */
  removeMembership(room: string, connectionId: string): Promise<boolean>;
  isMember(room: string, connectionId: string): Promise<boolean>;
  /**
   * Members page by page (one Query page each), so fan-out to a large room streams instead of buffering.
   * `pageSize` lets a caller that needs only the first few read only those.
   */
  members(room: string, options?: { pageSize?: number }): AsyncIterable<Membership[]>;
}

export interface HistoryPage {
  /** Oldest first. */
  messages: Message[];
  hasMore: boolean;
}

/** Room history. Implemented by DynamoDB and an in-memory fake; contract: message-store.contract.ts. */
export interface MessageStore {
  /**
   * Stores the message once per (room, sender.userId, clientMsgId). A repeat returns the message stored
   * the first time with `created: false`, so retries after a lost ack are safe.
   */
  append(message: Message): Promise<{ message: Message; created: boolean }>;
  /** Newest `limit` messages strictly older than `before` (a message id), returned oldest first. */
  page(room: string, options: { before?: string; limit: number }): Promise<HistoryPage>;
}

/** Delivers frames to live connections; implemented by API Gateway's management API (cloud and local). */
export interface ConnectionGateway {
  /** Throws ConnectionGoneError when the connection is gone (410). */
  post(connectionId: string, frame: ServerFrame): Promise<void>;
  close(connectionId: string): Promise<void>;
}

/** How many actions of one kind a connection may take per fixed window. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/**
 * Per-connection rate limits. Lambdas are stateless and many run at once, so the count lives in the store
 * (the connection's item), not in memory. Contract: rate-limiter.contract.ts.
 */
export interface RateLimiter {
  /** Counts one action in the current window; false when the window's allowance is used up. */
  tryConsume(connectionId: string, bucket: string, policy: RateLimit): Promise<boolean>;
}

export interface Clock {
  now(): number;
}

/** Makes message ids that sort by time (the contract promises that ids sort by time). */
export interface IdGenerator {
  messageId(ts: number): string;
}
