import {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  type HistoryPageFrame,
  type JoinedFrame,
} from '@chat/backend/protocol';
import type { RoomState } from './state.js';
import { compareIds, newestId, oldestId } from './timeline.js';

/** A history request as the client tracks it; history frames carry no request id, so this is the attribution. */
export interface HistoryRequest {
  /** older: the user scrolled up. gap: messages missed while disconnected. */
  purpose: 'older' | 'gap';
  before: string | undefined;
  limit: number;
  /** For a gap fill: the newest id held before the reconnect; reaching it closes the gap. */
  stopAt?: string;
  pages: number;
  attempts: number;
}

/** The page before the oldest loaded message, for infinite scroll. */
export function olderPageRequest(room: RoomState): HistoryRequest {
  return { purpose: 'older', before: oldestId(room.messages), limit: HISTORY_DEFAULT_LIMIT, pages: 0, attempts: 0 };
}

/**
 * The join snapshot holds only the newest page. If the whole page is newer than what we held before the
 * reconnect, more messages may lie between the two: walk back with history pages until we reach known ground.
 * @param before the room as it was before the snapshot was merged.
 */
export function gapAfterJoin(before: RoomState, frame: JoinedFrame): HistoryRequest | undefined {
  const knownNewest = newestId(before.messages);
  const snapshotOldest = oldestId(frame.history);
  if (knownNewest === undefined || snapshotOldest === undefined) return undefined;
  if (frame.history.length < HISTORY_DEFAULT_LIMIT || compareIds(snapshotOldest, knownNewest) <= 0) return undefined;
  return {
    purpose: 'gap',
    before: snapshotOldest,
    limit: HISTORY_MAX_LIMIT,
    stopAt: knownNewest,
    pages: 0,
    attempts: 0,
  };
}

/** What a gap page leads to: the gap is closed, the page budget is spent, or the next page before this one. */
export type GapStep = { kind: 'closed' } | { kind: 'exhausted' } | { kind: 'next'; request: HistoryRequest };

/** Decides the next step of a gap fill from the page that answered `req`; bounded by maxPages. */
export function nextGapStep(req: HistoryRequest, page: HistoryPageFrame, maxPages: number): GapStep {
  const stopAt = req.stopAt ?? '';
  const reached =
    !page.hasMore || page.messages.length === 0 || page.messages.some((m) => compareIds(m.id, stopAt) <= 0);
  if (reached) return { kind: 'closed' };
  if (req.pages + 1 >= maxPages) return { kind: 'exhausted' };
  const oldest = page.messages.reduce((a, m) => (compareIds(m.id, a) < 0 ? m.id : a), page.messages[0]!.id);
  return { kind: 'next', request: { ...req, before: oldest, pages: req.pages + 1, attempts: 0 } };
}
