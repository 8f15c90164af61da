import { createTokenVerifier, type TokenVerifier } from '../../adapters/jwt-verifier.js';
import { loadConfig, type Config } from '../../config.js';

/*
 * The authorizer's dependencies, apart from deps.ts so its bundle holds no store or gateway client (its role may use
 * neither). Built on first use and kept for the container: the JWKS cache is reused across $connects.
 */
let auth: Config['auth'] | undefined;
let verifier: TokenVerifier | undefined;

export function authConfig(): Config['auth'] {
  auth ??= loadConfig().auth;
  return auth;
}

export function tokenVerifier(): TokenVerifier {
  verifier ??= createTokenVerifier(authConfig());
  return verifier;
}
