import type { User } from '@chat/backend/protocol';

/**
 * Whether a sender is the signed-in user. The server assigns identities: a token's user is known from its claims,
 * a guest's userId only once an own message has come back, so until then a guest is recognised by their name.
 */
export function isOwnUser(sender: User, self: User | undefined, guestName: string | undefined): boolean {
  return self ? sender.userId === self.userId : guestName !== undefined && sender.name === guestName;
}
