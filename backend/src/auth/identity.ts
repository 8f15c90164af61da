import { NAME_PATTERN, type User } from '../protocol/index.js';

const MAX_SUB_LENGTH = 255;

/**
 * The token itself is unacceptable (signature, issuer, audience, expiry, claims): the caller is denied (403).
 * Any other failure while verifying means the issuer's keys could not be had, which is not the caller's fault.
 */
export class TokenRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenRejectedError';
  }
}

/** Display names are cut to this many code points, the upper bound of NAME_PATTERN. */
const MAX_NAME_LENGTH = 32;

/**
 * Guest identity: the display name is trusted as given (demo and local use). The user id is derived from it
 * so a reconnecting guest keeps its id and its clientMsgId retries still deduplicate.
 */
export function guestUser(name: string): User {
  return { userId: `guest:${name}`, name };
}

/**
 * The guest name as the authorizer passes it on. Only $connect can answer 400 for a bad name, so the authorizer
 * lets it through, but cut to one code point over the limit: still exactly as (in)valid, and a huge `?name=`
 * cannot push the authorizer result over API Gateway's 8 KB limit (which would be a 500).
 */
export function guestNameForContext(name: string): string {
  return [...name].slice(0, MAX_NAME_LENGTH + 1).join('');
}

/** Names shown to other users: trimmed, 1..32 characters, no control or format characters. */
export function isValidName(name: string): boolean {
  return name === name.trim() && NAME_PATTERN.test(name);
}

/**
 * A claim made presentable: control and format characters removed, cut to 32 code points, and trimmed after
 * the cut as well, because a cut can end on a space and $connect refuses a name with outer spaces (400).
 */
function displayName(raw: string): string {
  return [...raw.replace(/\p{C}/gu, '').trim()].slice(0, MAX_NAME_LENGTH).join('').trim();
}

/**
 * Claims of a verified token reduced to what chat needs. The first claim that is still non-empty once made
 * presentable wins, so a `name` of control characters falls through to `preferred_username` and so on.
 */
export function userFromClaims(claims: Record<string, unknown>): User {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  if (sub === '') throw new TokenRejectedError('token has no sub claim');
  // https://openid.net/specs/openid-connect-core-1_0.html#IDToken: sub "MUST NOT exceed 255 ASCII characters".
  // Enforcing it keeps the authorizer result under API Gateway's 8 KB (a larger one is a 500, not a 403).
  if (sub.length > MAX_SUB_LENGTH)
    throw new TokenRejectedError(`token sub claim is longer than ${MAX_SUB_LENGTH} characters`);
  const candidates = [claims.name, claims.preferred_username, claims['cognito:username'], claims.email, sub];
  for (const candidate of candidates) {
    const name = typeof candidate === 'string' ? displayName(candidate) : '';
    if (name !== '') return { userId: sub, name };
  }
  return { userId: sub, name: 'user' };
}
