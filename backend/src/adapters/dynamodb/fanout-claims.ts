import { randomUUID } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../../domain/ids.js';
import type { Clock, FanoutClaims, FanoutJobKey } from '../../domain/ports.js';
import { conditionalCall } from './errors.js';
import { fanoutClaimKey } from './message-keys.js';
import { putIfAbsent } from './put-if-absent.js';

export interface DynamoFanoutClaimsOptions {
  /** The messages table: claims live in partitions of their own there (message-keys.ts). */
  table: string;
  clock?: Clock;
}

/** Claim tokens one instance remembers (see heldClaims). */
const HELD_CLAIMS = 1_000;

/** A claim only has to outlive Lambda's retries of an async event (at most 6 hours); a day is plenty. */
const FANOUT_CLAIM_TTL_SECONDS = 86_400;

/** Fan-out job claims as conditional PutItems in the messages table, one item per job (message-keys.ts). */
export class DynamoFanoutClaims implements FanoutClaims {
  private readonly clock: Clock;
  /**
   * Tokens of the claims this instance (this container) made, so it gives back only its own. Only the jobs still
   * running need theirs (one per invocation, or a message's shards in the inline fallback), so the oldest are
   * forgotten past HELD_CLAIMS and a warm container's memory stays flat.
   */
  private readonly heldClaims = new Map<string, string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: DynamoFanoutClaimsOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async claimFanoutJob(job: FanoutJobKey): Promise<boolean> {
    const key = keyOf(job);
    const writeToken = randomUUID();
    const claimed = await putIfAbsent(this.client, this.options.table, {
      ...key,
      writeToken,
      ttl: Math.floor(this.clock.now() / 1000) + FANOUT_CLAIM_TTL_SECONDS,
    });
    if (claimed) {
      this.heldClaims.set(`${key.room}\u0000${key.sk}`, writeToken);
      if (this.heldClaims.size > HELD_CLAIMS) this.heldClaims.delete(this.heldClaims.keys().next().value!);
    }
    return claimed;
  }

  async releaseFanoutJob(job: FanoutJobKey): Promise<void> {
    const key = keyOf(job);
    const held = `${key.room}\u0000${key.sk}`;
    const writeToken = this.heldClaims.get(held);
    if (writeToken === undefined) return;
    this.heldClaims.delete(held);
    // Conditional: a claim that expired and was taken by another worker meanwhile is not ours to give back.
    await conditionalCall('DeleteItem', () =>
      this.client.send(
        new DeleteCommand({
          TableName: this.options.table,
          Key: key,
          ConditionExpression: 'writeToken = :token',
          ExpressionAttributeValues: { ':token': writeToken },
        }),
      ),
    );
  }
}

const keyOf = (job: FanoutJobKey) => fanoutClaimKey(job.room, job.shard, job.jobId, job.startAfter, job.handOns);
