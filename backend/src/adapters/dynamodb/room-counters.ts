import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../domain/errors.js';
import type { RoomInfo } from '../../domain/ports.js';
import { conditionalCall, storeCall } from './errors.js';
import { metaKey, shardCountAttribute, shardForJoin } from './membership-keys.js';

/**
 * The room's counters, next to its shards in the memberships table: members in all, the shard count, and
 * `n<k>` (shardCountAttribute) the members of shard k, which let a join find a place freed by a leave.
 */
interface RoomMetaItem {
  members?: number;
  shards?: number;
  [shardCount: `n${number}`]: number | undefined;
}

/** Shards a join tries past the one its read pointed to before giving up (each failed try is a full shard). */
const MAX_PLACE_ATTEMPTS = 64;

/**
 * The `<room>#meta` item: places in shards are reserved and given back here, so a growing room fills in join order
 * and churn cannot unbalance it. Counts are estimates that steer shard choice and the large-room decision only.
 */
export class RoomCounters {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { table: string; shardSize: number; ttl: () => number },
  ) {}

  async room(room: string): Promise<RoomInfo> {
    const meta = await this.meta(room);
    return { members: Math.max(0, meta.members ?? 0), shards: Math.max(1, meta.shards ?? 1) };
  }

  /**
   * Finds and reserves a place for a new member: one read of the counters, then a conditional count on the
   * lowest shard with room, moving up a shard each time a racing join filled it first.
   */
  async placeMember(room: string): Promise<{ shard: number; info: RoomInfo }> {
    const before = await this.meta(room);
    const countOf = (shard: number): number => before[shardCountAttribute(shard)] ?? 0;
    const shards = Math.max(1, before.shards ?? 1);
    const { shardSize } = this.options;
    let shard = shardForJoin(countOf, shards, shardSize);
    for (let attempt = 0; attempt < MAX_PLACE_ATTEMPTS; attempt += 1) {
      const meta = await this.claimPlace(room, shard);
      if (meta !== undefined)
        return { shard, info: { members: meta.members ?? 1, shards: Math.max(1, meta.shards ?? 1) } };
      shard = shardForJoin(countOf, shards, shardSize, shard + 1);
    }
    throw new StoreUnavailableError(
      `No place in room ${room} after ${MAX_PLACE_ATTEMPTS} full shards; the join can be retried`,
    );
  }

  /** Counts a member out of the room and its shard; counters that already expired are not brought back. */
  async countOut(room: string, shard: number): Promise<void> {
    await this.update(room, {
      UpdateExpression: 'ADD members :d, #n :d',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#n': shardCountAttribute(shard) },
      ExpressionAttributeValues: { ':d': -1 },
    });
  }

  /** Raises the room's shard count to `shards`; a concurrent join that raised it further wins. */
  async growShards(room: string, shards: number): Promise<void> {
    await this.update(room, {
      UpdateExpression: 'SET shards = :n',
      ConditionExpression: 'shards < :n',
      ExpressionAttributeValues: { ':n': shards },
    });
  }

  /**
   * Counts a new member into `shard` unless it is full: the condition makes the place a reservation, so joins
   * racing on the same read (a crowd arriving at once) cannot overfill a shard. Undefined when it was full.
   */
  private async claimPlace(room: string, shard: number): Promise<RoomMetaItem | undefined> {
    const answer = await this.update(room, {
      UpdateExpression: 'ADD members :one, #n :one SET shards = if_not_exists(shards, :one), #ttl = :t',
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :size',
      ExpressionAttributeNames: { '#n': shardCountAttribute(shard), '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':size': this.options.shardSize, ':t': this.options.ttl() },
      ReturnValues: 'ALL_NEW',
    });
    return answer.ok ? ((answer.out.Attributes ?? {}) as RoomMetaItem) : undefined;
  }

  private update(room: string, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>) {
    return conditionalCall('UpdateItem', () =>
      this.client.send(new UpdateCommand({ TableName: this.options.table, Key: metaKey(room), ...input })),
    );
  }

  private async meta(room: string): Promise<RoomMetaItem> {
    const out = await storeCall('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.options.table, Key: metaKey(room), ConsistentRead: true })),
    );
    return (out.Item ?? {}) as RoomMetaItem;
  }
}
