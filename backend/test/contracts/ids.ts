import { randomUUID } from 'node:crypto';

/**
 * Unique names per test, so contract cases never depend on an empty store and can share one DynamoDB table
 * set (creating tables per case would dominate the run time).
 */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Room names must match ^[A-Za-z0-9_-]{1,64}$, which `unique` does for short prefixes. */
export const uniqueRoom = (): string => unique('room');
