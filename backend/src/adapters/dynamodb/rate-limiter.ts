import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, RateLimit, RateLimiter } from '../../domain/ports.js';
import { systemClock } from '../../domain/ids.js';
import { isConditionalCheckFailed, toStoreError } from './errors.js';

/**
 * Fixed-window counters on the connection's own item (attributes rl_<bucket>_w and rl_<bucket>_n), so the
 * common case costs one conditional UpdateItem and the counters vanish with the connection:
 *   1. increment if the stored window is the current one and the count is below the limit;
 *   2. otherwise start the current window at 1 if the stored one is older (or absent);
 *   3. if that lost a race to a concurrent step 2, retry step 1 once.
 * Both writes require the connection item to exist, so a gone connection is never recreated.
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
    if (!/^[a-z]+$/.test(bucket)) throw new Error(`bucket must be lowercase letters, got "${bucket}"`);
    const window = Math.floor(this.clock.now() / policy.windowMs);
    const names = { '#w': `rl_${bucket}_w`, '#n': `rl_${bucket}_n` };
    const increment = () =>
      this.conditional({
        UpdateExpression: 'SET #n = #n + :one',
        ConditionExpression: 'attribute_exists(connectionId) AND #w = :w AND #n < :limit',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':one': 1, ':w': window, ':limit': policy.limit },
      }, connectionId);
    if (await increment()) return true;
    const started = await this.conditional({
      UpdateExpression: 'SET #w = :w, #n = :one',
      ConditionExpression: 'attribute_exists(connectionId) AND (attribute_not_exists(#w) OR #w < :w)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':one': 1, ':w': window },
    }, connectionId);
    if (started) return true;
    return increment();
  }

  /** True when the write happened, false when its condition failed. */
  private async conditional(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
    connectionId: string,
  ): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.options.table, Key: { connectionId }, ...input }));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw toStoreError('UpdateItem', error);
    }
  }
}
