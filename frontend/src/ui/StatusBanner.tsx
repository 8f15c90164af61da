import type { ConnectionStatus } from '../realtime/state.js';

export interface StatusBannerProps {
  status: ConnectionStatus;
  attempt: number;
  connectedOnce: boolean;
  onRetry: () => void;
}

const TEXT: Record<ConnectionStatus, string> = {
  idle: 'Offline',
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Connection lost. Reconnecting…',
};

const REFUSAL_HINT_AFTER = 3;

/** Always rendered, so the live region exists before its text changes and screen readers announce the change. */
export function StatusBanner({ status, attempt, connectedOnce, onRetry }: StatusBannerProps) {
  // A refused handshake (expired token, bad name) looks like any failed attempt to a browser; after a few in a
  // row, say that it may be more than the network.
  const text =
    status === 'reconnecting' && (!connectedOnce || attempt >= REFUSAL_HINT_AFTER)
      ? 'Cannot reach the chat server, or it refused the sign-in. Retrying…'
      : TEXT[status];
  return (
    <div className={`status status-${status}`} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      <span>
        {text}
        {status === 'reconnecting' && attempt > 1 ? ` (attempt ${attempt})` : ''}
      </span>
      {status === 'reconnecting' && (
        <button type="button" className="link" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}
