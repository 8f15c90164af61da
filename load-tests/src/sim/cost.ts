import { AWS_PRICES } from '../cost/aws-prices.js';

const P = AWS_PRICES;

export type Architecture = 'arm64' | 'x86_64';

/** provider.architecture in serverless.yml: the price the totals use. */
export const DEPLOYED_ARCHITECTURE: Architecture = 'arm64';

export const USD_PER_GB_SECOND: Readonly<Record<Architecture, number>> = {
  arm64: P.lambda.usdPerGbSecondArm64,
  x86_64: P.lambda.usdPerGbSecondX86,
};

/**
 * Lambda bills each invocation's duration rounded up to the next millisecond
 * (https://aws.amazon.com/lambda/pricing/); a duration of zero is still a millisecond.
 */
export const billedMs = (durationMs: number): number => Math.max(1, Math.ceil(durationMs));

/** Memory in GB (MB / 1,024) times the billed seconds of each invocation. */
export const gbSeconds = (memoryMb: number, durationsMs: readonly number[]): number =>
  ((memoryMb / 1024) * durationsMs.reduce((sum, ms) => sum + billedMs(ms), 0)) / 1000;

/** What one function's invocations for one message cost, per million such messages. */
export interface FunctionCost {
  memoryMb: number;
  invocations: number;
  /** Their billed milliseconds, summed. */
  billedMs: number;
  gbSeconds: number;
  /** The request charge and the duration charge, per architecture. */
  usdPerMillion: Record<Architecture, number>;
}

export function functionCost(memoryMb: number, durationsMs: readonly number[]): FunctionCost {
  const gbs = gbSeconds(memoryMb, durationsMs);
  const usd = (arch: Architecture): number =>
    durationsMs.length * P.lambda.usdPerMillionRequests + gbs * USD_PER_GB_SECOND[arch] * 1e6;
  return {
    memoryMb,
    invocations: durationsMs.length,
    billedMs: durationsMs.reduce((sum, ms) => sum + billedMs(ms), 0),
    gbSeconds: gbs,
    usdPerMillion: { arm64: usd('arm64'), x86_64: usd('x86_64') },
  };
}

/** What one message used: each function's invocations, and the counts of UsageMeter. */
export interface MessageUsage {
  send: { memoryMb: number; durationsMs: readonly number[] };
  fanout: { memoryMb: number; durationsMs: readonly number[] };
  /** API Gateway messages in 32 KB units, from the client and to the clients. */
  inboundMessages: number;
  outboundMessages: number;
  reads: number;
  readUnits: number;
  writes: number;
  writeUnits: number;
}

/**
 * One message's cost per million such messages at list prices, Lambda apart from API Gateway and DynamoDB so that
 * the memory choice shows. API Gateway connection minutes are not per message and are left out, as are the free
 * tier, volume tiers, data transfer and CloudWatch.
 */
export interface MessageCost {
  region: string;
  pricesChecked: string;
  lambda: { send: FunctionCost; fanout: FunctionCost; usdPerMillion: Record<Architecture, number> };
  apiGateway: { inboundMessages: number; outboundMessages: number; usdPerMillion: number };
  dynamodb: { reads: number; readUnits: number; writes: number; writeUnits: number; usdPerMillion: number };
  /** Lambda on DEPLOYED_ARCHITECTURE, API Gateway messages and DynamoDB request units. */
  usdPerMillion: number;
}

export function messageCost(usage: MessageUsage): MessageCost {
  const send = functionCost(usage.send.memoryMb, usage.send.durationsMs);
  const fanout = functionCost(usage.fanout.memoryMb, usage.fanout.durationsMs);
  const lambda = (arch: Architecture): number => send.usdPerMillion[arch] + fanout.usdPerMillion[arch];
  const apiGateway = (usage.inboundMessages + usage.outboundMessages) * P.apiGateway.usdPerMillionMessages;
  const dynamodb =
    usage.readUnits * P.dynamodb.usdPerMillionReadUnits + usage.writeUnits * P.dynamodb.usdPerMillionWriteUnits;
  return {
    region: P.region,
    pricesChecked: P.checked,
    lambda: { send, fanout, usdPerMillion: { arm64: lambda('arm64'), x86_64: lambda('x86_64') } },
    apiGateway: {
      inboundMessages: usage.inboundMessages,
      outboundMessages: usage.outboundMessages,
      usdPerMillion: apiGateway,
    },
    dynamodb: {
      reads: usage.reads,
      readUnits: usage.readUnits,
      writes: usage.writes,
      writeUnits: usage.writeUnits,
      usdPerMillion: dynamodb,
    },
    usdPerMillion: lambda(DEPLOYED_ARCHITECTURE) + apiGateway + dynamodb,
  };
}
