import { LOCAL_CREDENTIALS } from './credentials.js';
import type { ServerlessConfig } from './serverless-config.js';

/**
 * What Lambda would see: provider.environment plus the local endpoint overrides config.ts reads. Handlers read
 * it at import, so this runs before the first handler import. NODE_OPTIONS is Lambda runtime configuration and
 * would leak into child processes here, so it is skipped.
 */
export function exportLambdaEnvironment(
  config: ServerlessConfig,
  endpoints: { managementUrl: string; dynamoEndpoint: string | undefined },
  localCredentials: boolean,
): void {
  for (const [key, value] of Object.entries(config.environment)) {
    if (key !== 'NODE_OPTIONS') process.env[key] = value;
  }
  if (endpoints.dynamoEndpoint) process.env.DYNAMODB_ENDPOINT = endpoints.dynamoEndpoint;
  process.env.APIGW_MANAGEMENT_ENDPOINT = endpoints.managementUrl;
  process.env.LAMBDA_ENDPOINT = endpoints.managementUrl;
  process.env.AWS_REGION ??= config.region;
  // Every local "Lambda" shares this event loop; under load it delays socket events by seconds (see config.ts).
  process.env.SDK_CONNECT_TIMEOUT_MS ??= '3000';
  process.env.SDK_REQUEST_TIMEOUT_MS ??= '7500';
  // Embedded metrics are log lines only CloudWatch reads; locally they would bury the log (one per fan-out).
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  if (localCredentials) {
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
  }
}
