import type { TypingUser } from '../realtime/state.js';

/** Names up to two people, then counts, so the line stays short on a phone. */
export function typingText(typing: readonly TypingUser[]): string {
  const names = typing.map((t) => t.user.name);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** The client expires entries after a few seconds without a typing frame, so this only renders. */
export function TypingIndicator({ typing }: { typing: readonly TypingUser[] }) {
  return (
    <div className="typing" aria-live="polite">
      {typingText(typing)}
    </div>
  );
}
