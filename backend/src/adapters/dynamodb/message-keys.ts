// Sort keys of the messages table. One partition per room holds two item kinds:
//   m#<messageId>                       a message; ids sort by time, so sk order is history order
//   z#<encoded userId>#<clientMsgId>    an idempotency record pointing at the message it created
// and one partition per shard of a large room, `<room>#<shard>` (room names have no '#'), holds
//   y#<jobId>#<startAfter>[#<handOns>]  a fan-out job's claim, so a shard gets each frame once (jobId: the
//                                       message id for a message, a random `f-…` id for any other frame)

const MESSAGE_PREFIX = 'm#';

/** '$' (0x24) sorts right after '#' (0x23): `sk < 'm$'` selects every message and no idempotency record. */
export const MESSAGES_END = 'm$';

/** Message ids sort by time, so this key keeps a room's partition in history order. */
export const messageSk = (id: string): string => `${MESSAGE_PREFIX}${id}`;

/**
 * The userId is percent-encoded because it may contain '#' (JWT subjects can): unencoded, user "a#b" with
 * clientMsgId "c" and user "a" with "b#c" would share a key and one would be handed the other's message.
 */
export const idempotencySk = (userId: string, clientMsgId: string): string =>
  `z#${encodeURIComponent(userId)}#${clientMsgId}`;

/**
 * Where a fan-out job's claim lives: beside the room's history but in a partition per shard, so the 200 claims
 * of a frame to a 100k room do not all land on the room's one partition. `y` sorts after `m$`: no history
 * query (`sk < m…`) can meet a claim, though they never share a partition anyway.
 */
export const fanoutClaimKey = (
  room: string,
  shard: number,
  jobId: string,
  startAfter = '',
  handOns = 0,
): { room: string; sk: string } => ({
  room: `${room}#${shard}`,
  sk: `y#${jobId}#${startAfter}${handOns > 0 ? `#${handOns}` : ''}`,
});
