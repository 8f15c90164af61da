import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface TokenVerifier {
  /** Resolves with the verified claims; rejects for a bad signature, wrong issuer/audience or expiry. */
  verify(token: string): Promise<JWTPayload>;
}

/**
 * Verifies JWTs from Cognito or any OIDC issuer. The remote key set is created once per Lambda container, so
 * keys are fetched on the first $connect and reused (refetched only for an unknown `kid`).
 */
export function createTokenVerifier(options: { issuer: string; audience: string; jwksUri: string }): TokenVerifier {
  if (!options.issuer || !options.jwksUri) throw new Error('JWT mode needs JWT_ISSUER and JWKS_URI');
  const keys = createRemoteJWKSet(new URL(options.jwksUri));
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        ...(options.audience ? { audience: options.audience } : {}),
      });
      return payload;
    },
  };
}
