import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fullJitterDelay } from '../../domain/backoff.js';
import { StoreUnavailableError } from '../../domain/errors.js';
import { toStoreError } from './errors.js';

/** BatchWriteItem takes at most 25 requests. https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html */
export const BATCH_WRITE_MAX = 25;

/** Bounds the UnprocessedItems retries so a throttled table fails a call instead of stalling the Lambda. */
export interface RetryPolicy {
  /** Calls per chunk, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** About 1.5 s of backoff in the worst case: well inside a Lambda timeout, long enough to ride out a throttle. */
export const DEFAULT_BATCH_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 25, maxDelayMs: 800 };

type Key = Record<string, string>;
type DeleteRequest = { DeleteRequest: { Key: Key } };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Deletes items by key in chunks of 25. A BatchWriteItem can succeed while leaving some requests in
 * UnprocessedItems (throttling, partition limits); those are retried with capped exponential backoff and
 * full jitter, and whatever is still left after the last attempt is a StoreUnavailableError, never silent.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html#Programming.Errors.BatchOperations
 */
export async function batchDelete(
  client: DynamoDBDocumentClient,
  table: string,
  keys: Key[],
  retry: RetryPolicy = DEFAULT_BATCH_RETRY,
): Promise<void> {
  const chunks: DeleteRequest[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_WRITE_MAX) {
    chunks.push(keys.slice(i, i + BATCH_WRITE_MAX).map((Key) => ({ DeleteRequest: { Key } })));
  }
  await Promise.all(chunks.map((chunk) => deleteChunk(client, table, chunk, retry)));
}

async function deleteChunk(
  client: DynamoDBDocumentClient,
  table: string,
  chunk: DeleteRequest[],
  retry: RetryPolicy,
): Promise<void> {
  let pending = chunk;
  for (let attempt = 1; attempt <= retry.attempts; attempt += 1) {
    let unprocessed: DeleteRequest[];
    try {
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      unprocessed = (out.UnprocessedItems?.[table] ?? []) as DeleteRequest[];
    } catch (error) {
      throw toStoreError('BatchWriteItem', error);
    }
    if (unprocessed.length === 0) return;
    pending = unprocessed;
    if (attempt < retry.attempts) {
      await sleep(fullJitterDelay(attempt - 1, { baseMs: retry.baseDelayMs, maxMs: retry.maxDelayMs }));
    }
  }
  throw new StoreUnavailableError(
    `BatchWriteItem left ${pending.length} deletes on ${table} unprocessed after ${retry.attempts} attempts`,
  );
}
