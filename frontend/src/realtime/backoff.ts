import type { BackoffOptions } from '@chat/backend/backoff';

/**
 * The backend's full-jitter backoff (one implementation for server retries and client reconnects); it imports
 * nothing, so it bundles for the browser.
 */
export { fullJitterDelay, type BackoffOptions } from '@chat/backend/backoff';

/**
 * Capped low: a reconnect attempt is one handshake, and a user waiting for the chat to come back notices every
 * second; the online and visibility events in the UI skip the wait altogether.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 8_000 };
