import type { BackoffOptions } from '@chat/backend/backoff';

/**
 * The backend's full-jitter backoff (one implementation for server retries and client reconnects); it imports
 * nothing, so it bundles for the browser.
 */
export { fullJitterDelay, type BackoffOptions } from '@chat/backend/backoff';

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };
