import { randomBytes } from 'node:crypto';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { deleteTables } from '../../src/local/embedded-dynamo.js';
import {
  DEFAULT_SERVERLESS_FILE,
  loadServerlessConfig,
  type ServerlessConfig,
} from '../../src/local/serverless-config.js';

/**
 * Which DynamoDB the store-facing tests talk to. Unset, each test file starts its own dynalite. Set, they run
 * against that endpoint, any DynamoDB you have: for example AWS itself with a sandbox account
 * (`https://dynamodb.<region>.amazonaws.com`), where every test file creates tables of its own and deletes them.
 */
export const externalDynamoEndpoint: string | undefined = process.env.TEST_DYNAMODB_ENDPOINT || undefined;

/** Names the store in test titles, so a failure says which implementation it came from. */
export const testStoreName = externalDynamoEndpoint === undefined ? 'dynalite' : externalDynamoEndpoint;

/**
 * Credentials for the tests' own clients: the one local identity on dynalite; on an external endpoint, which may
 * be AWS itself, undefined, so the SDK default credential chain (env, profile, SSO) signs, as the handlers do.
 */
export const testStoreCredentials: DynamoDBClientConfig['credentials'] =
  externalDynamoEndpoint === undefined ? LOCAL_CREDENTIALS : undefined;

let externalRegion: Promise<string> | undefined;

/**
 * The region the tests' tables are in: serverless.yml's default on dynalite; on an external endpoint the region
 * the SDK default chain picks (AWS_REGION, the profile's region), since AWS only accepts requests signed for the
 * endpoint's own region. It is passed to serverless.yml as `--region` would be, so every client agrees.
 */
export function testStoreRegion(): Promise<string | undefined> {
  if (externalDynamoEndpoint === undefined) return Promise.resolve(undefined);
  externalRegion ??= (async () => {
    const probe = new DynamoDBClient({});
    try {
      return await probe.config.region();
    } catch (error) {
      throw new Error('TEST_DYNAMODB_ENDPOINT is set but no AWS region is configured: set AWS_REGION', {
        cause: error,
      });
    } finally {
      probe.destroy();
    }
  })();
  return externalRegion;
}

/** serverless.yml resolved for `stage` in the test store's region. */
export async function testStoreConfig(stage: string): Promise<ServerlessConfig> {
  return loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage, region: await testStoreRegion() });
}

/**
 * The stage a test's tables are named after. Files share an external store, so each start gets its own tables
 * (serverless.yml names them `${service}-${stage}-...`, as separate deployments are kept apart on AWS).
 */
export function isolatedStage(stage: string): string {
  return externalDynamoEndpoint === undefined ? stage : `${stage}-${randomBytes(4).toString('hex')}`;
}

/** Drops the tables of `stage` from the external store, which outlives the test file; no-op on dynalite. */
export async function dropExternalTables(stage: string): Promise<void> {
  if (externalDynamoEndpoint === undefined) return;
  const sls = await testStoreConfig(stage);
  await deleteTables({
    endpoint: externalDynamoEndpoint,
    region: sls.region,
    credentials: testStoreCredentials,
    tables: sls.tables,
  });
}
