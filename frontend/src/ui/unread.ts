import { useEffect, useState } from 'react';
import type { User } from '@chat/backend/protocol';
import type { ChatState } from '../realtime/state.js';

/**
 * Messages from others that arrived in a room since the user last had it open. A room's join snapshot
 * counts as read, so joining does not light up the whole backlog.
 */
export function useUnreadCounts(
  state: ChatState,
  current: string | undefined,
  isMine: (sender: User) => boolean,
): Readonly<Record<string, number>> {
  const [readUpTo, setReadUpTo] = useState<Readonly<Record<string, string>>>({});

  useEffect(() => {
    const updates: Record<string, string> = {};
    for (const name of state.roomOrder) {
      const room = state.rooms[name];
      if (!room?.joined) continue;
      const newest = room.messages[room.messages.length - 1]?.id ?? '';
      const stale = name === current ? readUpTo[name] !== newest : readUpTo[name] === undefined;
      if (stale) updates[name] = newest;
    }
    if (Object.keys(updates).length > 0) setReadUpTo((previous) => ({ ...previous, ...updates }));
  }, [state, current, readUpTo]);

  const counts: Record<string, number> = {};
  for (const name of state.roomOrder) {
    const mark = readUpTo[name];
    const room = state.rooms[name];
    if (name === current || mark === undefined || !room) continue;
    counts[name] = room.messages.filter((m) => m.id > mark && !isMine(m.sender)).length;
  }
  return counts;
}
