import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConnectionGoneError, TooManyRoomsError } from '../../domain/errors.js';
import type { Clock, ConnectionRecord, ConnectionStore, Membership, RoomInfo } from '../../domain/ports.js';
import { systemClock } from '../../domain/ids.js';
import { batchDelete, DEFAULT_BATCH_RETRY, type RetryPolicy } from './batch-delete.js';
import { isConditionalCheckFailed, storeCall, toStoreError } from './errors.js';
import { metaKey, parseRoomEntry, roomEntry, shardForJoin, shardKey } from './membership-keys.js';

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
interface ConnectionItem {
  connectionId: string;
  userId: string;
  name: string;
  connectedAt: number;
  roomNames?: Set<string>;
  rooms?: Set<string>;
  ttl: number;
}

/** memberships table item: partition = one shard of a room, so a fan-out worker reads one partition. */
interface MembershipItem {
  pk: string;
  room: string;
  shard: number;
  connectionId: string;
  userId: string;
  name: string;
  joinedAt: number;
  ttl: number;
}

/** The room's counters, next to its shards in the memberships table. */
interface RoomMetaItem {
  members?: number;
  shards?: number;
}

const toMembership = (item: MembershipItem): Membership => ({
  room: item.room,
  connectionId: item.connectionId,
  user: { userId: item.userId, name: item.name },
  joinedAt: item.joinedAt,
  shard: item.shard,
});

/**
 * ConnectionStore on two tables, without transactions: dynalite (the local store) has no TransactWriteItems,
 * and ordered conditional writes keep the one invariant fan-out needs, "a membership exists only while its
 * `<room>#<shard>` entry is in the connection's `rooms`": joins add the name, then the entry, then the
 * membership; leaves delete the membership before the name and entry, and $disconnect deletes the memberships
 * before the connection. A crash between two writes leaves at most a name or entry with no membership (a
 * re-join completes it) or a room count one too high, which is harmless.
 */
export class DynamoConnectionStore implements ConnectionStore {
  private readonly clock: Clock;
  private readonly pageSize: number;
  private readonly shardSize: number;
  private readonly batchRetry: RetryPolicy;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: DynamoConnectionStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.pageSize = options.membersPageSize ?? 1000;
    this.shardSize = options.shardSize ?? 500;
    this.batchRetry = options.batchRetry ?? DEFAULT_BATCH_RETRY;
  }

  /** DynamoDB TTL is in epoch seconds. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html */
  private ttl(): number {
    return Math.floor(this.clock.now() / 1000) + this.options.connectionTtlSeconds;
  }

  /** An UpdateItem rather than a Put, so a repeated $connect cannot wipe `rooms` and orphan memberships. */
  async saveConnection(record: ConnectionRecord): Promise<void> {
    await storeCall('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId: record.connectionId },
          UpdateExpression: 'SET userId = :u, #name = :n, connectedAt = :c, #ttl = :t',
          ExpressionAttributeNames: { '#name': 'name', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':u': record.user.userId, ':n': record.user.name, ':c': record.connectedAt, ':t': this.ttl() },
        }),
      ),
    );
  }

  async getConnection(connectionId: string): Promise<(ConnectionRecord & { rooms: string[] }) | undefined> {
    const out = await storeCall('GetItem', () =>
      this.client.send(
        new GetCommand({ TableName: this.options.tables.connections, Key: { connectionId }, ConsistentRead: true }),
      ),
    );
    const item = out.Item as ConnectionItem | undefined;
    if (item === undefined) return undefined;
    return {
      connectionId: item.connectionId,
      user: { userId: item.userId, name: item.name },
      connectedAt: item.connectedAt,
      rooms: [...new Set([...(item.roomNames ?? []), ...[...(item.rooms ?? [])].map((entry) => parseRoomEntry(entry).room)])].sort(),
    };
  }

  /** The connection's room sets (consistent read), or undefined when the connection is gone. */
  private async connectionItem(connectionId: string): Promise<Pick<ConnectionItem, 'rooms' | 'roomNames'> | undefined> {
    const out = await storeCall('GetItem', () =>
      this.client.send(
        new GetCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId },
          ProjectionExpression: 'connectionId, rooms, roomNames',
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item as Pick<ConnectionItem, 'rooms' | 'roomNames'> | undefined;
  }

  /** The connection's `<room>#<shard>` entries, or undefined when the connection is gone. */
  private async entries(connectionId: string): Promise<Array<{ room: string; shard: number; entry: string }> | undefined> {
    const item = await this.connectionItem(connectionId);
    if (item === undefined) return undefined;
    return [...(item.rooms ?? [])].map((entry) => ({ ...parseRoomEntry(entry), entry }));
  }

  /** Counts a member in or out; the count only steers shard choice and the large-room decision. */
  private async countMember(room: string, delta: 1 | -1): Promise<RoomMetaItem> {
    const command =
      delta > 0
        ? new UpdateCommand({
            TableName: this.options.tables.memberships,
            Key: metaKey(room),
            UpdateExpression: 'ADD members :d SET shards = if_not_exists(shards, :one), #ttl = :t',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':d': delta, ':one': 1, ':t': this.ttl() },
            ReturnValues: 'ALL_NEW',
          })
        : new UpdateCommand({
            TableName: this.options.tables.memberships,
            Key: metaKey(room),
            UpdateExpression: 'ADD members :d',
            // Counters that already expired are not brought back by a leave.
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':d': delta },
            ReturnValues: 'ALL_NEW',
          });
    try {
      const out = await this.client.send(command);
      return (out.Attributes ?? {}) as RoomMetaItem;
    } catch (error) {
      if (delta < 0 && isConditionalCheckFailed(error)) return {};
      throw toStoreError('UpdateItem', error);
    }
  }

  /** Raises the room's shard count to `shards`; a concurrent join that raised it further wins. */
  private async growShards(room: string, shards: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tables.memberships,
          Key: metaKey(room),
          UpdateExpression: 'SET shards = :n',
          ConditionExpression: 'shards < :n',
          ExpressionAttributeValues: { ':n': shards },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toStoreError('UpdateItem', error);
    }
  }

  async removeConnection(connectionId: string): Promise<string[]> {
    const entries = await this.entries(connectionId);
    if (entries === undefined) return [];
    await batchDelete(
      this.client,
      this.options.tables.memberships,
      entries.map(({ room, shard }) => ({ pk: shardKey(room, shard), connectionId })),
      this.batchRetry,
    );
    // Only the call that deletes the item counts the rooms down, so a 410 cleanup racing $disconnect counts once.
    const out = await storeCall('DeleteItem', () =>
      this.client.send(
        new DeleteCommand({ TableName: this.options.tables.connections, Key: { connectionId }, ReturnValues: 'ALL_OLD' }),
      ),
    );
    if (out.Attributes !== undefined) await Promise.all(entries.map(({ room }) => this.countMember(room, -1)));
    return [...new Set(entries.map(({ room }) => room))].sort();
  }

  /**
   * One conditional write on the connection item reserves the room; it fails when the connection is gone,
   * already in the room (a re-join: no second count, the membership is re-written in its shard) or in
   * `maxRooms` rooms, and only then a read tells which. A new member is then counted on the room, and the count
   * picks its shard: shards fill in join order, so each holds about `shardSize`.
   */
  async addMembership(
    membership: Omit<Membership, 'shard'>,
    options: { maxRooms?: number } = {},
  ): Promise<{ already: boolean; room: RoomInfo }> {
    const { room, connectionId } = membership;
    const reserved = await this.reserveRoom(connectionId, room, options.maxRooms);
    let shard = reserved.shard;
    let info: RoomInfo;
    if (shard === undefined) {
      const meta = await this.countMember(room, 1);
      info = { members: meta.members ?? 1, shards: meta.shards ?? 1 };
      shard = shardForJoin(info.members, this.shardSize);
      if (shard >= info.shards) {
        await this.growShards(room, shard + 1);
        info = { ...info, shards: shard + 1 };
      }
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.options.tables.connections,
            Key: { connectionId },
            UpdateExpression: 'ADD rooms :r',
            ConditionExpression: 'attribute_exists(connectionId)',
            ExpressionAttributeValues: { ':r': new Set([roomEntry(room, shard)]) },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw toStoreError('UpdateItem', error);
        await this.countMember(room, -1);
        throw new ConnectionGoneError(connectionId, { cause: error });
      }
    } else {
      info = await this.room(room);
    }
    const item: MembershipItem = {
      pk: shardKey(room, shard),
      room,
      shard,
      connectionId,
      userId: membership.user.userId,
      name: membership.user.name,
      joinedAt: membership.joinedAt,
      ttl: this.ttl(),
    };
    await storeCall('PutItem', () => this.client.send(new PutCommand({ TableName: this.options.tables.memberships, Item: item })));
    return { already: reserved.already, room: info };
  }

  /**
   * Adds the room to the connection's `roomNames`. Resolves `already` with the shard of an existing membership
   * (undefined when a crash left the name without its entry, which the caller then completes).
   */
  private async reserveRoom(connectionId: string, room: string, maxRooms: number | undefined): Promise<{ already: boolean; shard?: number }> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId },
          UpdateExpression: 'ADD roomNames :r',
          ConditionExpression:
            'attribute_exists(connectionId) AND NOT contains(roomNames, :room)' +
            (maxRooms !== undefined ? ' AND (attribute_not_exists(roomNames) OR size(roomNames) < :max)' : ''),
          ExpressionAttributeValues: { ':r': new Set([room]), ':room': room, ...(maxRooms !== undefined ? { ':max': maxRooms } : {}) },
        }),
      );
      return { already: false };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toStoreError('UpdateItem', error);
      // Which condition failed: one read, only on this rare path (ReturnValuesOnConditionCheckFailure would
      // save it, but dynalite does not implement it and local must behave like AWS).
      const connection = await this.connectionItem(connectionId);
      if (connection === undefined) throw new ConnectionGoneError(connectionId, { cause: error });
      if (connection.roomNames?.has(room)) {
        const entry = [...(connection.rooms ?? [])].map(parseRoomEntry).find((e) => e.room === room);
        return { already: true, ...(entry ? { shard: entry.shard } : {}) };
      }
      throw new TooManyRoomsError(maxRooms ?? 0);
    }
  }

  async removeMembership(room: string, connectionId: string, shard?: number): Promise<boolean> {
    const connection = await this.entries(connectionId);
    const entries = connection ?? [];
    const mine = entries.filter((entry) => entry.room === room);
    const shards = new Set([...mine.map((entry) => entry.shard), ...(shard !== undefined ? [shard] : [])]);
    let existed = false;
    for (const s of shards) {
      const out = await storeCall('DeleteItem', () =>
        this.client.send(
          new DeleteCommand({
            TableName: this.options.tables.memberships,
            Key: { pk: shardKey(room, s), connectionId },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      existed ||= out.Attributes !== undefined;
    }
    if (connection !== undefined) {
      try {
        // Also when the membership was missing: it heals a name or entry left by a crash between these writes.
        await this.client.send(
          new UpdateCommand({
            TableName: this.options.tables.connections,
            Key: { connectionId },
            UpdateExpression: mine.length > 0 ? 'DELETE roomNames :n, rooms :r' : 'DELETE roomNames :n',
            // Without it UpdateItem would upsert an item for a connection that is already gone.
            ConditionExpression: 'attribute_exists(connectionId)',
            ExpressionAttributeValues: {
              ':n': new Set([room]),
              ...(mine.length > 0 ? { ':r': new Set(mine.map((entry) => entry.entry)) } : {}),
            },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw toStoreError('UpdateItem', error);
      }
    }
    if (existed) await this.countMember(room, -1);
    return existed;
  }

  /** From the connection item, which lists every room (and shard) the connection is in. */
  async isMember(room: string, connectionId: string): Promise<boolean> {
    return ((await this.entries(connectionId)) ?? []).some((entry) => entry.room === room);
  }

  async room(room: string): Promise<RoomInfo> {
    const out = await storeCall('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.options.tables.memberships, Key: metaKey(room), ConsistentRead: true })),
    );
    const meta = (out.Item ?? {}) as RoomMetaItem;
    return { members: Math.max(0, meta.members ?? 0), shards: Math.max(1, meta.shards ?? 1) };
  }

  /**
   * One consistent Query page per yield on the shard's partition (never a Scan), so a fan-out to a large room
   * streams. Memberships past their TTL are skipped: DynamoDB deletes expired items lazily, up to days later.
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
   */
  async *members(room: string, options: { pageSize?: number; shard?: number; shards?: number } = {}): AsyncIterable<Membership[]> {
    const shards = options.shard !== undefined ? [options.shard] : Array.from({ length: options.shards ?? (await this.room(room)).shards }, (_, i) => i);
    for (const shard of shards) yield* this.shardMembers(room, shard, options.pageSize ?? this.pageSize);
  }

  private async *shardMembers(room: string, shard: number, pageSize: number): AsyncIterable<Membership[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const nowSeconds = Math.floor(this.clock.now() / 1000);
      const out = await storeCall('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.options.tables.memberships,
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: '#ttl > :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':pk': shardKey(room, shard), ':now': nowSeconds },
            ConsistentRead: true,
            Limit: pageSize,
            ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      const page = ((out.Items ?? []) as MembershipItem[]).map(toMembership);
      if (page.length > 0) yield page;
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}
