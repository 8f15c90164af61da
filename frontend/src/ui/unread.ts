import { useEffect, useState } from 'react';
import type { User } from '@chat/backend/protocol';
import type { ChatState } from '../realtime/state.js';

/**
 * Messages from others that arrived in a room since the user last had it open, and the newest id read in each
 * room (where the "new messages" divider goes). A room's join snapshot counts as read, so joining does not light
 * up the whole backlog.
 */
export function useUnreadCounts(
  state: ChatState,
  current: string | undefined,
  isMine: (sender: User) => boolean,
): { counts: ReadonlyMap<string, number>; readUpTo: ReadonlyMap<string, string> } {
  // Maps, not objects: room names are user input and may be `constructor` or `__proto__`.
  const [readUpTo, setReadUpTo] = useState<ReadonlyMap<string, string>>(() => new Map());

  useEffect(() => {
    const updates = new Map<string, string>();
    for (const name of state.roomOrder) {
      const room = state.rooms.get(name);
      if (!room?.joined) continue;
      const newest = room.messages[room.messages.length - 1]?.id ?? '';
      const stale = name === current ? readUpTo.get(name) !== newest : !readUpTo.has(name);
      if (stale) updates.set(name, newest);
    }
    // eslint-disable-next-line react-hooks/set-state-in-effect -- marks read after the render that showed them; guarded by `stale`
    if (updates.size > 0) setReadUpTo((previous) => new Map([...previous, ...updates]));
  }, [state, current, readUpTo]);

  const counts = new Map<string, number>();
  for (const name of state.roomOrder) {
    const mark = readUpTo.get(name);
    const room = state.rooms.get(name);
    if (name === current || mark === undefined || !room) continue;
    counts.set(name, room.messages.filter((m) => m.id > mark && !isMine(m.sender)).length);
  }
  return { counts, readUpTo };
}
