import type { User } from '@chat/backend/protocol';

export interface MemberListProps {
  members: readonly User[];
  isMine: (user: User) => boolean;
}

/** Collapsible so it costs one line on a phone; presence frames keep it current. */
export function MemberList({ members, isMine }: MemberListProps) {
  return (
    <details className="members">
      <summary>
        {members.length} {members.length === 1 ? 'member' : 'members'} online
      </summary>
      <ul aria-label="Members">
        {members.map((m) => (
          <li key={m.userId}>
            <span className="presence-dot" aria-hidden="true" />
            {m.name}
            {isMine(m) && <span className="muted"> (you)</span>}
          </li>
        ))}
      </ul>
    </details>
  );
}
