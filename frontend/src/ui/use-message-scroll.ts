import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { Message, User } from '@chat/backend/protocol';
import type { RoomState } from '../realtime/state.js';

/** How close to an edge (px) counts as "at" it: near the top loads older pages, near the bottom follows new ones. */
const EDGE_PX = 48;

export interface MessageScroll {
  /** Whether the reader is at the newest message; false once they scroll up. */
  atBottom: boolean;
  /** Messages from others that arrived since the reader scrolled away from the bottom. */
  unseen: readonly Message[];
  onScroll: () => void;
  jumpToLatest: () => void;
}

/**
 * Scroll rules of a room's log: follow new messages while at the bottom, keep the reader's place when an older
 * page is prepended, bring the reader down when they send something themselves (their message must not land
 * off-screen), and otherwise count what arrived below so a "new messages" control can offer the way down.
 */
export function useMessageScroll(
  ref: RefObject<HTMLDivElement | null>,
  room: RoomState,
  isMine: (sender: User) => boolean,
  onNearTop: () => void,
): MessageScroll {
  const following = useRef(true);
  const [atBottom, setAtBottom] = useState(true);
  /** Newest message id when the reader left the bottom. */
  const [awayFrom, setAwayFrom] = useState<string | undefined>(undefined);
  const previous = useRef({ firstId: undefined as string | undefined, height: 0, queued: room.outgoing.length });

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const firstId = room.messages[0]?.id;
    const before = previous.current;
    const sentSomething = room.outgoing.length > before.queued;
    if (sentSomething) {
      following.current = true;
      el.scrollTop = el.scrollHeight;
    } else if (before.firstId !== undefined && firstId !== undefined && firstId < before.firstId) {
      el.scrollTop += el.scrollHeight - before.height;
    } else if (following.current) {
      el.scrollTop = el.scrollHeight;
    }
    previous.current = { firstId, height: el.scrollHeight, queued: room.outgoing.length };
  }, [ref, room.messages, room.outgoing]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    following.current = bottom;
    if (bottom !== atBottom) {
      setAtBottom(bottom);
      setAwayFrom(bottom ? undefined : room.messages[room.messages.length - 1]?.id);
    }
    if (el.scrollTop < EDGE_PX) onNearTop();
  };

  const jumpToLatest = () => {
    const el = ref.current;
    if (!el) return;
    following.current = true;
    el.scrollTop = el.scrollHeight;
    setAtBottom(true);
    setAwayFrom(undefined);
  };

  const unseen =
    atBottom || awayFrom === undefined ? [] : room.messages.filter((m) => m.id > awayFrom && !isMine(m.sender));
  return { atBottom, unseen, onScroll, jumpToLatest };
}
