import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConnectionGoneError, StoreUnavailableError, TooManyRoomsError } from '../../domain/errors.js';
import type { Clock, ConnectionRecord, ConnectionStore, Membership, RoomInfo } from '../../domain/ports.js';
import { systemClock } from '../../domain/ids.js';
import { batchDelete, DEFAULT_BATCH_RETRY, type RetryPolicy } from './batch-delete.js';
import { conditionalCall, storeCall } from './errors.js';
import {
  type DynamoConnectionStoreOptions,
  entriesOf,
  newJoinToken,
  toMembership,
  type ConnectionItem,
  type Entry,
  type MembershipItem,
} from './connection-items.js';
import { parseRoomEntry, roomEntry, shardKey } from './membership-keys.js';
import { RoomCounters } from './room-counters.js';

export type { DynamoConnectionStoreOptions } from './connection-items.js';

/** A join undone by a racing leave is tried once more; a second loss is reported (the client may retry). */
const MAX_JOIN_ATTEMPTS = 2;

/**
 * ConnectionStore on two tables, without transactions: dynalite (the local store) has no TransactWriteItems.
 * Conditional writes in a fixed order keep the invariant fan-out needs, "a membership item is current only while
 * the connection lists its entry (with the same join token)": joins count a place, add the name and the entry in
 * one write, write the membership, then read the entry back (a racing leave or $disconnect may have removed it:
 * the join then deletes its own item); leaves take the entry off first and then delete that entry's item;
 * $disconnect deletes the connection item first and then every membership it listed. A crash between two writes
 * leaves at most an entry without an item (a re-join completes it), an item no entry lists (the next fan-out's 410
 * removes it) or a room count one too high, which only steers shard choice.
 */
export class DynamoConnectionStore implements ConnectionStore {
  private readonly clock: Clock;
  private readonly pageSize: number;
  private readonly counters: RoomCounters;
  private readonly batchRetry: RetryPolicy;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: DynamoConnectionStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.pageSize = options.membersPageSize ?? 1000;
    this.batchRetry = options.batchRetry ?? DEFAULT_BATCH_RETRY;
    this.counters = new RoomCounters(client, {
      table: options.tables.memberships,
      shardSize: options.shardSize ?? 500,
      ttl: () => this.ttl(),
    });
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
          ExpressionAttributeValues: {
            ':u': record.user.userId,
            ':n': record.user.name,
            ':c': record.connectedAt,
            ':t': this.ttl(),
          },
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
      rooms: [
        ...new Set([...(item.roomNames ?? []), ...[...(item.rooms ?? [])].map((entry) => parseRoomEntry(entry).room)]),
      ].sort(),
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

  /** The connection's entries, or undefined when the connection is gone. */
  private async entries(connectionId: string): Promise<Entry[] | undefined> {
    const item = await this.connectionItem(connectionId);
    return item === undefined ? undefined : entriesOf(item.rooms);
  }

  /**
   * The connection item is deleted first, conditionally, so exactly one caller (a $disconnect, or a fan-out that
   * got a 410) gets its old entries back and cleans up, counts out and announces; every other caller learns that
   * somebody else did and only deletes the membership it `seen` (an orphan left by a join that raced the delete).
   * Memberships are deleted by key and unconditionally: with the connection gone none of them is current.
   */
  async removeConnection(connectionId: string, seen?: { room: string; shard: number }): Promise<string[]> {
    const seenKey = seen === undefined ? [] : [{ pk: shardKey(seen.room, seen.shard), connectionId }];
    const deleted = await conditionalCall('DeleteItem', () =>
      this.client.send(
        new DeleteCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId },
          ConditionExpression: 'attribute_exists(connectionId)',
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!deleted.ok) {
      await batchDelete(this.client, this.options.tables.memberships, seenKey, this.batchRetry);
      return [];
    }
    const held = entriesOf((deleted.out.Attributes as ConnectionItem | undefined)?.rooms);
    const keys = new Map(
      [...held.map(({ room, shard }) => ({ pk: shardKey(room, shard), connectionId })), ...seenKey].map((k) => [
        k.pk,
        k,
      ]),
    );
    await batchDelete(this.client, this.options.tables.memberships, [...keys.values()], this.batchRetry);
    await Promise.all(held.map(({ room, shard }) => this.counters.countOut(room, shard)));
    return [...new Set(held.map(({ room }) => room))].sort();
  }

  /**
   * A new member first reserves a place in the lowest shard with room (placeMember), then one conditional write
   * on the connection item adds the room's name and its entry together. It fails when the connection is gone,
   * already in the room or in `maxRooms` rooms; the place is then given back and a read tells which. Name and
   * entry in one write leave no "joining" state between them, so two joins of one connection racing (a double
   * click, a client retry) end in one membership counted once: the loser finds the winner's entry and rewrites
   * the same membership item. The membership item is written last and checked against the entry afterwards (see
   * confirmMembership), so a leave or $disconnect racing the join cannot leave it behind.
   */
  async addMembership(
    membership: Omit<Membership, 'shard'>,
    options: { maxRooms?: number } = {},
  ): Promise<{ already: boolean; room: RoomInfo }> {
    for (let attempt = 1; ; attempt += 1) {
      const { already, room, shard, token } = await this.joinOnce(membership, options);
      if (await this.confirmMembership(membership.room, membership.connectionId, { shard, token }))
        return { already, room };
      if (attempt >= MAX_JOIN_ATTEMPTS) {
        throw new StoreUnavailableError(
          `joining ${membership.room} raced a leave ${attempt} times; the join can be retried`,
        );
      }
    }
  }

  private async joinOnce(
    membership: Omit<Membership, 'shard'>,
    options: { maxRooms?: number },
  ): Promise<{ already: boolean; room: RoomInfo; shard: number; token: string | undefined }> {
    const { room, connectionId } = membership;
    let { shard, info } = await this.counters.placeMember(room);
    let already = false;
    let token: string | undefined = newJoinToken();
    const written = await conditionalCall('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId },
          UpdateExpression: 'ADD roomNames :n, rooms :r',
          // Ungrouped, as the rate limiter explains: no names yet, or names without this room and fewer than :max.
          ConditionExpression:
            options.maxRooms === undefined
              ? 'attribute_exists(connectionId) AND NOT contains(roomNames, :room)'
              : 'attribute_exists(connectionId) AND attribute_not_exists(roomNames) OR ' +
                'NOT contains(roomNames, :room) AND size(roomNames) < :max',
          ExpressionAttributeValues: {
            ':n': new Set([room]),
            ':r': new Set([roomEntry(room, shard, token)]),
            ':room': room,
            // Only when the condition names it: DynamoDB refuses a value no expression uses.
            ...(options.maxRooms !== undefined ? { ':max': options.maxRooms } : {}),
          },
        }),
      ),
    ).catch(async (error: unknown) => {
      await this.counters.countOut(room, shard);
      throw error;
    });
    if (!written.ok) {
      const connection = await this.connectionItem(connectionId);
      if (!connection?.rooms?.has(roomEntry(room, shard, token))) {
        await this.counters.countOut(room, shard);
        ({ shard, token } = this.existingEntry(connection, connectionId, room, options.maxRooms, written.cause));
        info = await this.counters.room(room);
        already = true;
      }
    }
    // Also on a re-join: an earlier attempt may have written its entry in a new shard and failed before this.
    if (shard >= info.shards) {
      await this.counters.growShards(room, shard + 1);
      info = { ...info, shards: shard + 1 };
    }
    const item: MembershipItem = {
      pk: shardKey(room, shard),
      room,
      shard,
      connectionId,
      userId: membership.user.userId,
      name: membership.user.name,
      joinedAt: membership.joinedAt,
      joinToken: token,
      ttl: this.ttl(),
    };
    await storeCall('PutItem', () =>
      this.client.send(new PutCommand({ TableName: this.options.tables.memberships, Item: item })),
    );
    return { already, room: info, shard, token };
  }

  /**
   * Reads the entry back after the membership item was written: when a leave (or $disconnect) removed it in the
   * meantime, that remover's delete may have come before this Put, so the item is deleted here (only if it is still
   * this join's) and the join reports false, to be tried again. Throws ConnectionGoneError when the connection went.
   */
  private async confirmMembership(
    room: string,
    connectionId: string,
    joined: { shard: number; token: string | undefined },
  ): Promise<boolean> {
    const connection = await this.connectionItem(connectionId);
    if (connection?.rooms?.has(roomEntry(room, joined.shard, joined.token))) return true;
    await this.deleteMembershipItem(room, joined.shard, connectionId, joined.token);
    if (connection === undefined) throw new ConnectionGoneError(connectionId);
    return false;
  }

  /** Deletes a membership item if it still belongs to the entry with `token`; true when this call deleted it. */
  private async deleteMembershipItem(
    room: string,
    shard: number,
    connectionId: string,
    token: string | undefined,
  ): Promise<boolean> {
    const deleted = await conditionalCall('DeleteItem', () =>
      this.client.send(
        new DeleteCommand({
          TableName: this.options.tables.memberships,
          Key: { pk: shardKey(room, shard), connectionId },
          ConditionExpression:
            token === undefined ? 'attribute_exists(pk) AND attribute_not_exists(joinToken)' : 'joinToken = :t',
          ...(token === undefined ? {} : { ExpressionAttributeValues: { ':t': token } }),
        }),
      ),
    );
    return deleted.ok;
  }

  /**
   * Why a join's write failed, from the connection item read on this rare path (ReturnValuesOnConditionCheckFailure
   * would save the read, but dynalite does not implement it and local must behave like AWS): the entry of the
   * membership the connection already has, or ConnectionGoneError, or TooManyRoomsError.
   */
  private existingEntry(
    connection: Pick<ConnectionItem, 'rooms' | 'roomNames'> | undefined,
    connectionId: string,
    room: string,
    maxRooms: number | undefined,
    cause: unknown,
  ): { shard: number; token: string | undefined } {
    if (connection === undefined) throw new ConnectionGoneError(connectionId, { cause });
    if (!connection.roomNames?.has(room)) throw new TooManyRoomsError(maxRooms ?? 0);
    const entry = entriesOf(connection.rooms).find((e) => e.room === room);
    // Names and entries are only ever written together, so a name without its entry is corrupt data.
    if (entry === undefined)
      throw new StoreUnavailableError(`Connection ${connectionId} lists room ${room} without a shard`, { cause });
    return { shard: entry.shard, token: entry.token };
  }

  /**
   * Takes the room's name and entries off the connection first (UPDATED_OLD shows which entries this call
   * removed), then deletes the membership items of those entries, each only if it still carries that entry's token:
   * a join racing the leave either completed before (and is removed) or writes a new entry after (and stays). Counts
   * follow entries, so two leaves racing count once, and only the leave that removed an entry reports a membership.
   */
  async removeMembership(room: string, connectionId: string): Promise<boolean> {
    const mine = ((await this.entries(connectionId)) ?? []).filter((entry) => entry.room === room);
    // Nothing to take off; deleting the name anyway would split it from the entry of a join that wrote both since.
    if (mine.length === 0) return false;
    const updated = await conditionalCall('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId },
          UpdateExpression: 'DELETE roomNames :n, rooms :r',
          // Without it UpdateItem would upsert an item for a connection that is already gone.
          ConditionExpression: 'attribute_exists(connectionId)',
          ExpressionAttributeValues: { ':n': new Set([room]), ':r': new Set(mine.map((entry) => entry.entry)) },
          ReturnValues: 'UPDATED_OLD',
        }),
      ),
    );
    const before = updated.ok
      ? (updated.out.Attributes as Pick<ConnectionItem, 'rooms'> | undefined)?.rooms
      : undefined;
    const removed = mine.filter((entry) => before?.has(entry.entry));
    await Promise.all(
      removed.map(async ({ shard, token }) => {
        await this.deleteMembershipItem(room, shard, connectionId, token);
        await this.counters.countOut(room, shard);
      }),
    );
    return removed.length > 0;
  }

  /** From the connection item, which lists every room (and shard) the connection is in. */
  async isMember(room: string, connectionId: string): Promise<boolean> {
    return ((await this.entries(connectionId)) ?? []).some((entry) => entry.room === room);
  }

  async room(room: string): Promise<RoomInfo> {
    return this.counters.room(room);
  }

  /**
   * One consistent Query page per yield on the shard's partition (never a Scan), so a fan-out to a large room
   * streams. Memberships past their TTL are skipped: DynamoDB deletes expired items lazily, up to days later.
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
   */
  async *members(
    room: string,
    options: { pageSize?: number; shard?: number; shards?: number; startAfter?: string } = {},
  ): AsyncIterable<Membership[]> {
    const pageSize = options.pageSize ?? this.pageSize;
    if (options.shard !== undefined) {
      yield* this.shardMembers(room, options.shard, pageSize, options.startAfter);
      return;
    }
    const shards = options.shards ?? (await this.room(room)).shards;
    for (let shard = 0; shard < shards; shard += 1) yield* this.shardMembers(room, shard, pageSize);
  }

  /** `startAfter` becomes the first ExclusiveStartKey: the Query resumes after that member, in sort key order. */
  private async *shardMembers(
    room: string,
    shard: number,
    pageSize: number,
    startAfter?: string,
  ): AsyncIterable<Membership[]> {
    let startKey: Record<string, unknown> | undefined =
      startAfter !== undefined ? { pk: shardKey(room, shard), connectionId: startAfter } : undefined;
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
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      const page = ((out.Items ?? []) as MembershipItem[]).map(toMembership);
      if (page.length > 0) yield page;
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}
