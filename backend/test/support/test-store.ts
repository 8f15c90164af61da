import { randomBytes } from 'node:crypto';
import { deleteTables } from '../../src/local/embedded-dynamo.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '../../src/local/serverless-config.js';

/**
 * Which DynamoDB the store-facing tests talk to. Unset, each test file starts its own dynalite, so `npm test`
 * needs no Java. `npm run test:dynamodb-local` sets TEST_DYNAMODB_ENDPOINT to one DynamoDB Local that every
 * test file shares (scripts/dynamodb-local.mjs starts it); a developer may point it at one of their own.
 */
export const externalDynamoEndpoint: string | undefined = process.env.TEST_DYNAMODB_ENDPOINT || undefined;

/** Names the store in test titles, so a failure says which implementation it came from. */
export const testStoreName = externalDynamoEndpoint === undefined ? 'dynalite' : 'DynamoDB Local';

/**
 * The stage a test's tables are named after. Files share an external store, so each start gets its own tables
 * (serverless.yml names them `${service}-${stage}-...`, as separate deployments are kept apart on AWS).
 */
export function isolatedStage(stage: string): string {
  return externalDynamoEndpoint === undefined ? stage : `${stage}-${randomBytes(4).toString('hex')}`;
}

/** Drops the tables of `stage` from the shared external store, which outlives the test file; no-op on dynalite. */
export async function dropExternalTables(stage: string): Promise<void> {
  if (externalDynamoEndpoint === undefined) return;
  const sls = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage });
  await deleteTables({ endpoint: externalDynamoEndpoint, region: sls.region, tables: sls.tables });
}
