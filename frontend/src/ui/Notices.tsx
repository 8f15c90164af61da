import type { Notice } from '../realtime/state.js';

export interface NoticesProps {
  notices: readonly Notice[];
  onDismiss: (id: number) => void;
}

const TITLES: Record<Notice['code'], string> = {
  bad_request: 'Request refused',
  unknown_action: 'Unknown action',
  not_member: 'Not a member of that room',
  too_large: 'Too large',
  rate_limited: 'Slow down',
  unauthorized: 'Not allowed',
  internal: 'Server error',
  protocol: 'Connection problem',
  timeout: 'No answer',
};

/** Error frames and client-side problems, shown until dismissed; role=alert makes each one announced. */
export function Notices({ notices, onDismiss }: NoticesProps) {
  if (notices.length === 0) return null;
  return (
    <ul className="notices" aria-label="Errors">
      {notices.map((n) => (
        <li key={n.id} className="notice" role="alert">
          <span>
            <strong>{TITLES[n.code]}:</strong> {n.message}
          </span>
          <button type="button" className="icon" onClick={() => onDismiss(n.id)} aria-label={`Dismiss: ${n.message}`}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
