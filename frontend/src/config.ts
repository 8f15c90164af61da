/**
 * Where the WebSocket API lives. A deployed stage bakes its wss:// URL in at build time through
 * VITE_WS_URL; locally the gateway listens on ws://localhost:3001 (see the contract's local ports).
 */
export const WS_URL: string = import.meta.env.VITE_WS_URL || 'ws://localhost:3001';

/** How people can sign in: the server runs in exactly one auth mode (serverless.yml `authMode`). */
export type SignInMode = 'guest' | 'token';

/**
 * The sign-in options to offer, from VITE_AUTH_MODE at build time: `guest` (the default, as serverless.yml's
 * default authMode), `jwt`, or `any` for a client used against both kinds of stage. Offering a token to a
 * guest-only server only leads to a sign-in that can never work.
 */
export function signInModes(authMode: string | undefined): readonly SignInMode[] {
  if (authMode === 'jwt') return ['token'];
  if (authMode === 'any') return ['guest', 'token'];
  return ['guest'];
}

export const SIGN_IN_MODES = signInModes(import.meta.env.VITE_AUTH_MODE);
