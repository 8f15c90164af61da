import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { silentLogger } from '../local/helpers.js';

/**
 * A minimal OIDC issuer for tests: one RS256 key pair, its public JWKS served over real HTTP on a free
 * loopback port, and a counter of JWKS requests so tests can prove the verifier caches the key set.
 */
export interface TestIssuer {
  /** http://127.0.0.1:<port>, the `iss` of every token it signs by default. */
  issuer: string;
  jwksUri: string;
  kid: string;
  /** JWKS documents served so far. */
  jwksRequests(): number;
  /** While unavailable the JWKS endpoint answers 503, as an issuer in an outage would. */
  setAvailable(available: boolean): void;
  /** Signs `claims` with the issuer's key (or `key`), defaulting iss/aud/iat/exp to a valid token. */
  sign(claims: JWTPayload, options?: { key?: CryptoKey | Uint8Array; alg?: string; kid?: string }): Promise<string>;
  close(): Promise<void>;
}

export const AUDIENCE = 'chat-tests';

export async function startTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = 'test-key-1';
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  let requests = 0;
  let available = true;
  const server: Server = createServer((req, res) => {
    if (!available) {
      res.writeHead(503).end();
      return;
    }
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      requests++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(jwks);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    kid,
    jwksRequests: () => requests,
    setAvailable: (value) => {
      available = value;
    },
    async sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: AUDIENCE, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? kid, typ: 'JWT' })
        .sign(options.key ?? privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An unsigned token (`alg: none`), which no verifier may accept. */
export function unsignedToken(claims: JWTPayload, kid: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT', kid })}.${part(claims)}.`;
}

/**
 * The real local stack with the params a JWT stage would use (what `osls --param` would set), verifying
 * tokens from `issuer`. One per test file: handlers read their configuration once per process.
 */
export function startJwtStack(issuer: TestIssuer, logLevel: 'ERROR' | 'SILENT'): Promise<LocalStack> {
  return startLocalStack({
    port: 0,
    dynamoPort: 0,
    logger: silentLogger,
    params: {
      authMode: 'jwt',
      identitySource: 'route.request.querystring.token',
      jwtIssuer: issuer.issuer,
      jwtAudience: AUDIENCE,
      jwksUri: issuer.jwksUri,
      logLevel,
    },
  });
}
