import type { IncomingMessage } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';
import { isValidName } from '../auth/identity.js';

/**
 * `npm start -- --auth oidc`: an OpenID Connect issuer on loopback (oauth2-mock-server) so the token sign-in
 * (authorization code + PKCE, refresh) can be tried without AWS or Cognito. It signs in ANYONE, as the name the
 * client passes in `login_hint`: a stand-in for a real identity provider, never one.
 * https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (login_hint)
 */
export interface LocalIssuerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface LocalIssuer {
  /** The `iss` of its tokens, e.g. http://127.0.0.1:3002 */
  issuer: string;
  jwksUri: string;
  /** The audience the stack's authorizer checks: the web client's client id. */
  clientId: string;
  close(): Promise<void>;
}

/** The web client's OAuth client id on the local issuer (and the tokens' `aud`). */
export const LOCAL_CLIENT_ID = 'chat-web-local';

/** Codes and refresh tokens remember whom they were issued to; bounded so a long session cannot grow them forever. */
const REMEMBERED = 10_000;

/** The user a sign-in names: a valid guest name from `login_hint`, else a fixed one. */
function userFromHint(hint: unknown): string {
  const name = typeof hint === 'string' ? hint.trim() : '';
  return isValidName(name) ? name : 'local-user';
}

function remember(map: Map<string, string>, key: string, name: string): void {
  map.set(key, name);
  if (map.size > REMEMBERED) map.delete(map.keys().next().value!);
}

export async function startLocalIssuer(options: LocalIssuerOptions): Promise<LocalIssuer> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  const byCode = new Map<string, string>();
  const byRefresh = new Map<string, string>();
  const { service } = server;
  /** Whom a token request's code or refresh token was issued to. */
  const signedIn = ({ code, refresh_token: refresh }: Record<string, unknown>): string | undefined =>
    (typeof code === 'string' ? byCode.get(code) : undefined) ??
    (typeof refresh === 'string' ? byRefresh.get(refresh) : undefined);

  service.on('beforeAuthorizeRedirect', (redirect: { url: URL }, req: IncomingMessage & { query?: unknown }) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const code = redirect.url.searchParams.get('code');
    if (code !== null) remember(byCode, code, userFromHint(query.login_hint));
  });
  service.on(
    'beforeTokenSigning',
    (token: { payload: Record<string, unknown> }, req: { body: Record<string, unknown> }) => {
      const name = signedIn(req.body);
      if (name === undefined) return;
      Object.assign(token.payload, { sub: `local:${name}`, name, preferred_username: name, aud: LOCAL_CLIENT_ID });
    },
  );
  service.on('beforeResponse', (response: { body: unknown }, req: { body: Record<string, unknown> }) => {
    const name = signedIn(req.body);
    const { code } = req.body;
    const body = response.body as Record<string, unknown>;
    if (name !== undefined && typeof body.refresh_token === 'string') remember(byRefresh, body.refresh_token, name);
    // A code is good for one token request (RFC 6749 section 4.1.2).
    if (typeof code === 'string') byCode.delete(code);
  });

  await server.start(options.port, options.host);
  // The library names loopback "localhost"; the issuer must be the address it listens on, which a browser and
  // the authorizer reach the same way.
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const issuer = `http://${host}:${server.address().port}`;
  server.issuer.url = issuer;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    clientId: LOCAL_CLIENT_ID,
    close: () => server.stop(),
  };
}
