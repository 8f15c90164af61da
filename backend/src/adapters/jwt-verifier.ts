import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { TokenRejectedError } from '../auth/identity.js';

export interface TokenVerifier {
  /**
   * Resolves with the verified claims. Rejects with TokenRejectedError for a bad token (signature, issuer,
   * audience, expiry, algorithm, format); with anything else when the issuer's key set could not be fetched.
   */
  verify(token: string): Promise<JWTPayload>;
}

/** jose error codes that blame the token; the others (JWKS timeout, HTTP error, unusable key set) blame the issuer. */
const TOKEN_PROBLEMS = new Set<string>([
  errors.JWTExpired.code,
  errors.JWTClaimValidationFailed.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
]);

/**
 * Asymmetric algorithms only: the keys come from the issuer's public JWKS, so an HMAC or `none` token can never
 * be genuine. https://www.rfc-editor.org/rfc/rfc8725#section-3.1
 */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/**
 * Verifies JWTs from Cognito or any OIDC issuer. The remote key set is created once per Lambda container, so
 * keys are fetched on the first $connect and reused (refetched only for an unknown `kid`).
 */
export function createTokenVerifier(options: { issuer: string; audience: string; jwksUri: string }): TokenVerifier {
  if (!options.issuer || !options.jwksUri) throw new Error('JWT mode needs JWT_ISSUER and JWKS_URI');
  const keys = createRemoteJWKSet(new URL(options.jwksUri));
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          algorithms: ALGORITHMS,
          // jose accepts a token without `exp` by default; one that never expires must not open a socket.
          requiredClaims: ['exp'],
          ...(options.audience ? { audience: options.audience } : {}),
        });
        return payload;
      } catch (error) {
        if (error instanceof errors.JOSEError && TOKEN_PROBLEMS.has(error.code)) {
          throw new TokenRejectedError(error.message, { cause: error });
        }
        throw error;
      }
    },
  };
}
