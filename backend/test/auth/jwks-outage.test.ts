import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.js';
import { ChatClient } from '../support/chat-client.js';
import { refusedStatus } from '../local/helpers.js';
import { startJwtStack, startTestIssuer, type TestIssuer } from './jwks-server.js';

/*
 * The issuer's JWKS endpoint is down on the first $connect of the container. That is not the caller's fault:
 * the handshake fails with 500 (retry later), not 403 (which says "your token is bad, sign in again").
 * Its own file so the key set has never been fetched in this process.
 */
let issuer: TestIssuer;
let stack: LocalStack;

beforeAll(async () => {
  issuer = await startTestIssuer();
  stack = await startJwtStack(issuer, 'SILENT');
});
afterAll(async () => {
  await stack?.close();
  await issuer?.close();
});

describe('JWKS outage', () => {
  it('answers 500 while the key set cannot be fetched, and connects once the issuer is back', async () => {
    const token = await issuer.sign({ sub: 'user-1', name: 'Ann' });
    issuer.setAvailable(false);
    expect(await refusedStatus(`${stack.wsUrl}/?token=${token}`)).toBe(500);

    issuer.setAvailable(true);
    const client = await ChatClient.open(stack.wsUrl, `token=${token}`);
    try {
      expect((await client.join('outage')).members).toEqual([{ userId: 'user-1', name: 'Ann' }]);
    } finally {
      await client.close();
    }
    // A bad token is still a 403 once the keys are known.
    expect(await refusedStatus(`${stack.wsUrl}/?token=${await issuer.sign({ sub: 'u', aud: 'other' })}`)).toBe(403);
  });
});
