import { DEFAULT_SERVERLESS_FILE } from './serverless-config.js';

/**
 * The local runtime's own settings, the only place it reads process.env (config.ts is the Lambda code's
 * reader; this is not Lambda code). Ports follow the public contract: 3001 for the WebSocket and management
 * API, 8000 for DynamoDB.
 */
export interface LocalOptions {
  host: string;
  port: number;
  dynamoPort: number;
  serverlessFile: string;
  stage: string;
}

type Env = Record<string, string | undefined>;

function port(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${key} must be a port number, got "${raw}"`);
  return value;
}

export function localOptionsFromEnv(env: Env = process.env): LocalOptions {
  return {
    host: env.LOCAL_HOST || '127.0.0.1',
    port: port(env, 'LOCAL_WS_PORT', 3001),
    dynamoPort: port(env, 'LOCAL_DYNAMODB_PORT', 8000),
    serverlessFile: env.LOCAL_SERVERLESS_FILE || DEFAULT_SERVERLESS_FILE,
    stage: env.LOCAL_STAGE || 'local',
  };
}
