import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConnectionExpiredError } from '../../domain/errors.js';
import type { Clock, RateLimit, RateLimiter } from '../../domain/ports.js';
import { systemClock } from '../../domain/ids.js';
import { conditionalCall, storeCall } from './errors.js';

/**
 * Fixed-window counters on the connection's own item (attributes rl_<bucket>_w and rl_<bucket>_n), so the
 * common case costs one conditional UpdateItem and the counters vanish with the connection:
 *   1. increment if the stored window is the current one and the count is below the limit, or start counting at 1
 *      if there is no window yet (a bucket's first use: every new connection's and new user's, in one write);
 *   2. otherwise start the current window at 1 if the stored one is older;
 *   3. if that lost a race to a concurrent step 2, retry step 1 once.
 * Both writes require the connection item to exist, so a gone connection is never recreated; a refusal is then
 * told apart from a gone connection by one read, on the refused path only. Per-user counters work the same way
 * on an item per user.
 */
export class DynamoRateLimiter implements RateLimiter {
  private readonly clock: Clock;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { table: string; clock?: Clock },
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async tryConsume(connectionId: string, bucket: string, policy: RateLimit): Promise<boolean> {
    if (await this.consume(connectionId, bucket, policy, { connection: true })) return true;
    if (!(await this.exists(connectionId))) throw new ConnectionExpiredError(connectionId);
    return false;
  }

  /**
   * On an item of its own in the same table (`user#<userId>`, which no API Gateway connection id can be), created
   * on first use and expiring by TTL an hour after its window.
   */
  async tryConsumeUser(userId: string, bucket: string, policy: RateLimit): Promise<boolean> {
    return this.consume(userCounterKey(userId), bucket, policy, { connection: false });
  }

  /**
   * Conditional on the window and a positive count, so a refund never reaches into a window that started since
   * (a refund racing the window's turn can at worst give one extra action in the new window).
   */
  async refundUser(userId: string, bucket: string, policy: RateLimit): Promise<void> {
    await this.conditional(
      {
        UpdateExpression: 'SET #n = #n - :one',
        ConditionExpression: '#w = :w AND #n > :zero',
        ExpressionAttributeNames: { '#w': `rl_${checkedBucket(bucket)}_w`, '#n': `rl_${bucket}_n` },
        ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':w': Math.floor(this.clock.now() / policy.windowMs) },
      },
      userCounterKey(userId),
    );
  }

  private async consume(
    key: string,
    bucket: string,
    policy: RateLimit,
    { connection }: { connection: boolean },
  ): Promise<boolean> {
    checkedBucket(bucket);
    const window = Math.floor(this.clock.now() / policy.windowMs);
    const names = { '#w': `rl_${bucket}_w`, '#n': `rl_${bucket}_n`, ...(connection ? {} : { '#ttl': 'ttl' }) };
    const exists = connection ? 'attribute_exists(connectionId) AND ' : '';
    const ttl = connection ? '' : ', #ttl = :ttl';
    const ttlValue = connection ? {} : { ':ttl': Math.floor(((window + 1) * policy.windowMs) / 1000) + 3600 };
    // The window and count are only ever written together, so no window means no count (if_not_exists gives 0).
    // No parentheses, since dynalite's parser takes several times longer on grouped conditions; AND binds tighter
    // than OR, and `#w = :w` holds only on an existing item, so `exists` guards the other case alone.
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html#Expressions.OperatorsAndFunctions.Precedence
    const increment = () =>
      this.conditional(
        {
          UpdateExpression: `SET #w = :w, #n = if_not_exists(#n, :zero) + :one${ttl}`,
          ConditionExpression: `#w = :w AND #n < :limit OR ${exists}attribute_not_exists(#w)`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':w': window, ':limit': policy.limit, ...ttlValue },
        },
        key,
      );
    if (await increment()) return true;
    const started = await this.conditional(
      {
        UpdateExpression: `SET #w = :w, #n = :one${ttl}`,
        ConditionExpression: `${exists}#w < :w`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':one': 1, ':w': window, ...ttlValue },
      },
      key,
    );
    return started || increment();
  }

  private async exists(connectionId: string): Promise<boolean> {
    const out = await storeCall('GetItem', () =>
      this.client.send(
        new GetCommand({
          TableName: this.options.table,
          Key: { connectionId },
          ProjectionExpression: 'connectionId',
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item !== undefined;
  }

  /** True when the write happened, false when its condition failed. */
  private async conditional(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
    connectionId: string,
  ): Promise<boolean> {
    const updated = await conditionalCall('UpdateItem', () =>
      this.client.send(new UpdateCommand({ TableName: this.options.table, Key: { connectionId }, ...input })),
    );
    return updated.ok;
  }
}

/** User ids may contain any character; encoded, they cannot end a key early or collide with another user's. */
export const userCounterKey = (userId: string): string => `user#${encodeURIComponent(userId)}`;

/** Bucket names become attribute names, so only plain letters. */
function checkedBucket(bucket: string): string {
  if (!/^[a-z]+$/.test(bucket)) throw new Error(`bucket must be lowercase letters, got "${bucket}"`);
  return bucket;
}
