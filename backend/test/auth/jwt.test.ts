import { generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LambdaRuntime } from '../../src/local/lambda-runtime.js';
import type { LocalStack } from '../../src/local/stack.js';
import { ChatClient, ClientPool } from '../support/chat-client.js';
import { refusedStatus } from '../local/helpers.js';
import { AUDIENCE, startJwtStack, startTestIssuer, unsignedToken, type TestIssuer } from './jwks-server.js';

/*
 * JWT mode end to end: the real local stack started with the params a JWT stage would use (as
 * `osls --param` would set them), a real JWKS over HTTP and really signed tokens. Its own file because the
 * handlers read their configuration once per process (vitest runs each file in its own fork).
 */
let issuer: TestIssuer;
let stack: LocalStack;
const clients = new ClientPool(() => stack.wsUrl);
/** Passes through; counts how often the gateway invoked the authorizer Lambda. */
const invokeSpy = vi.spyOn(LambdaRuntime.prototype, 'invoke');
const authorizerCalls = () => invokeSpy.mock.calls.filter(([spec]) => spec.functionName === 'authorize').length;
const now = () => Math.floor(Date.now() / 1000);

const connect = (token: string): Promise<ChatClient> => clients.open(`token=${encodeURIComponent(token)}`);

const statusFor = (token: string) => refusedStatus(`${stack.wsUrl}/?token=${encodeURIComponent(token)}`);

beforeAll(async () => {
  issuer = await startTestIssuer();
  // Refused tokens are logged at INFO by design; keep the test output to real problems.
  stack = await startJwtStack(issuer, 'ERROR');
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await stack?.close();
  await issuer?.close();
  invokeSpy.mockRestore();
});

describe('JWT mode through the local gateway', () => {
  it('refuses a handshake without a token with 401 before the authorizer runs', async () => {
    const calls = authorizerCalls();
    expect(await refusedStatus(`${stack.wsUrl}/`)).toBe(401);
    expect(await refusedStatus(`${stack.wsUrl}/?token=`)).toBe(401);
    // Guest mode is off on this stage: a name alone is missing credentials, not a guest.
    expect(await refusedStatus(`${stack.wsUrl}/?name=alice`)).toBe(401);
    expect(authorizerCalls()).toBe(calls);
    expect(issuer.jwksRequests()).toBe(0);
  });

  it('accepts a valid token: userId is the sub, the name comes from the token, and a frame cannot spoof either', async () => {
    const alice = await connect(await issuer.sign({ sub: 'user-1', name: 'Alice A.' }));
    const bob = await connect(await issuer.sign({ sub: 'user-2', preferred_username: 'bob' }));
    const room = 'jwt-room';
    const joined = await alice.join(room);
    expect(joined.members).toEqual([{ userId: 'user-1', name: 'Alice A.' }]);
    await bob.join(room);
    expect(await alice.waitFor('presence', (p) => p.state === 'joined')).toMatchObject({
      user: { userId: 'user-2', name: 'bob' },
    });

    alice.send({
      action: 'send',
      room,
      text: 'hi',
      clientMsgId: 'c-1',
      sender: { userId: 'user-2', name: 'bob' },
      userId: 'user-2',
    });
    const message = await bob.waitFor('message', (m) => m.clientMsgId === 'c-1');
    expect(message.sender).toEqual({ userId: 'user-1', name: 'Alice A.' });
    expect((await alice.waitFor('message', (m) => m.clientMsgId === 'c-1')).sender).toEqual({
      userId: 'user-1',
      name: 'Alice A.',
    });
  });

  it('makes a display name presentable: control characters dropped, cut to 32 without an outer space', async () => {
    // A cut at 32 characters that ends on a space used to produce a name $connect refused with 400.
    const long = `${'x'.repeat(31)} tail that goes on`;
    const first = await connect(await issuer.sign({ sub: 'user-3', name: long }));
    const second = await connect(
      await issuer.sign({ sub: 'user-4', name: '\u0000\u200b\u0007', email: 'dora@example.com' }),
    );
    const room = 'jwt-names';
    await first.join(room);
    const joined = await second.join(room);
    expect(joined.members).toEqual(
      expect.arrayContaining([
        { userId: 'user-3', name: 'x'.repeat(31) },
        { userId: 'user-4', name: 'dora@example.com' },
      ]),
    );
  });

  it.each([
    ['expired', async () => issuer.sign({ sub: 'u', exp: now() - 120 })],
    ['not yet valid', async () => issuer.sign({ sub: 'u', nbf: now() + 600 })],
    ['without exp', async () => issuer.sign({ sub: 'u', exp: undefined })],
    ['for another audience', async () => issuer.sign({ sub: 'u', aud: 'someone-else' })],
    ['from another issuer', async () => issuer.sign({ sub: 'u', iss: 'https://evil.example.com' })],
    [
      'signed by another key under the same kid',
      async () => issuer.sign({ sub: 'u' }, { key: (await generateKeyPair('RS256')).privateKey }),
    ],
    [
      'HMAC-signed (algorithm confusion)',
      async () => issuer.sign({ sub: 'u' }, { alg: 'HS256', key: new TextEncoder().encode('x'.repeat(32)) }),
    ],
    [
      'unsigned (alg none)',
      async () => unsignedToken({ iss: issuer.issuer, aud: AUDIENCE, sub: 'u', exp: now() + 300 }, issuer.kid),
    ],
    ['without sub', async () => issuer.sign({ name: 'nobody' })],
    ['with a sub over 255 characters', async () => issuer.sign({ sub: 's'.repeat(256) })],
    ['garbage', async () => 'not-a-jwt'],
  ])('denies a token %s with 403 (the authorizer ran and said Deny)', async (_case, token) => {
    const calls = authorizerCalls();
    expect(await statusFor(await token())).toBe(403);
    expect(authorizerCalls()).toBe(calls + 1);
  });

  it('fetched the JWKS once for all of the above and keeps using it', async () => {
    expect(issuer.jwksRequests()).toBe(1);
    const clients = await Promise.all(['a', 'b', 'c'].map(async (sub) => connect(await issuer.sign({ sub }))));
    for (const client of clients) await client.roundTrip();
    expect(issuer.jwksRequests()).toBe(1);
  });
});
