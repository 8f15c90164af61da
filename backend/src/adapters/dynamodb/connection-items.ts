import { randomBytes } from 'node:crypto';
import type { Clock, Membership } from '../../domain/ports.js';
import type { RetryPolicy } from './batch-delete.js';
import { parseRoomEntry } from './membership-keys.js';

/** Table names and limits come from Config; the clock is injectable so tests can pin TTLs. */
export interface DynamoConnectionStoreOptions {
  tables: { connections: string; memberships: string };
  /** Items expire this long after they are written, a safety net when $disconnect never ran. */
  connectionTtlSeconds: number;
  clock?: Clock;
  /** Memberships per Query page (Limit). Default 1000. */
  membersPageSize?: number;
  /** Members per membership partition (and per fan-out worker). Default 500. */
  shardSize?: number;
  batchRetry?: RetryPolicy;
}

/**
 * connections table item. `roomNames` (String Set) lets one conditional write check the room limit and a
 * re-join; `rooms` holds `<room>#<shard>` entries so leave and $disconnect can delete memberships by key.
 */
export interface ConnectionItem {
  connectionId: string;
  userId: string;
  name: string;
  connectedAt: number;
  roomNames?: Set<string>;
  /**
   * `<room>#<shard>#<token>` (roomEntry). The token is new on every join: when the SDK repeats a join's
   * conditional write whose response was lost, only it tells "my own write" from "a re-join", and it ties the
   * membership item to this entry.
   */
  rooms?: Set<string>;
  ttl: number;
}

/** memberships table item: partition = one shard of a room, so a fan-out worker reads one partition. */
export interface MembershipItem {
  pk: string;
  room: string;
  shard: number;
  connectionId: string;
  userId: string;
  name: string;
  joinedAt: number;
  /** The token of the connection's entry that this item belongs to (absent on items written before tokens). */
  joinToken?: string;
  ttl: number;
}

/** Short: it is stored in every entry and membership item. */
export const newJoinToken = (): string => randomBytes(6).toString('base64url');

/** One parsed entry of a connection's `rooms`, with the raw string a set DELETE needs. */
export type Entry = { room: string; shard: number; token?: string; entry: string };

export const toMembership = (item: MembershipItem): Membership => ({
  room: item.room,
  connectionId: item.connectionId,
  user: { userId: item.userId, name: item.name },
  joinedAt: item.joinedAt,
  shard: item.shard,
});

export function entriesOf(rooms: Set<string> | undefined): Entry[] {
  return [...(rooms ?? [])].map((entry) => ({ ...parseRoomEntry(entry), entry }));
}
