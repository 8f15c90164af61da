import { createHash, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../src/realtime/socket.js';

/** Every wait in these tests ends; a hung stack fails the test instead of the run. */
export const WAIT_MS = 15_000;

/** The ID and refresh tokens of one sign-in. */
export interface Tokens {
  idToken: string;
  refreshToken: string;
}

/** Where the browser would come back to; the local issuer accepts any redirect URI. */
const REDIRECT = 'http://127.0.0.1:5173/';

/**
 * What oidc-client-ts does in the page, done with fetch: authorize with a PKCE challenge (the local issuer signs in
 * as `loginHint`), then trade the code for tokens.
 */
export async function signIn(issuer: string, clientId: string, loginHint: string): Promise<Tokens> {
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${issuer}/authorize`);
  const query = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: 'openid profile',
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: loginHint,
  };
  for (const [key, value] of Object.entries(query)) authorize.searchParams.set(key, value);
  const redirect = await fetch(authorize, { redirect: 'manual', signal: AbortSignal.timeout(WAIT_MS) });
  const code = new URL(redirect.headers.get('location') ?? REDIRECT).searchParams.get('code');
  if (code === null) throw new Error(`the issuer answered /authorize with ${redirect.status} and no code`);
  return tokens(issuer, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: clientId,
  });
}

/** The renewal oidc-client-ts makes before the ID token expires. */
export function refresh(issuer: string, clientId: string, refreshToken: string): Promise<Tokens> {
  return tokens(issuer, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
}

async function tokens(issuer: string, form: Record<string, string>): Promise<Tokens> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (typeof body.id_token !== 'string' || typeof body.refresh_token !== 'string')
    throw new Error(`the issuer's /token answered ${response.status} without tokens`);
  return { idToken: body.id_token, refreshToken: body.refresh_token };
}

/** The `ws` package's WebSocket, recording each handshake URL and every frame the client put on the wire. */
export function recordingSockets(): { WebSocket: WebSocketConstructor; urls: string[]; sent: string[]; close(): void } {
  const urls: string[] = [];
  const sent: string[] = [];
  const opened: WebSocket[] = [];
  class Recording extends WebSocket {
    constructor(url: string) {
      super(url);
      urls.push(url);
      opened.push(this);
    }
    override send(data: string): void {
      sent.push(data);
      super.send(data);
    }
  }
  return {
    WebSocket: Recording as unknown as WebSocketConstructor,
    urls,
    sent,
    close: () => opened.forEach((ws) => ws.terminate()),
  };
}

/** Resolves once `check` holds, re-checked at every change `subscribe` reports; rejects after `timeoutMs`. */
export function until(
  subscribe: (listener: () => void) => () => void,
  check: () => boolean,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}
