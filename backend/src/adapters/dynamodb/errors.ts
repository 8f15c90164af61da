import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ChatError, StoreUnavailableError } from '../../domain/errors.js';

/**
 * Checked by name as well, because a second copy of the SDK in a bundle would defeat instanceof.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

/**
 * Every DynamoDB failure the adapter does not handle itself (throttling after the SDK's retries, service
 * errors, timeouts, a missing table) becomes a StoreUnavailableError with the SDK error as cause, so the
 * domain sees one typed error and the logs still show the original.
 */
export function toStoreError(operation: string, error: unknown): ChatError {
  if (error instanceof ChatError) return error;
  const name = error instanceof Error ? error.name : typeof error;
  return new StoreUnavailableError(`DynamoDB ${operation} failed: ${name}`, { cause: error });
}

/** Runs one DynamoDB call and converts its failure with toStoreError. */
export async function storeCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStoreError(operation, error);
  }
}

/** What a conditional write answered: its output, or that its condition did not hold. */
export type Conditional<T> = { ok: true; out: T } | { ok: false; cause: unknown };

/**
 * Runs one conditional DynamoDB write. A failed condition is an answer, not an error (the callers decide what it
 * means: full, already there, somebody else's); every other failure becomes a StoreUnavailableError (toStoreError).
 */
export async function conditionalCall<T>(operation: string, call: () => Promise<T>): Promise<Conditional<T>> {
  try {
    return { ok: true, out: await call() };
  } catch (error) {
    if (isConditionalCheckFailed(error)) return { ok: false, cause: error };
    throw toStoreError(operation, error);
  }
}
