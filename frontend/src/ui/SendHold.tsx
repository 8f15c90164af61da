import type { RoomState } from '../realtime/state.js';
import { useTicker } from './clock.js';

/** "at most 20 per 10 s" from the server's rate-limit message, so the notice can name the allowance. */
const ALLOWANCE = /at most (\d+) per (\d+) s/;

/** Plain words for why the room's messages wait, from the hold the client recorded. */
export function holdText(room: RoomState, waitMs: number): string {
  const hold = room.hold;
  if (!hold) return '';
  const waiting = room.outgoing.filter((o) => o.status === 'pending').length;
  const queued = waiting === 1 ? '1 message is waiting' : `${waiting} messages are waiting`;
  const when = waitMs > 0 ? `the next one goes out in about ${Math.ceil(waitMs / 1_000)} s` : 'sending again now';
  if (hold.code === 'internal') return `The server had a problem storing a message; ${queued}, ${when}.`;
  const allowance = ALLOWANCE.exec(hold.message);
  const limit = allowance ? `The server accepts at most ${allowance[1]} messages per ${allowance[2]} s` : 'Too fast';
  return `Slow down: ${limit}. ${queued}; ${when}.`;
}

/**
 * Explains sends held back by a refusal (rate limit, server error) from the first refusal on, instead of
 * leaving them at "Sending…" until the automatic re-sends run out.
 */
export function SendHold({ room, now }: { room: RoomState; now: () => number }) {
  useTicker(room.hold !== undefined);
  const text = room.hold ? holdText(room, room.hold.until - now()) : '';
  return (
    <p className="send-hold" aria-live="polite">
      {text}
    </p>
  );
}
