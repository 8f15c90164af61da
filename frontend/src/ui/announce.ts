import { useState } from 'react';
import type { Message, User } from '@chat/backend/protocol';

/**
 * Text for a screen-reader announcement of the newest message when someone else sent it after the room's
 * join snapshot was shown; '' otherwise. Older pages and gap fills land before the newest message, so they
 * never change it, and neither the snapshot nor a room switch reads the backlog out.
 */
export function useNewMessageAnnouncement(
  messages: readonly Message[],
  joined: boolean,
  isMine: (sender: User) => boolean,
): string {
  const newest = messages[messages.length - 1];
  const [baseline, setBaseline] = useState<string | undefined>(() => (joined ? (newest?.id ?? '') : undefined));
  if (baseline === undefined) {
    // The first snapshot just arrived: remember where it ends (React's "adjust state while rendering" pattern).
    if (joined) setBaseline(newest?.id ?? '');
    return '';
  }
  if (!newest || newest.id <= baseline || isMine(newest.sender)) return '';
  return `${newest.sender.name}: ${newest.text}`;
}
