import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { ChatClient } from '../support/chat-client.js';
import { refusedStatus, silentLogger } from '../local/helpers.js';

/** Guest mode, the default stage params: the name is the identity, a token is not a credential. */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, dynamoPort: 0, logger: silentLogger, params: { logLevel: 'SILENT' } });
});
afterAll(async () => {
  await stack?.close();
});

describe('guest mode through the local gateway', () => {
  it('needs ?name= (a token alone is missing credentials)', async () => {
    expect(await refusedStatus(`${stack.wsUrl}/?token=abc`)).toBe(401);
    expect(await refusedStatus(`${stack.wsUrl}/?name=`)).toBe(401);
  });

  it('answers 400 for a huge name instead of overflowing the 8 KB authorizer result (500)', async () => {
    expect(await refusedStatus(`${stack.wsUrl}/?name=${'n'.repeat(9000)}`)).toBe(400);
    expect(await refusedStatus(`${stack.wsUrl}/?name=${'n'.repeat(33)}`)).toBe(400);
  });

  it('accepts a 32-character name', async () => {
    const name = 'n'.repeat(32);
    const client = await ChatClient.open(stack.wsUrl, `name=${name}`);
    try {
      expect((await client.join('guest-room')).members).toEqual([{ userId: `guest:${name}`, name }]);
    } finally {
      await client.close();
    }
  });
});
