import { shardForJoin } from '../../src/adapters/dynamodb/membership-keys.js';
import {
  ConnectionExpiredError,
  ConnectionGoneError,
  StoreUnavailableError,
  TooManyRoomsError,
} from '../../src/domain/errors.js';
import type {
  Clock,
  RateLimit,
  RateLimiter,
  ConnectionRecord,
  ConnectionStore,
  FanoutClaims,
  FanoutJobKey,
  HistoryPage,
  Membership,
  MessageStore,
  RoomInfo,
  SendReservation,
} from '../../src/domain/ports.js';
import type { Message } from '../../src/protocol/index.js';
import { bytesOf } from '../../src/domain/frame-budget.js';

/**
 * DynamoDB compares string keys by their UTF-8 bytes, JavaScript's `<` by UTF-16 code units; the fakes sort
 * like DynamoDB so a test cannot pass here and fail against the real store.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.String
 */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** One-shot failures, so domain tests can provoke a store outage on a chosen call. */
class FaultInjector<Method extends string> {
  private readonly pending = new Map<Method, unknown[]>();

  failNext(method: Method, error: unknown = new StoreUnavailableError(`injected failure of ${method}`)): void {
    const queue = this.pending.get(method) ?? [];
    queue.push(error);
    this.pending.set(method, queue);
  }

  check(method: Method): void {
    const queue = this.pending.get(method);
    if (queue === undefined || queue.length === 0) return;
    const error = queue.shift();
    throw error;
  }
}

type ConnectionMethod = keyof ConnectionStore;
type MessageMethod = keyof MessageStore;

interface StoredConnection {
  record: ConnectionRecord;
  /** room -> shard */
  rooms: Map<string, number>;
}

/**
 * ConnectionStore with the DynamoDB adapter's semantics (idempotent removal, ConnectionGoneError on joining
 * after disconnect, a join in the lowest shard with room, members in key order page by page) and none of its latency.
 * Passes the same contract.
 */
export class MemoryConnectionStore implements ConnectionStore {
  private readonly connections = new Map<string, StoredConnection>();
  /** `<room>#<shard>` -> members of that shard. */
  private readonly shards = new Map<string, Map<string, Membership>>();
  private readonly meta = new Map<string, RoomInfo>();
  private readonly faults = new FaultInjector<ConnectionMethod>();
  private readonly pageSize: number;
  private readonly shardSize: number;

  constructor(options: { membersPageSize?: number; shardSize?: number } = {}) {
    this.pageSize = options.membersPageSize ?? 1000;
    this.shardSize = options.shardSize ?? 500;
  }

  /** Makes the next call of `method` throw `error` (a StoreUnavailableError by default). */
  failNext(method: ConnectionMethod, error?: unknown): void {
    this.faults.failNext(method, error);
  }

  async saveConnection(record: ConnectionRecord): Promise<void> {
    this.faults.check('saveConnection');
    // Like the adapter's UpdateItem SET: a repeated $connect keeps the rooms already joined.
    const existing = this.connections.get(record.connectionId);
    this.connections.set(record.connectionId, { record: structuredClone(record), rooms: existing?.rooms ?? new Map() });
  }

  async getConnection(connectionId: string): Promise<(ConnectionRecord & { rooms: string[] }) | undefined> {
    this.faults.check('getConnection');
    const stored = this.connections.get(connectionId);
    if (stored === undefined) return undefined;
    return { ...structuredClone(stored.record), rooms: [...stored.rooms.keys()].sort() };
  }

  async removeConnection(connectionId: string, seen?: { room: string; shard: number }): Promise<string[]> {
    this.faults.check('removeConnection');
    const stored = this.connections.get(connectionId);
    if (seen !== undefined) this.deleteMembership(seen.room, seen.shard, connectionId);
    if (stored === undefined) return [];
    const rooms = [...stored.rooms.keys()].sort();
    for (const [room, shard] of stored.rooms) {
      this.deleteMembership(room, shard, connectionId);
      this.count(room, -1);
    }
    this.connections.delete(connectionId);
    return rooms;
  }

  async addMembership(
    membership: Omit<Membership, 'shard'>,
    options: { maxRooms?: number } = {},
  ): Promise<{ already: boolean; room: RoomInfo }> {
    this.faults.check('addMembership');
    const { room, connectionId } = membership;
    const stored = this.connections.get(connectionId);
    if (stored === undefined) throw new ConnectionGoneError(connectionId);
    let shard = stored.rooms.get(room);
    const already = shard !== undefined;
    if (shard === undefined) {
      if (options.maxRooms !== undefined && stored.rooms.size >= options.maxRooms)
        throw new TooManyRoomsError(options.maxRooms);
      const info = this.count(room, 1);
      shard = shardForJoin((s) => this.shards.get(`${room}#${s}`)?.size ?? 0, info.shards, this.shardSize);
      info.shards = Math.max(info.shards, shard + 1);
      stored.rooms.set(room, shard);
    }
    const key = `${room}#${shard}`;
    let members = this.shards.get(key);
    if (members === undefined) {
      members = new Map();
      this.shards.set(key, members);
    }
    members.set(connectionId, structuredClone({ ...membership, shard }));
    return { already, room: { ...(this.meta.get(room) ?? { members: 0, shards: 1 }) } };
  }

  async removeMembership(room: string, connectionId: string): Promise<boolean> {
    this.faults.check('removeMembership');
    const stored = this.connections.get(connectionId);
    const shard = stored?.rooms.get(room);
    if (stored === undefined || shard === undefined) return false;
    this.deleteMembership(room, shard, connectionId);
    stored.rooms.delete(room);
    this.count(room, -1);
    return true;
  }

  async isMember(room: string, connectionId: string): Promise<boolean> {
    this.faults.check('isMember');
    return this.connections.get(connectionId)?.rooms.has(room) ?? false;
  }

  async room(room: string): Promise<RoomInfo> {
    this.faults.check('room');
    return { ...(this.meta.get(room) ?? { members: 0, shards: 1 }) };
  }

  /** Reads each page after the previous page's last key, as DynamoDB's ExclusiveStartKey does. */
  async *members(
    room: string,
    options: { pageSize?: number; shard?: number; shards?: number; startAfter?: string } = {},
  ): AsyncIterable<Membership[]> {
    this.faults.check('members');
    const pageSize = options.pageSize ?? this.pageSize;
    const count = options.shards ?? this.meta.get(room)?.shards ?? 1;
    const shards = options.shard !== undefined ? [options.shard] : Array.from({ length: count }, (_, i) => i);
    for (const shard of shards) {
      let after: string | undefined = options.shard !== undefined ? options.startAfter : undefined;
      for (;;) {
        const members = this.shards.get(`${room}#${shard}`);
        if (members === undefined) break;
        const ids = [...members.keys()]
          .filter((id) => after === undefined || compareUtf8(id, after) > 0)
          .sort(compareUtf8)
          .slice(0, pageSize);
        const page = ids.flatMap((id) => {
          const member = members.get(id);
          return member === undefined ? [] : [structuredClone(member)];
        });
        if (page.length > 0) yield page;
        if (ids.length < pageSize) break;
        after = ids[ids.length - 1];
      }
    }
  }

  private count(room: string, delta: 1 | -1): RoomInfo {
    let info = this.meta.get(room);
    if (info === undefined) {
      info = { members: 0, shards: 1 };
      this.meta.set(room, info);
    }
    info.members += delta;
    return info;
  }

  private deleteMembership(room: string, shard: number, connectionId: string): boolean {
    const key = `${room}#${shard}`;
    const members = this.shards.get(key);
    if (members === undefined) return false;
    const existed = members.delete(connectionId);
    if (members.size === 0) this.shards.delete(key);
    return existed;
  }
}

/**
 * MessageStore with the DynamoDB adapter's semantics: one stored message per (room, userId, clientMsgId),
 * ids compared in DynamoDB's byte order, pages newest-first returned oldest-first. Passes the same contract.
 */
export class MemoryMessageStore implements MessageStore {
  private readonly rooms = new Map<string, Map<string, Message>>();
  /** The idempotency records: the id and time a key was claimed for, and whether a repeat adopted the claim. */
  private readonly idempotency = new Map<string, { id: string; ts: number; adopted: boolean }>();
  /** The outbox marks of messages not yet delivered: when their attempt last renewed it (0 after a failed one), and by whom. */
  private readonly pending = new Map<string, { at: number; by: string }>();

  constructor(private readonly clock: Clock = { now: () => Date.now() }) {}
  private readonly faults = new FaultInjector<MessageMethod>();

  /** Makes the next call of `method` throw `error` (a StoreUnavailableError by default). */
  failNext(method: MessageMethod, error?: unknown): void {
    this.faults.failNext(method, error);
  }

  async claimRedelivery(
    room: string,
    messageId: string,
    staleAfterMs: number,
    attempt: string,
  ): Promise<'claimed' | 'running' | 'delivered'> {
    this.faults.check('claimRedelivery');
    const key = JSON.stringify([room, messageId]);
    const mark = this.pending.get(key);
    const now = this.clock.now();
    if (mark === undefined) return 'delivered';
    if (mark.by === attempt) return 'claimed';
    if (mark.at > now - staleAfterMs) return 'running';
    this.pending.set(key, { at: now, by: attempt });
    return 'claimed';
  }

  async renewDelivery(room: string, messageId: string, attempt: string): Promise<boolean> {
    this.faults.check('renewDelivery');
    const key = JSON.stringify([room, messageId]);
    if (this.pending.get(key)?.by !== attempt) return false;
    this.pending.set(key, { at: this.clock.now(), by: attempt });
    return true;
  }

  async markFailed(room: string, messageId: string, attempt: string): Promise<void> {
    this.faults.check('markFailed');
    const key = JSON.stringify([room, messageId]);
    if (this.pending.get(key)?.by === attempt) this.pending.set(key, { at: 0, by: attempt });
  }

  async markDelivered(room: string, messageId: string): Promise<void> {
    this.faults.check('markDelivered');
    this.pending.delete(JSON.stringify([room, messageId]));
  }

  async reserve(message: Message): Promise<SendReservation> {
    this.faults.check('reserve');
    const key = idempotencyKey(message.room, message.sender.userId, message.clientMsgId);
    const fresh = !this.idempotency.has(key);
    if (fresh) this.idempotency.set(key, { id: message.id, ts: message.ts, adopted: false });
    const { room, clientMsgId } = message;
    return { room, userId: message.sender.userId, clientMsgId, messageId: message.id, fresh };
  }

  async release(reservation: SendReservation): Promise<void> {
    this.faults.check('release');
    const key = idempotencyKey(reservation.room, reservation.userId, reservation.clientMsgId);
    const claim = this.idempotency.get(key);
    if (reservation.fresh && claim?.id === reservation.messageId && !claim.adopted) this.idempotency.delete(key);
  }

  async append(
    message: Message,
    options: { attempt?: string; reservation?: SendReservation } = {},
  ): Promise<{ message: Message; created: boolean; pending: boolean }> {
    this.faults.check('append');
    const key = idempotencyKey(message.room, message.sender.userId, message.clientMsgId);
    if (options.reservation === undefined) await this.reserve(message);
    // A record always exists here: given back by a refused attempt, it is claimed anew (as the adapter does).
    const claim = this.idempotency.get(key) ?? { id: message.id, ts: message.ts, adopted: false };
    this.idempotency.set(key, claim);
    let messages = this.rooms.get(message.room);
    const original = messages?.get(claim.id);
    if (
      original !== undefined &&
      (original.sender.userId !== message.sender.userId || original.clientMsgId !== message.clientMsgId)
    ) {
      throw new StoreUnavailableError(`message id ${claim.id} is already taken in room ${message.room}`);
    }
    if (original !== undefined) {
      return {
        message: structuredClone(original),
        created: false,
        pending: this.pending.has(JSON.stringify([message.room, original.id])),
      };
    }
    // Not this reservation's claim: a repeat finishing the attempt that claimed the key, under its id and time.
    if (options.reservation?.fresh !== true || claim.id !== message.id) claim.adopted = true;
    const stored = { ...message, id: claim.id, ts: claim.ts };
    if (messages === undefined) {
      messages = new Map();
      this.rooms.set(message.room, messages);
    }
    messages.set(stored.id, structuredClone(stored));
    this.pending.set(JSON.stringify([message.room, stored.id]), {
      at: this.clock.now(),
      by: options.attempt ?? `a-${stored.id}`,
    });
    return { message: structuredClone(stored), created: true, pending: true };
  }

  async page(room: string, options: { before?: string; limit: number; maxBytes?: number }): Promise<HistoryPage> {
    this.faults.check('page');
    const { before, limit, maxBytes } = options;
    const older = [...(this.rooms.get(room)?.values() ?? [])]
      .filter((m) => before === undefined || compareUtf8(m.id, before) < 0)
      .sort((a, b) => compareUtf8(a.id, b.id));
    let page = older.slice(Math.max(0, older.length - limit));
    let bytes = 0;
    let overBytes = false;
    if (maxBytes !== undefined) {
      // Newest first, like the adapter's reads, stopping after the message that passes maxBytes.
      const newestFirst = [...page].reverse();
      page = [];
      for (const m of newestFirst) {
        page.unshift(m);
        bytes += bytesOf(m);
        overBytes = bytes > maxBytes;
        if (overBytes) break;
      }
    }
    return { messages: page.map((m) => structuredClone(m)), hasMore: older.length > limit || overBytes };
  }
}

/**
 * RateLimiter with the DynamoDB adapter's fixed windows, kept beside the fake connections so counters, like
 * the adapter's attributes, only exist for live connections.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly connections: MemoryConnectionStore,
    private readonly clock: Clock = { now: () => Date.now() },
  ) {}

  async tryConsume(connectionId: string, bucket: string, policy: RateLimit): Promise<boolean> {
    if ((await this.connections.getConnection(connectionId)) === undefined)
      throw new ConnectionExpiredError(connectionId);
    return this.consume(`c\u0000${connectionId}\u0000${bucket}`, policy);
  }

  async tryConsumeUser(userId: string, bucket: string, policy: RateLimit): Promise<boolean> {
    return this.consume(`u\u0000${userId}\u0000${bucket}`, policy);
  }

  async refundUser(userId: string, bucket: string, policy: RateLimit): Promise<void> {
    const current = this.windows.get(`u\u0000${userId}\u0000${bucket}`);
    if (current?.window === Math.floor(this.clock.now() / policy.windowMs) && current.count > 0) current.count -= 1;
  }

  private consume(key: string, policy: RateLimit): boolean {
    const window = Math.floor(this.clock.now() / policy.windowMs);
    const current = this.windows.get(key);
    if (current === undefined || current.window < window) {
      this.windows.set(key, { window, count: 1 });
      return true;
    }
    if (current.window > window || current.count >= policy.limit) return false;
    current.count += 1;
    return true;
  }
}

/**
 * FanoutClaims in memory, with the DynamoDB adapter's semantics: one claim per job key, given back only by the
 * instance that made it. Instances made with `sibling()` share the claims, like two containers share the table.
 */
export class MemoryFanoutClaims implements FanoutClaims {
  private readonly held = new Map<string, number>();
  private readonly faults = new FaultInjector<keyof FanoutClaims>();
  private static tokens = 0;

  constructor(private readonly claims = new Map<string, number>()) {}

  /** Another instance (another container) over the same claims. */
  sibling(): MemoryFanoutClaims {
    return new MemoryFanoutClaims(this.claims);
  }

  /** Makes the next call of `method` throw `error` (a StoreUnavailableError by default). */
  failNext(method: keyof FanoutClaims, error?: unknown): void {
    this.faults.failNext(method, error);
  }

  async claimFanoutJob(job: FanoutJobKey): Promise<boolean> {
    this.faults.check('claimFanoutJob');
    const key = claimKey(job);
    if (this.claims.has(key)) return false;
    const token = (MemoryFanoutClaims.tokens += 1);
    this.claims.set(key, token);
    this.held.set(key, token);
    return true;
  }

  async releaseFanoutJob(job: FanoutJobKey): Promise<void> {
    this.faults.check('releaseFanoutJob');
    const key = claimKey(job);
    const token = this.held.get(key);
    this.held.delete(key);
    if (token !== undefined && this.claims.get(key) === token) this.claims.delete(key);
  }
}

const claimKey = (job: FanoutJobKey): string =>
  JSON.stringify([job.room, job.shard, job.jobId, job.startAfter ?? '', job.handOns ?? 0]);

const idempotencyKey = (room: string, userId: string, clientMsgId: string): string =>
  JSON.stringify([room, userId, clientMsgId]);
