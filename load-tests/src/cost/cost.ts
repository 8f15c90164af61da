import { AWS_PRICES } from './aws-prices.js';

/**
 * What the cost model needs from a run: billed traffic is measured (frames and bytes the generator saw
 * on the wire, connection time), backend work is derived from counts and room sizes.
 */
export interface CostInput {
  connectAttempts: number;
  connectionsOpened: number;
  joins: number;
  messagesSent: number;
  /** Sum over sent messages of room members at send time (the fan-out width, sender included). */
  recipientsTotal: number;
  /** Members per room after the joins, for the presence and member-list work of joining and leaving. */
  roomSizes: number[];
  textSize: number;
  /** Frames in each direction, each billed in 32 KB units. */
  billedMessageUnits: number;
  connectedMs: number;
}

/**
 * How the backend is assumed to work, from backend/src (domain/chat-service.ts, domain/delivery.ts,
 * adapters/dynamodb/*.ts) and the defaults in serverless.yml (`params` and `functions`). The DynamoDB calls
 * per route are the happy path's; durations are guesses until measured in AWS.
 */
export const COST_ASSUMPTIONS = {
  /** provider.memorySize: every route handler ($connect, join, send, …). */
  lambdaMemoryGb: 0.5,
  /** functions.fanout.memorySize: the large-room workers `send` invokes, one per shard. */
  fanoutWorkerMemoryGb: 1,
  /** Every invocation: warm handler, its DynamoDB calls. */
  baseDurationMs: 25,
  /** One round of FANOUT_CONCURRENCY parallel calls: postToConnection, or a `send` invoking workers. */
  fanoutRoundMs: 20,
  /** FANOUT_CONCURRENCY. */
  fanoutConcurrency: 64,
  /** MEMBERSHIP_SHARD_SIZE: members per membership partition, and per fan-out worker. */
  shardSize: 500,
  /** FANOUT_INLINE_MAX: rooms with more members are fanned out by one `fanout` invocation per shard. */
  fanoutInlineMax: 500,
  /** PRESENCE_MAX_MEMBERS: presence (and the full `joined` member list) only in rooms up to this size. */
  presenceMaxMembers: 100,
  /**
   * CALLBACK_RATE_BUDGET: posts/s a large room's workers share; each paces at its share after its share of a
   * half-second burst (delivery.ts planJobs), and waiting for the pace is billed duration.
   */
  callbackRateBudget: 10_000,
  /** A membership item (pk, room, shard, connectionId, user, joinedAt, ttl). Every read is consistent: 1 RRU per 4 KB. */
  membershipItemBytes: 200,
  /** A message item without its text. 1 WRU per KB written. */
  messageOverheadBytes: 250,
  /**
   * The `history` Query of a join reads nothing but costs its minimum (1 RRU): the load test's rooms are new
   * (named after the run) and every join precedes the first send.
   */
  historyReadUnitsPerJoin: 1,
} as const;

export interface CostItem {
  name: string;
  quantity: number;
  unit: string;
  usdPerUnit: number;
  usd: number;
}

export interface CostEstimate {
  estimate: true;
  currency: 'USD';
  region: string;
  pricesChecked: string;
  items: CostItem[];
  totalUsd: number;
  /**
   * Marginal cost of one million more messages of the same shape (room size, text size) once everyone is
   * connected: the send frame, its ack and its deliveries, the `send` invocation with its fan-out (and the
   * `fanout` workers of a large room), the stored message and the reads and writes around it. Connection set-up
   * is excluded so that runs of any length compare.
   */
  usdPerMillionMessages: number;
  note: string;
}

/** What some backend work costs, before prices. */
interface Work {
  lambdaRequests: number;
  /** GB-s of route handlers (lambdaMemoryGb). */
  handlerGbSeconds: number;
  /** GB-s of `fanout` workers (fanoutWorkerMemoryGb). */
  workerGbSeconds: number;
  writeUnits: number;
  readUnits: number;
}

const A = COST_ASSUMPTIONS;
const P = AWS_PRICES;
const noWork = (): Work => ({
  lambdaRequests: 0,
  handlerGbSeconds: 0,
  workerGbSeconds: 0,
  writeUnits: 0,
  readUnits: 0,
});
/** Strongly consistent read (GetItem, or a Query's items summed): 1 RRU per 4 KB, at least 1. */
export const rru = (bytes: number): number => Math.max(1, Math.ceil(bytes / 4096));
/** 1 WRU per KB of the item written, at least 1. */
export const wru = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
/** API Gateway bills a WebSocket frame, either way, in 32 KB increments: a frame of 32 KB + 1 byte is two messages. */
export const messageUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / P.apiGateway.messageUnitBytes));
const rounds = (calls: number): number => Math.ceil(calls / A.fanoutConcurrency);
const postMs = (posts: number): number => rounds(posts) * A.fanoutRoundMs;
const membersRead = (members: number): number => rru(members * A.membershipItemBytes);
const handlerGbs = (ms: number): number => (A.lambdaMemoryGb * ms) / 1000;
const roundUsd = (usd: number): number => Math.round(usd * 1e6) / 1e6;

/**
 * A member joining a room it makes `n` strong (ChatService.join, DynamoConnectionStore.addMembership): the rate
 * limits (the connection's and the user's UpdateItem), the meta GetItem, then three writes (the meta UpdateItem
 * counting the place, the connection UpdateItem, the membership PutItem) and the read that confirms the entry, the
 * member list (a Query of at most PRESENCE_MAX_MEMBERS + 1) and the history page; in a room of at
 * most PRESENCE_MAX_MEMBERS, `joined` presence to the n - 1 others after a second meta read and member Query.
 * The first join of each shard after the first also raises the meta item's shard count (growShards).
 */
function joinWork(n: number): Work {
  const presence = n <= A.presenceMaxMembers;
  const opensShard = n > A.shardSize && (n - 1) % A.shardSize === 0;
  return {
    // The invocation and its base duration are counted from CostInput.joins (failed joins included).
    lambdaRequests: 0,
    handlerGbSeconds: handlerGbs(presence ? postMs(n - 1) : 0),
    workerGbSeconds: 0,
    writeUnits: 2 + 3 + (opensShard ? 1 : 0),
    readUnits:
      1 +
      1 +
      membersRead(Math.min(n, A.presenceMaxMembers + 1)) +
      A.historyReadUnitsPerJoin +
      (presence ? 1 + membersRead(n) : 0),
  };
}

/**
 * A member's membership removed on $disconnect with `remaining` members left (ChatService.disconnect,
 * DynamoConnectionStore.removeConnection): its membership deleted (BatchWriteItem) and counted out of the meta
 * item (UpdateItem), then `left` presence: a meta read and a member Query, posts only up to PRESENCE_MAX_MEMBERS.
 * The connection's own DeleteItem is counted per connection.
 */
function leaveWork(remaining: number): Work {
  const presence = remaining <= A.presenceMaxMembers;
  return {
    lambdaRequests: 0,
    handlerGbSeconds: handlerGbs(presence ? postMs(remaining) : 0),
    workerGbSeconds: 0,
    writeUnits: 2,
    readUnits: 1 + membersRead(Math.min(remaining, A.presenceMaxMembers + 1)),
  };
}

/**
 * One message to a room of `members` (ChatService.send, delivery.ts deliver): the rate limits (the connection's and
 * the user's conditional UpdateItem), the membership check (connection GetItem), `append` (two conditional PutItems:
 * the idempotency record `z#…` and the message `m#…`, marked pending), the room meta GetItem, the fan-out, and the
 * UpdateItem clearing the message's outbox mark (billed on the message's size). Up to FANOUT_INLINE_MAX members
 * the send Lambda Queries the room and posts itself; above, it invokes one `fanout` worker per shard, each of
 * which claims its job (a PutItem), Queries its shard and posts at its share of CALLBACK_RATE_BUDGET.
 */
function sendWork(members: number, textSize: number): Work {
  const work: Work = {
    lambdaRequests: 1,
    handlerGbSeconds: 0,
    workerGbSeconds: 0,
    writeUnits: 2 + 1 + 2 * wru(A.messageOverheadBytes + textSize),
    readUnits: 1 + 1,
  };
  if (members <= A.fanoutInlineMax) {
    work.handlerGbSeconds = handlerGbs(A.baseDurationMs + postMs(members));
    work.readUnits += membersRead(members);
    return work;
  }
  const shards = Math.ceil(members / A.shardSize);
  work.handlerGbSeconds = handlerGbs(A.baseDurationMs + rounds(shards) * A.fanoutRoundMs);
  const rate = A.callbackRateBudget / shards;
  const burst = rate / 2;
  for (let shard = 0; shard < shards; shard++) {
    const posts = Math.min(A.shardSize, members - shard * A.shardSize);
    const pacedMs = (Math.max(0, posts - Math.max(1, burst)) / rate) * 1000;
    work.lambdaRequests += 1;
    work.workerGbSeconds += (A.fanoutWorkerMemoryGb * (A.baseDurationMs + Math.max(postMs(posts), pacedMs))) / 1000;
    work.writeUnits += 1;
    work.readUnits += membersRead(posts);
  }
  return work;
}

function add(into: Work, from: Work, times = 1): Work {
  into.lambdaRequests += from.lambdaRequests * times;
  into.handlerGbSeconds += from.handlerGbSeconds * times;
  into.workerGbSeconds += from.workerGbSeconds * times;
  into.writeUnits += from.writeUnits * times;
  into.readUnits += from.readUnits * times;
  return into;
}

const usdOf = (w: Work): number =>
  w.lambdaRequests * (P.lambda.usdPerMillionRequests / 1e6) +
  (w.handlerGbSeconds + w.workerGbSeconds) * P.lambda.usdPerGbSecondArm64 +
  w.writeUnits * (P.dynamodb.usdPerMillionWriteUnits / 1e6) +
  w.readUnits * (P.dynamodb.usdPerMillionReadUnits / 1e6);

export function estimateCost(input: CostInput): CostEstimate {
  const work = noWork();
  // Invocations of the route handlers: authorizer per attempt, $connect and $disconnect per connection, join.
  const routeInvocations = input.connectAttempts + input.connectionsOpened * 2 + input.joins;
  add(work, {
    ...noWork(),
    lambdaRequests: routeInvocations,
    handlerGbSeconds: handlerGbs(routeInvocations * A.baseDurationMs),
  });
  // $connect: one UpdateItem. $disconnect: the connection's conditional DeleteItem.
  add(work, { ...noWork(), writeUnits: 2 }, input.connectionsOpened);
  // A room filling up one join at a time, and emptying one $disconnect at a time.
  for (const size of input.roomSizes) {
    for (let n = 1; n <= size; n++) add(add(work, joinWork(n)), leaveWork(n - 1));
  }
  const avgRecipients = input.messagesSent === 0 ? 0 : input.recipientsTotal / input.messagesSent;
  const perSend = sendWork(avgRecipients, input.textSize);
  add(work, perSend, input.messagesSent);
  const connectionMinutes = input.connectedMs / 60_000;

  const item = (name: string, quantity: number, unit: string, usdPerUnit: number): CostItem => ({
    name,
    quantity: Math.round(quantity * 1000) / 1000,
    unit,
    usdPerUnit,
    usd: roundUsd(quantity * usdPerUnit),
  });
  const items = [
    item(
      'API Gateway messages (in + out, 32 KB units)',
      input.billedMessageUnits,
      'message',
      P.apiGateway.usdPerMillionMessages / 1e6,
    ),
    item(
      'API Gateway connection minutes',
      connectionMinutes,
      'minute',
      P.apiGateway.usdPerMillionConnectionMinutes / 1e6,
    ),
    item(
      'Lambda requests (route handlers and fan-out workers)',
      work.lambdaRequests,
      'request',
      P.lambda.usdPerMillionRequests / 1e6,
    ),
    item(
      'Lambda compute, route handlers (512 MB arm64)',
      work.handlerGbSeconds,
      'GB-second',
      P.lambda.usdPerGbSecondArm64,
    ),
    item(
      'Lambda compute, fan-out workers (1,024 MB arm64)',
      work.workerGbSeconds,
      'GB-second',
      P.lambda.usdPerGbSecondArm64,
    ),
    item('DynamoDB writes (on-demand)', work.writeUnits, 'WRU', P.dynamodb.usdPerMillionWriteUnits / 1e6),
    item(
      'DynamoDB reads (on-demand, strongly consistent)',
      work.readUnits,
      'RRU',
      P.dynamodb.usdPerMillionReadUnits / 1e6,
    ),
  ];
  const total = items.reduce((sum, i) => sum + i.quantity * i.usdPerUnit, 0);
  const frameUnits = messageUnits(A.messageOverheadBytes + input.textSize + 150);
  const perMessage = (2 + avgRecipients) * frameUnits * (P.apiGateway.usdPerMillionMessages / 1e6) + usdOf(perSend);
  return {
    estimate: true,
    currency: 'USD',
    region: P.region,
    pricesChecked: P.checked,
    items,
    totalUsd: roundUsd(total),
    usdPerMillionMessages: input.messagesSent === 0 ? 0 : Math.round(perMessage * 1e6 * 100) / 100,
    note: 'Estimate from list prices in src/cost/aws-prices.ts and the assumptions in src/cost/cost.ts (happy-path DynamoDB calls, guessed durations); no free tier, no data transfer.',
  };
}
