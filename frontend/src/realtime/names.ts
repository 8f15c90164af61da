import { NAME_PATTERN, ROOM_PATTERN } from '@chat/backend/protocol';

/** A name the user typed, checked before anything is sent: either usable as is, or a reason in plain words. */
export type NameCheck = { ok: true; value: string } | { ok: false; error: string };

const MAX_ROOM_LENGTH = 64;
const MAX_DISPLAY_NAME_LENGTH = 32;

/** Code points, as the protocol counts them: an emoji is one character to a person, not two. */
const lengthOf = (s: string): number => [...s].length;

/**
 * A room name as people type it: a leading "#" (how rooms are shown) is dropped, and a name the protocol
 * would refuse comes back with the reason and, where one exists, a name that would work.
 */
export function checkRoomName(input: string): NameCheck {
  const value = input.trim().replace(/^#+/, '');
  if (value === '') return { ok: false, error: 'Enter a room name.' };
  const length = lengthOf(value);
  if (length > MAX_ROOM_LENGTH)
    return { ok: false, error: `Room names are at most ${MAX_ROOM_LENGTH} characters; this one has ${length}.` };
  if (ROOM_PATTERN.test(value)) return { ok: true, value };
  const suggestion = roomSuggestion(value);
  const rule = 'Room names use only letters A–Z, digits, "-" and "_" (no spaces or accents).';
  return { ok: false, error: suggestion ? `${rule} Try "${suggestion}".` : rule };
}

/** "my room" -> "my-room", "café" -> "cafe"; undefined when nothing usable is left. */
export function roomSuggestion(value: string): string | undefined {
  const slug = value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\s+/g, '-')
    .replace(/[^A-Za-z0-9_-]/g, '')
    .slice(0, MAX_ROOM_LENGTH);
  return slug !== '' && ROOM_PATTERN.test(slug) ? slug : undefined;
}

/** A guest display name, trimmed; the same rule $connect applies, worded for the person typing it. */
export function checkDisplayName(input: string): NameCheck {
  const value = input.trim();
  if (value === '') return { ok: false, error: 'Enter a display name.' };
  const length = lengthOf(value);
  if (length > MAX_DISPLAY_NAME_LENGTH)
    return {
      ok: false,
      error: `Display names are at most ${MAX_DISPLAY_NAME_LENGTH} characters; this one has ${length}.`,
    };
  if (!NAME_PATTERN.test(value))
    return { ok: false, error: 'Remove the invisible characters (line breaks, tabs or other control characters).' };
  return { ok: true, value };
}
