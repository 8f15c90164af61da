import { LOCAL_CREDENTIALS } from './credentials.js';
import type { ServerlessConfig } from './serverless-config.js';

/**
 * What Lambda would see: provider.environment plus the local endpoint overrides config.ts reads. Values already in
 * `current` for the SDK settings, the region and the credentials win, so a developer's shell can change them.
 * NODE_OPTIONS is Lambda runtime configuration and would leak into child processes here, so it is skipped.
 */
export function lambdaEnvironment(
  config: ServerlessConfig,
  endpoints: { managementUrl: string; dynamoEndpoint: string | undefined },
  localCredentials: boolean,
  current: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config.environment)) {
    if (key !== 'NODE_OPTIONS') env[key] = value;
  }
  if (endpoints.dynamoEndpoint) env.DYNAMODB_ENDPOINT = endpoints.dynamoEndpoint;
  env.APIGW_MANAGEMENT_ENDPOINT = endpoints.managementUrl;
  env.LAMBDA_ENDPOINT = endpoints.managementUrl;
  env.AWS_REGION = current.AWS_REGION ?? config.region;
  // Every local "Lambda" shares this event loop; under load it delays socket events by seconds (see config.ts).
  env.SDK_CONNECT_TIMEOUT_MS = current.SDK_CONNECT_TIMEOUT_MS ?? '3000';
  env.SDK_REQUEST_TIMEOUT_MS = current.SDK_REQUEST_TIMEOUT_MS ?? '7500';
  // Embedded metrics are log lines only CloudWatch reads; locally they would bury the log (one per fan-out).
  env.POWERTOOLS_METRICS_DISABLED = current.POWERTOOLS_METRICS_DISABLED ?? 'true';
  if (localCredentials) {
    env.AWS_ACCESS_KEY_ID = current.AWS_ACCESS_KEY_ID ?? LOCAL_CREDENTIALS.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = current.AWS_SECRET_ACCESS_KEY ?? LOCAL_CREDENTIALS.secretAccessKey;
  }
  return env;
}

/** Puts lambdaEnvironment into process.env. Handlers read it at import, so this runs before the first handler import. */
export function exportLambdaEnvironment(
  config: ServerlessConfig,
  endpoints: { managementUrl: string; dynamoEndpoint: string | undefined },
  localCredentials: boolean,
): Record<string, string> {
  const env = lambdaEnvironment(config, endpoints, localCredentials);
  Object.assign(process.env, env);
  return env;
}
