import { useEffect } from 'react';

/** Long enough to notice a mis-tap and undo it. */
export const UNDO_MS = 8_000;

/** "Left #dev. Undo": leaving is one tap on a small ×, so it can be taken back for a few seconds. */
export function LeaveUndo({ room, onUndo, onDone }: { room: string; onUndo: () => void; onDone: () => void }) {
  useEffect(() => {
    const timer = setTimeout(onDone, UNDO_MS);
    return () => clearTimeout(timer);
  }, [room, onDone]);
  return (
    <div className="undo" role="status">
      <span>
        Left <bdi>#{room}</bdi>.
      </span>
      <button type="button" className="link" onClick={onUndo}>
        Undo
      </button>
    </div>
  );
}
