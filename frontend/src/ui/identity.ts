import type { User } from '@chat/backend/protocol';

/**
 * Whether a sender is the signed-in user. The server assigns identities, so the userId is only known once an
 * own message has come back; until then a guest is recognised by the name they chose.
 */
export function isOwnUser(sender: User, self: User | undefined, guestName: string | undefined): boolean {
  return self ? sender.userId === self.userId : guestName !== undefined && sender.name === guestName;
}
