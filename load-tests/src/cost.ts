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
  /** Sum over sent messages of room members at send time (the fan-out width). */
  recipientsTotal: number;
  /** Members per room after the joins, for the O(n^2) presence and member-list work of joining. */
  roomSizes: number[];
  textSize: number;
  /** Frames in each direction, each billed in 32 KB units. */
  billedMessageUnits: number;
  connectedMs: number;
}

/**
 * How the backend is assumed to work per route; from backend/src (chat-service, dynamodb adapters) and
 * serverless.yml (512 MB arm64, FANOUT_CONCURRENCY 64). Durations are guesses until measured in AWS.
 */
export const COST_ASSUMPTIONS = {
  lambdaMemoryGb: 0.5,
  /** Every invocation: cold-path-free handler, a DynamoDB call or two. */
  baseDurationMs: 25,
  /** One postToConnection round of FANOUT_CONCURRENCY parallel calls. */
  fanoutRoundMs: 20,
  fanoutConcurrency: 64,
  /** A membership item (room, connectionId, user); read 4 KB per RRU, eventually consistent = half. */
  membershipItemBytes: 200,
  /** A message item without text. */
  messageOverheadBytes: 250,
  historyPageSize: 50,
  /** $connect: authorizer + handler. join: isMember Get + Put membership + Update connection. */
  writesPerConnect: 1,
  writesPerJoin: 2,
  writesPerDisconnect: 2,
  /** The per-connection send rate limiter: one conditional UpdateItem on the connection item per send. */
  rateLimitWritesPerSend: 1,
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
   * connected: the send frame, its ack and its deliveries, one Lambda invocation with its fan-out, one
   * stored message and one member query. Connection set-up is excluded so that runs of any length compare.
   */
  usdPerMillionMessages: number;
  note: string;
}

const A = COST_ASSUMPTIONS;
const P = AWS_PRICES;
const rcu = (bytes: number): number => Math.max(0.5, Math.ceil(bytes / 4096) * 0.5);
const fanoutMs = (recipients: number): number => Math.ceil(recipients / A.fanoutConcurrency) * A.fanoutRoundMs;
const roundUsd = (usd: number): number => Math.round(usd * 1e6) / 1e6;

export function estimateCost(input: CostInput): CostEstimate {
  // Joining room of current size n: members Query (n items) and presence fan-out to n - 1 others.
  let joinReadUnits = 0;
  let joinFanoutMs = 0;
  for (const size of input.roomSizes) {
    for (let n = 1; n <= size; n++) {
      joinReadUnits += 1 + rcu(n * A.membershipItemBytes) + rcu(A.historyPageSize * (A.messageOverheadBytes + input.textSize)) + rcu(n * A.membershipItemBytes);
      joinFanoutMs += fanoutMs(n - 1);
    }
  }
  const perSendRead = (recipients: number): number => 1 + rcu(recipients * A.membershipItemBytes);
  const avgRecipients = input.messagesSent === 0 ? 0 : input.recipientsTotal / input.messagesSent;
  const sendReadUnits = input.messagesSent * perSendRead(avgRecipients);
  const messageWriteUnits = Math.ceil((A.messageOverheadBytes + input.textSize) / 1024);

  const invocations = input.connectAttempts + input.connectionsOpened * 2 + input.joins + input.messagesSent;
  const gbSeconds =
    (A.lambdaMemoryGb *
      (invocations * A.baseDurationMs + joinFanoutMs + input.messagesSent * fanoutMs(avgRecipients) + input.connectionsOpened * fanoutMs(avgRecipients))) /
    1000;
  const writeUnits =
    input.connectionsOpened * (A.writesPerConnect + A.writesPerDisconnect) + input.joins * A.writesPerJoin + input.messagesSent * (messageWriteUnits + A.rateLimitWritesPerSend);
  const readUnits = joinReadUnits + sendReadUnits + input.connectionsOpened * 1;
  const connectionMinutes = input.connectedMs / 60_000;

  const item = (name: string, quantity: number, unit: string, usdPerUnit: number): CostItem => ({
    name,
    quantity: Math.round(quantity * 1000) / 1000,
    unit,
    usdPerUnit,
    usd: roundUsd(quantity * usdPerUnit),
  });
  const items = [
    item('API Gateway messages (in + out, 32 KB units)', input.billedMessageUnits, 'message', P.apiGateway.usdPerMillionMessages / 1e6),
    item('API Gateway connection minutes', connectionMinutes, 'minute', P.apiGateway.usdPerMillionConnectionMinutes / 1e6),
    item('Lambda requests', invocations, 'request', P.lambda.usdPerMillionRequests / 1e6),
    item('Lambda compute (512 MB arm64)', gbSeconds, 'GB-second', P.lambda.usdPerGbSecondArm64),
    item('DynamoDB writes (on-demand)', writeUnits, 'WRU', P.dynamodb.usdPerMillionWriteUnits / 1e6),
    item('DynamoDB reads (on-demand)', readUnits, 'RRU', P.dynamodb.usdPerMillionReadUnits / 1e6),
  ];
  const total = items.reduce((sum, i) => sum + i.quantity * i.usdPerUnit, 0);
  const frameUnits = Math.ceil((A.messageOverheadBytes + input.textSize + 150) / P.apiGateway.messageUnitBytes);
  const perMessage =
    (2 + avgRecipients) * frameUnits * (P.apiGateway.usdPerMillionMessages / 1e6) +
    P.lambda.usdPerMillionRequests / 1e6 +
    ((A.lambdaMemoryGb * (A.baseDurationMs + fanoutMs(avgRecipients))) / 1000) * P.lambda.usdPerGbSecondArm64 +
    (messageWriteUnits + A.rateLimitWritesPerSend) * (P.dynamodb.usdPerMillionWriteUnits / 1e6) +
    perSendRead(avgRecipients) * (P.dynamodb.usdPerMillionReadUnits / 1e6);
  return {
    estimate: true,
    currency: 'USD',
    region: P.region,
    pricesChecked: P.checked,
    items,
    totalUsd: roundUsd(total),
    usdPerMillionMessages: input.messagesSent === 0 ? 0 : Math.round(perMessage * 1e6 * 100) / 100,
    note: 'Estimate from list prices in src/aws-prices.ts and the assumptions in src/cost.ts; no free tier, no data transfer.',
  };
}
