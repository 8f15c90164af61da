import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConnectionGoneError } from '../../domain/errors.js';
import type { Clock, ConnectionRecord, ConnectionStore, Membership } from '../../domain/ports.js';
import { systemClock } from '../../domain/ids.js';
import { batchDelete, DEFAULT_BATCH_RETRY, type RetryPolicy } from './batch-delete.js';
import { isConditionalCheckFailed, storeCall, toStoreError } from './errors.js';

/** Table names and limits come from Config; the clock is injectable so tests can pin TTLs. */
export interface DynamoConnectionStoreOptions {
  tables: { connections: string; memberships: string };
  /** Items expire this long after they are written, a safety net when $disconnect never ran. */
  connectionTtlSeconds: number;
  clock?: Clock;
  /** Memberships per Query page (Limit). Default 1000. */
  membersPageSize?: number;
  batchRetry?: RetryPolicy;
}

/** connections table item. `rooms` is a String Set so $disconnect can delete memberships by key. */
interface ConnectionItem {
  connectionId: string;
  userId: string;
  name: string;
  connectedAt: number;
  rooms?: Set<string>;
  ttl: number;
}

/** memberships table item: partition = room, so fan-out is one Query per page. */
interface MembershipItem {
  room: string;
  connectionId: string;
  userId: string;
  name: string;
  joinedAt: number;
  ttl: number;
}

const toMembership = (item: MembershipItem): Membership => ({
  room: item.room,
  connectionId: item.connectionId,
  user: { userId: item.userId, name: item.name },
  joinedAt: item.joinedAt,
});

/**
 * ConnectionStore on two tables, without transactions: dynalite (the local store) has no TransactWriteItems,
 * and ordered conditional writes keep the one invariant fan-out needs, "a membership exists only while its
 * room is in the connection's `rooms`": joins add the room before the membership, leaves delete the
 * membership before the room, and $disconnect deletes the memberships before the connection.
 * A crash between two writes leaves at most a room name in `rooms` with no membership, which is harmless.
 */
export class DynamoConnectionStore implements ConnectionStore {
  private readonly clock: Clock;
  private readonly pageSize: number;
  private readonly batchRetry: RetryPolicy;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: DynamoConnectionStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.pageSize = options.membersPageSize ?? 1000;
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
      rooms: [...(item.rooms ?? [])].sort(),
    };
  }

  async removeConnection(connectionId: string): Promise<string[]> {
    const out = await storeCall('GetItem', () =>
      this.client.send(
        new GetCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId },
          ProjectionExpression: 'rooms',
          ConsistentRead: true,
        }),
      ),
    );
    if (out.Item === undefined) return [];
    const rooms = [...((out.Item as Pick<ConnectionItem, 'rooms'>).rooms ?? [])].sort();
    await batchDelete(
      this.client,
      this.options.tables.memberships,
      rooms.map((room) => ({ room, connectionId })),
      this.batchRetry,
    );
    await storeCall('DeleteItem', () =>
      this.client.send(new DeleteCommand({ TableName: this.options.tables.connections, Key: { connectionId } })),
    );
    return rooms;
  }

  async addMembership(membership: Membership): Promise<void> {
    const { room, connectionId } = membership;
    const ttl = this.ttl();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId },
          UpdateExpression: 'ADD rooms :r',
          ConditionExpression: 'attribute_exists(connectionId)',
          ExpressionAttributeValues: { ':r': new Set([room]) },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new ConnectionGoneError(connectionId, { cause: error });
      throw toStoreError('UpdateItem', error);
    }
    const item: MembershipItem = {
      room,
      connectionId,
      userId: membership.user.userId,
      name: membership.user.name,
      joinedAt: membership.joinedAt,
      ttl,
    };
    await storeCall('PutItem', () => this.client.send(new PutCommand({ TableName: this.options.tables.memberships, Item: item })));
  }

  async removeMembership(room: string, connectionId: string): Promise<boolean> {
    const out = await storeCall('DeleteItem', () =>
      this.client.send(
        new DeleteCommand({
          TableName: this.options.tables.memberships,
          Key: { room, connectionId },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    try {
      // Also when the membership was missing: it heals a `rooms` entry left by a crash between these writes.
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tables.connections,
          Key: { connectionId },
          UpdateExpression: 'DELETE rooms :r',
          // Without it UpdateItem would upsert an item for a connection that is already gone.
          ConditionExpression: 'attribute_exists(connectionId)',
          ExpressionAttributeValues: { ':r': new Set([room]) },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toStoreError('UpdateItem', error);
    }
    return out.Attributes !== undefined;
  }

  async isMember(room: string, connectionId: string): Promise<boolean> {
    const out = await storeCall('GetItem', () =>
      this.client.send(
        new GetCommand({
          TableName: this.options.tables.memberships,
          Key: { room, connectionId },
          ProjectionExpression: 'connectionId',
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item !== undefined;
  }

  /**
   * One consistent Query page per yield on the room's partition (never a Scan), so a fan-out to a large room
   * streams. Memberships past their TTL are skipped: DynamoDB deletes expired items lazily, up to days later.
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
   */
  async *members(room: string, options: { pageSize?: number } = {}): AsyncIterable<Membership[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const nowSeconds = Math.floor(this.clock.now() / 1000);
      const out = await storeCall('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.options.tables.memberships,
            KeyConditionExpression: '#room = :r',
            FilterExpression: '#ttl > :now',
            ExpressionAttributeNames: { '#room': 'room', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':r': room, ':now': nowSeconds },
            ConsistentRead: true,
            Limit: options.pageSize ?? this.pageSize,
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
