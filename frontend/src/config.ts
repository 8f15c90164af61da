/**
 * Where the WebSocket API lives when no /config.json says otherwise: the build's VITE_WS_URL, else the local
 * gateway on ws://localhost:3001 (the local ports in docs/PROTOCOL.md).
 */
export const WS_URL: string = import.meta.env.VITE_WS_URL || 'ws://localhost:3001';

/** How people can sign in: the server runs in exactly one auth mode (serverless.yml `authMode`). */
export type SignInMode = 'guest' | 'token' | 'oidc';

/** The OpenID Connect provider a jwt stage trusts: Cognito on AWS, the local issuer under `npm start -- --auth oidc`. */
export interface OidcConfig {
  /** The issuer URL; its /.well-known/openid-configuration is where the client finds the endpoints. */
  authority: string;
  clientId: string;
}

/**
 * The sign-in options to offer, from VITE_AUTH_MODE at build time: `guest` (the default, as serverless.yml's
 * default authMode), `jwt`, or `any` for a client used against both kinds of stage. Offering a token to a
 * guest-only server only leads to a sign-in that can never work.
 */
export function signInModes(authMode: string | undefined, oidc?: OidcConfig): readonly SignInMode[] {
  const tokens: readonly SignInMode[] = oidc ? ['oidc', 'token'] : ['token'];
  if (authMode === 'jwt') return tokens;
  if (authMode === 'any') return oidc ? ['oidc', 'guest', 'token'] : ['guest', 'token'];
  return ['guest'];
}

/** An `oidc` block as /config.json or the build gives it, when complete. */
export function oidcConfig(value: unknown): OidcConfig | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { authority, clientId } = value as Record<string, unknown>;
  if (typeof authority !== 'string' || !/^https?:\/\/[^\s]+$/.test(authority)) return undefined;
  if (typeof clientId !== 'string' || clientId === '') return undefined;
  return { authority, clientId };
}

/** `npm start -- --auth oidc` passes the local issuer as VITE_OIDC_AUTHORITY / VITE_OIDC_CLIENT_ID. */
const BUILD_OIDC = oidcConfig({
  authority: import.meta.env.VITE_OIDC_AUTHORITY,
  clientId: import.meta.env.VITE_OIDC_CLIENT_ID,
});

export const SIGN_IN_MODES = signInModes(import.meta.env.VITE_AUTH_MODE, BUILD_OIDC);

/** What the page needs to know about the stage it talks to. */
export interface RuntimeConfig {
  wsUrl: string;
  signInModes: readonly SignInMode[];
  /** Present when the stage signs in through OpenID Connect. */
  oidc?: OidcConfig;
}

/** The build's own settings: `npm start` and tests, where no /config.json is served. */
export const BUILD_CONFIG: RuntimeConfig = {
  wsUrl: WS_URL,
  signInModes: SIGN_IN_MODES,
  ...(BUILD_OIDC && { oidc: BUILD_OIDC }),
};

/**
 * `npm run deploy` uploads /config.json with the stage's WebSocket URL and auth mode, so one build serves every
 * stage. Without a valid one (none is served, or a dev server answers with the app's HTML) the build's settings
 * apply; a malformed file never leaves the page without a server to talk to.
 */
export async function loadRuntimeConfig(
  fetchConfig: (url: string) => Promise<Response> = (url) => fetch(url, { cache: 'no-cache' }),
): Promise<RuntimeConfig> {
  try {
    const response = await fetchConfig('/config.json');
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return BUILD_CONFIG;
    const body = (await response.json()) as { wsUrl?: unknown; authMode?: unknown; oidc?: unknown };
    if (typeof body.wsUrl !== 'string' || !/^wss?:\/\/[^\s]+$/.test(body.wsUrl)) return BUILD_CONFIG;
    const authMode = typeof body.authMode === 'string' ? body.authMode : undefined;
    const oidc = oidcConfig(body.oidc);
    return { wsUrl: body.wsUrl, signInModes: signInModes(authMode, oidc), ...(oidc && { oidc }) };
  } catch {
    return BUILD_CONFIG;
  }
}
