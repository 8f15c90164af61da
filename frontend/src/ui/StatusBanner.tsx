import type { ConnectionStatus } from '../realtime/state.js';
import { useTicker } from './clock.js';

export interface StatusBannerProps {
  status: ConnectionStatus;
  attempt: number;
  connectedOnce: boolean;
  /** When the next reconnect attempt fires, on the client's clock. */
  nextRetryAt?: number;
  now: () => number;
  onRetry: () => void;
}

const TEXT: Record<ConnectionStatus, string> = {
  idle: 'Offline',
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Connection lost.',
};

/** Failed attempts after which a connection that used to work is worded as an outage rather than a blip. */
const OUTAGE_AFTER = 5;
/** Shorter waits are not worth a countdown: the next attempt is practically now. */
const COUNTDOWN_FROM_MS = 2_000;

/** What the bar says while reconnecting, given how it got there. */
export function reconnectingText(connectedOnce: boolean, attempt: number): string {
  // A refused handshake (bad name, expired token) looks like any failed attempt to a browser, so the refusal is
  // only a plausible reason while no socket ever opened; a connection that worked and dropped is an outage.
  if (!connectedOnce) return 'Cannot reach the chat server, or it refused the sign-in.';
  return attempt >= OUTAGE_AFTER ? 'Cannot reach the chat server.' : TEXT.reconnecting;
}

/** Always rendered, so the live region exists before its text changes and screen readers announce the change. */
export function StatusBanner({ status, attempt, connectedOnce, nextRetryAt, now, onRetry }: StatusBannerProps) {
  const reconnecting = status === 'reconnecting';
  useTicker(reconnecting && nextRetryAt !== undefined);
  const waitMs = reconnecting && nextRetryAt !== undefined ? nextRetryAt - now() : 0;
  const countdown = waitMs >= COUNTDOWN_FROM_MS ? ` Next try in ${Math.ceil(waitMs / 1_000)} s.` : '';
  return (
    <div className={`status status-${status}`} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      <span>
        {reconnecting ? `${reconnectingText(connectedOnce, attempt)} Reconnecting…` : TEXT[status]}
        {reconnecting && attempt > 1 ? ` (attempt ${attempt})` : ''}
        {/* Hidden from the live region: a number changing every second must not be read out every second. */}
        {countdown && (
          <span className="countdown" aria-hidden="true">
            {countdown}
          </span>
        )}
      </span>
      {reconnecting && (
        <button type="button" className="link" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}
