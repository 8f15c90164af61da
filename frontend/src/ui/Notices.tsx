import { useEffect } from 'react';
import type { Notice } from '../realtime/state.js';

export interface NoticesProps {
  notices: readonly Notice[];
  onDismiss: (id: number) => void;
  /** The client's clock, which stamped each notice's `at`. */
  now: () => number;
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

/** Long enough to read a sentence twice; the bar never fills up with stale problems. */
export const NOTICE_TTL_MS = 10_000;

/**
 * Error frames and client-side problems; role=alert makes each one announced. Each goes away by itself after
 * a few seconds (or when dismissed), so notices never pile up.
 */
export function Notices({ notices, onDismiss, now }: NoticesProps) {
  useEffect(() => {
    const timers = notices.map((n) => setTimeout(() => onDismiss(n.id), Math.max(0, n.at + NOTICE_TTL_MS - now())));
    return () => timers.forEach(clearTimeout);
  }, [notices, onDismiss, now]);
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
