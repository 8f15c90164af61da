/**
 * Key layout of the memberships table. A room's members live in partitions `<room>#<shard>` of at most
 * `shardSize` members, filled in join order, and its counters in `<room>#meta`. Room names match
 * ^[A-Za-z0-9_-]{1,64}$, so `#` cannot occur in them and the keys never collide.
 * The connection item lists `<room>#<shard>` entries, so leave and $disconnect delete by key.
 */
export const shardKey = (room: string, shard: number): string => `${room}#${shard}`;

export const metaKey = (room: string): { pk: string; connectionId: string } => ({ pk: `${room}#meta`, connectionId: '#' });

/** The connection item's entry for a membership. */
export const roomEntry = (room: string, shard: number): string => `${room}#${shard}`;

export function parseRoomEntry(entry: string): { room: string; shard: number } {
  const at = entry.lastIndexOf('#');
  if (at < 0) return { room: entry, shard: 0 };
  const shard = Number(entry.slice(at + 1));
  return { room: entry.slice(0, at), shard: Number.isInteger(shard) && shard >= 0 ? shard : 0 };
}

/** Join number n (1-based, from the room's counter) goes to shard floor((n - 1) / shardSize). */
export const shardForJoin = (joinNumber: number, shardSize: number): number => Math.max(0, Math.floor((joinNumber - 1) / shardSize));
