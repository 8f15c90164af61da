import type { Message, ServerFrame } from '../../src/protocol/index.js';
import { SoakConnection } from './connection.js';

const ANSWER_TIMEOUT_MS = 10_000;
const ATTEMPTS = 3;
/** Bounds the paging loop; at 100 per page this reads far more than a soak sends. */
const MAX_PAGES = 1_000;

/**
 * Reads a room's whole history, oldest first, the way a client pages back: join (history needs membership),
 * then `history` with `before` = the oldest id so far until `hasMore` is false. Throws when the store does not
 * answer after a few attempts, so a soak never judges order against a partial history.
 */
export async function readHistory(wsUrl: string, room: string): Promise<Message[]> {
  const reader = await SoakConnection.open(
    wsUrl,
    `reader-${room}`,
    { onFrame: () => undefined, onClose: () => undefined },
    ANSWER_TIMEOUT_MS,
  );
  if (reader === undefined) throw new Error(`the history reader of ${room} could not connect`);
  try {
    await ask(reader, { action: 'join', room }, 'joined');
    const pages: Message[][] = [];
    let before: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await ask(reader, { action: 'history', room, limit: 100, before }, 'history');
      pages.unshift(answer.messages);
      if (!answer.hasMore || answer.messages.length === 0) return pages.flat();
      before = answer.messages[0]!.id;
    }
    throw new Error(`the history of ${room} has more than ${MAX_PAGES} pages`);
  } finally {
    await reader.close(false);
  }
}

/** Sends `frame` until an answer of type `type` for its room comes, a few times at most. */
async function ask<T extends 'joined' | 'history'>(
  reader: SoakConnection,
  frame: { action: 'join' | 'history'; room: string; limit?: number; before?: string },
  type: T,
): Promise<Extract<ServerFrame, { type: T }>> {
  const accept = (f: ServerFrame): f is Extract<ServerFrame, { type: T }> => f.type === type && f.room === frame.room;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const answer = await reader.request(
      frame,
      (f) => accept(f) || (f.type === 'error' && f.action === frame.action),
      ANSWER_TIMEOUT_MS,
    );
    if (answer !== undefined && accept(answer)) return answer;
  }
  throw new Error(`no ${type} answer for ${frame.room} after ${ATTEMPTS} attempts`);
}
