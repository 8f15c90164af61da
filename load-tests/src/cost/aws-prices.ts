/**
 * AWS list prices used by the cost estimates (the load test's and the simulator's), us-east-1, USD, first tier,
 * checked 2025-11; re-read 2026-12-05 (with the x86 price added) from copies of these pages, not the live pages:
 * check them there before quoting a figure. ESTIMATES: no free tier, no volume tiers beyond the first, no data
 * transfer, no CloudWatch. Change them here and nowhere else.
 *
 * Sources:
 * - API Gateway WebSocket APIs: https://aws.amazon.com/api-gateway/pricing/
 *   ($1.00 per million messages for the first billion, metered in 32 KB increments; $0.25 per million
 *   connection minutes)
 * - Lambda: https://aws.amazon.com/lambda/pricing/ ($0.20 per million requests; per GB-second $0.0000133334 on
 *   arm64, which serverless.yml deploys, and $0.0000166667 on x86_64; duration rounded up to the next 1 ms)
 * - DynamoDB on-demand (after the November 2024 price cut): https://aws.amazon.com/dynamodb/pricing/on-demand/
 *   ($0.625 per million write request units; $0.125 per million read request units)
 */
export const AWS_PRICES = {
  region: 'us-east-1',
  checked: '2025-11, re-read 2026-12-05',
  apiGateway: {
    usdPerMillionMessages: 1.0,
    messageUnitBytes: 32 * 1024,
    usdPerMillionConnectionMinutes: 0.25,
  },
  lambda: {
    usdPerMillionRequests: 0.2,
    usdPerGbSecondArm64: 0.0000133334,
    usdPerGbSecondX86: 0.0000166667,
  },
  dynamodb: {
    usdPerMillionWriteUnits: 0.625,
    usdPerMillionReadUnits: 0.125,
  },
} as const;
