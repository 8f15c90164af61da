import { NAME_PATTERN, type User } from '../protocol/index.js';

/**
 * Guest identity: the display name is trusted as given (demo and local use). The user id is derived from it
 * so a reconnecting guest keeps its id and its clientMsgId retries still deduplicate.
 */
export function guestUser(name: string): User {
  return { userId: `guest:${name}`, name };
}

/** Names shown to other users: trimmed, 1..32 characters, no control or format characters. */
export function isValidName(name: string): boolean {
  return name === name.trim() && NAME_PATTERN.test(name);
}

/** Claims of a verified token reduced to what chat needs; a missing display name falls back to the subject. */
export function userFromClaims(claims: Record<string, unknown>): User {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  if (sub === '') throw new Error('token has no sub claim');
  const candidates = [claims.name, claims.preferred_username, claims['cognito:username'], claims.email, sub];
  const raw = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '') ?? sub;
  const name = [...raw.replace(/\p{C}/gu, '').trim()].slice(0, 32).join('') || 'user';
  return { userId: sub, name };
}
