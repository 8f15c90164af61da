import type { User } from '@chat/backend/protocol';
import { userFromClaims } from '@chat/backend/auth';
import type { Credentials } from './socket.js';

/**
 * Who the server will take a token's bearer for, before any message proves it: the claims of the JWT read with
 * the authorizer's own rule (userFromClaims, docs/SECURITY.md), so the name and user id agree with what the server
 * assigns. Read without verifying, which is enough to show a name; a forged token never gets a connection.
 * Undefined for a guest (the server derives that identity from the name) or a token that is not a readable JWT.
 */
export function identityOf(credentials: Credentials): User | undefined {
  if (!('token' in credentials)) return undefined;
  const claims = jwtClaims(credentials.token);
  if (claims === undefined) return undefined;
  try {
    return userFromClaims(claims);
  } catch {
    return undefined; // no `sub`: the server refuses such a token
  }
}

/** The payload of a compact JWS (header.payload.signature), base64url-encoded UTF-8 JSON. */
function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined || payload === '') return undefined;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
