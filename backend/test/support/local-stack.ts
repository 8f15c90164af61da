import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/local/stack.js';
import { ClientPool } from './chat-client.js';
import { RecordingLogger } from './recording-logger.js';
import { dropExternalTables, externalDynamoEndpoint, isolatedStage, testStoreRegion } from './test-store.js';

/**
 * startLocalStack on free loopback ports and on the store test-store.ts selects: a dynalite of its own, or
 * tables of its own on the shared external store, dropped again by close().
 */
export async function startTestLocalStack(
  options: Omit<LocalStackOptions, 'host' | 'port' | 'dynamoPort' | 'dynamoEndpoint' | 'region'>,
): Promise<LocalStack & { stage: string }> {
  const stage = isolatedStage(options.stage ?? 'local');
  const stack = await startLocalStack({
    ...options,
    // Errors only, unless the test asks for another level: serverless.yml's INFO would fill the test output.
    params: { logLevel: 'ERROR', ...options.params },
    stage,
    host: '127.0.0.1',
    port: 0,
    dynamoPort: 0,
    dynamoEndpoint: externalDynamoEndpoint,
    region: await testStoreRegion(),
  });
  return {
    ...stack,
    stage,
    async close() {
      await stack.close();
      await dropExternalTables(stage);
    },
  };
}

/** A test file's own local stack, with the clients its tests open and what the gateway logged. */
export interface FileStack {
  /** The running stack; only inside hooks and tests (it starts in beforeAll). */
  readonly stack: LocalStack;
  readonly clients: ClientPool;
  readonly log: RecordingLogger;
}

/**
 * Starts the real local stack (the serverless.yml handlers, the test store, the gateway) on free loopback ports before
 * the file's tests and stops it after them, closing the clients they opened first.
 */
export function useLocalStack(
  options: Omit<LocalStackOptions, 'host' | 'port' | 'dynamoPort' | 'dynamoEndpoint' | 'region' | 'logger'>,
): FileStack {
  const log = new RecordingLogger();
  let stack: LocalStack | undefined;
  const running = (): LocalStack => {
    if (stack === undefined) throw new Error('the local stack starts in beforeAll: use it inside a test');
    return stack;
  };
  const clients = new ClientPool(() => running().wsUrl);
  beforeAll(async () => {
    stack = await startTestLocalStack({ ...options, logger: log });
  });
  afterAll(async () => {
    await clients.closeAll();
    await stack?.close();
  });
  return {
    get stack() {
      return running();
    },
    clients,
    log,
  };
}
