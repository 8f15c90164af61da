import type { Message } from '@chat/backend/protocol';

/**
 * Merges messages into a room's timeline, sorted by id and unique by id. Live frames, the join
 * snapshot, gap fills after a reconnect and older pages overlap freely; merging by id is what makes
 * "nothing lost, nothing twice" hold whatever order they arrive in. A later copy of an id wins, so the
 * server's version replaces a locally synthesised one.
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): readonly Message[] {
  if (incoming.length === 0) return existing;
  const byId = new Map<string, Message>();
  for (const m of existing) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

/** Message ids sort by time (contract), so plain code-unit order is chronological order. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function newestId(messages: readonly Message[]): string | undefined {
  return messages[messages.length - 1]?.id;
}

export function oldestId(messages: readonly Message[]): string | undefined {
  return messages[0]?.id;
}
