import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../support/chat-client.js';
import { useLocalStack } from '../support/local-stack.js';
import { refusedStatus, startLocalMain, withTimeout, type LocalMain } from '../local/helpers.js';

/** `npm start -- --auth oidc`: the browser's sign-in (authorization code + PKCE, refresh) against the local issuer. */
const REDIRECT = 'http://127.0.0.1:5173/callback';

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** What a browser client (oidc-client-ts) does: authorize with a PKCE challenge, then trade the code for tokens. */
async function signIn(issuer: string, clientId: string, loginHint: string, verifier = base64url(randomBytes(32))) {
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const authorize = new URL(`${issuer}/authorize`);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: 'openid profile',
    state: 'st-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    login_hint: loginHint,
  }))
    authorize.searchParams.set(key, value);
  const redirect = await fetch(authorize, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const back = new URL(redirect.headers.get('location')!);
  expect(back.origin + back.pathname).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe('st-1');
  return { code: back.searchParams.get('code')!, verifier };
}

async function token(issuer: string, form: Record<string, string>) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('the local OpenID Connect issuer', () => {
  const file = useLocalStack({ localIssuer: { port: 0 } });

  it('signs in with code + PKCE as the login_hint name, and the token opens a chat connection', async () => {
    const { oidc, wsUrl } = file.stack;
    expect(oidc).toBeDefined();
    const { code, verifier } = await signIn(oidc!.issuer, oidc!.clientId, 'Ana');
    const tokens = await token(oidc!.issuer, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: oidc!.clientId,
    });
    expect(tokens.status).toBe(200);
    const client = await ChatClient.open(wsUrl, `token=${tokens.body.id_token}`);
    expect((await client.join('oidc-room')).members).toEqual([{ userId: 'local:Ana', name: 'Ana' }]);
    await client.close();

    // Renewal: the refresh token gives a new token for the same user.
    const renewed = await token(oidc!.issuer, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token!,
      client_id: oidc!.clientId,
    });
    expect(renewed.status).toBe(200);
    const again = await ChatClient.open(wsUrl, `token=${renewed.body.id_token}`);
    expect((await again.join('oidc-room')).members).toEqual([{ userId: 'local:Ana', name: 'Ana' }]);
    await again.close();
  });

  it('refuses a code redeemed with the wrong PKCE verifier, and a guest name without a token', async () => {
    const { oidc, wsUrl } = file.stack;
    const { code } = await signIn(oidc!.issuer, oidc!.clientId, 'Bo');
    const refused = await token(oidc!.issuer, {
      grant_type: 'authorization_code',
      code,
      code_verifier: base64url(randomBytes(32)),
      redirect_uri: REDIRECT,
      client_id: oidc!.clientId,
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.id_token).toBeUndefined();
    expect(await refusedStatus(`${wsUrl}/?name=alice`)).toBe(401);
  });
});

describe('npm start -- --auth oidc', () => {
  let main: LocalMain | undefined;
  afterAll(() => {
    if (main && main.child.exitCode === null) main.child.kill('SIGKILL');
  });

  it('starts the issuer, says it signs in anyone, and stops cleanly', async () => {
    main = await startLocalMain(
      { LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', LOCAL_OIDC_PORT: '0', LOCAL_PARAM_logLevel: 'SILENT' },
      20_000,
      ['--auth', 'oidc'],
    );
    const output = main.output();
    expect(output).toMatch(/WebSocket API:\s+ws:\/\/127\.0\.0\.1:\d+\/\?token=<JWT>/);
    const issuer = /OIDC issuer:\s+(http:\/\/127\.0\.0\.1:\d+) \(client id chat-web-local/.exec(output)?.[1];
    expect(issuer, output).toBeDefined();
    expect(output).toContain('signs in ANYONE');
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe(issuer);
    main.child.kill('SIGINT');
    expect(await withTimeout(main.exited, 'exit after SIGINT', 10_000)).toBe(0);
  });
});
