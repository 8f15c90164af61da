import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/local/stack.js';
import { ClientPool } from './chat-client.js';
import { RecordingLogger } from './recording-logger.js';

/** A test file's own local stack, with the clients its tests open and what the gateway logged. */
export interface FileStack {
  /** The running stack; only inside hooks and tests (it starts in beforeAll). */
  readonly stack: LocalStack;
  readonly clients: ClientPool;
  readonly log: RecordingLogger;
}

/**
 * Starts the real local stack (the serverless.yml handlers, dynalite, the gateway) on free loopback ports before
 * the file's tests and stops it after them, closing the clients they opened first.
 */
export function useLocalStack(options: Omit<LocalStackOptions, 'host' | 'port' | 'dynamoPort' | 'logger'>): FileStack {
  const log = new RecordingLogger();
  let stack: LocalStack | undefined;
  const running = (): LocalStack => {
    if (stack === undefined) throw new Error('the local stack starts in beforeAll: use it inside a test');
    return stack;
  };
  const clients = new ClientPool(() => running().wsUrl);
  beforeAll(async () => {
    stack = await startLocalStack({ ...options, host: '127.0.0.1', port: 0, dynamoPort: 0, logger: log });
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
