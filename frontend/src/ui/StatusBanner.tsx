import type { ConnectionStatus } from '../realtime/state.js';

export interface StatusBannerProps {
  status: ConnectionStatus;
  attempt: number;
  onRetry: () => void;
}

const TEXT: Record<ConnectionStatus, string> = {
  idle: 'Offline',
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Connection lost. Reconnecting…',
};

/** Always rendered, so the live region exists before its text changes and screen readers announce the change. */
export function StatusBanner({ status, attempt, onRetry }: StatusBannerProps) {
  return (
    <div className={`status status-${status}`} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      <span>
        {TEXT[status]}
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
