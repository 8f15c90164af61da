/**
 * Key layout of the memberships table. A room's members live in partitions `<room>#<shard>` of at most
 * `shardSize` members (see shardForJoin), and its counters in `<room>#meta`. Room names match
 * ^[A-Za-z0-9_-]{1,64}$, so `#` cannot occur in them and the keys never collide.
 * The connection item lists `<room>#<shard>#<token>` entries, so leave and $disconnect delete by key.
 */
export const shardKey = (room: string, shard: number): string => `${room}#${shard}`;

export const metaKey = (room: string): { pk: string; connectionId: string } => ({
  pk: `${room}#meta`,
  connectionId: '#',
});

/**
 * The connection item's entry for a membership. The join's token is also on the membership item, so a membership
 * is current only while its connection lists the same token: a join's Put that lands after a racing leave or
 * $disconnect removed the entry is recognised (and deleted) instead of living on as an orphan that keeps receiving.
 */
export const roomEntry = (room: string, shard: number, token?: string): string =>
  token === undefined ? `${room}#${shard}` : `${room}#${shard}#${token}`;

/** Entries written before tokens existed have none. */
export function parseRoomEntry(entry: string): { room: string; shard: number; token?: string } {
  const [room = entry, rawShard, token] = entry.split('#');
  const shard = Number(rawShard);
  return { room, shard: Number.isInteger(shard) && shard >= 0 ? shard : 0, token: token || undefined };
}

/** The `<room>#meta` attribute counting the members of one shard. */
export const shardCountAttribute = (shard: number): `n${number}` => `n${shard}`;

/**
 * Where a new member goes: the lowest shard, from `from` on, with fewer than `shardSize` members, else the next
 * new one. Lowest first keeps a growing room in join order and hands places freed by leaves to the next joins;
 * with the member count alone, churn would pile a long-lived room into its last shard while the others emptied.
 */
export function shardForJoin(countOf: (shard: number) => number, shards: number, shardSize: number, from = 0): number {
  let shard = from;
  while (shard < shards && countOf(shard) >= shardSize) shard += 1;
  return shard;
}
