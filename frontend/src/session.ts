import type { Credentials } from './realtime/socket.js';

const CREDENTIALS_KEY = 'chat.credentials';
const ROOMS_KEY = 'chat.rooms';
const CURRENT_ROOM_KEY = 'chat.currentRoom';

/** Per-tab storage, so a reload keeps the user signed in and in their rooms, while two tabs can be two users. */
function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined; // storage disabled by the browser
  }
}

function read(key: string): unknown {
  try {
    const raw = storage()?.getItem(key);
    return raw ? (JSON.parse(raw) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === undefined) storage()?.removeItem(key);
    else storage()?.setItem(key, JSON.stringify(value));
  } catch {
    // Quota or privacy mode: the session just will not survive a reload.
  }
}

export function loadCredentials(): Credentials | undefined {
  const value = read(CREDENTIALS_KEY);
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.name === 'string') return { name: v.name };
  if (typeof v.token === 'string') return { token: v.token };
  return undefined;
}

export function saveCredentials(credentials: Credentials | undefined): void {
  write(CREDENTIALS_KEY, credentials);
}

export function loadRooms(fallback: readonly string[]): readonly string[] {
  const value = read(ROOMS_KEY);
  return Array.isArray(value) && value.every((r) => typeof r === 'string') ? value : fallback;
}

export function saveRooms(rooms: readonly string[]): void {
  write(ROOMS_KEY, rooms);
}

/** The room on screen, so a reload opens it again rather than the first room. */
export function loadCurrentRoom(): string | undefined {
  const value = read(CURRENT_ROOM_KEY);
  return typeof value === 'string' ? value : undefined;
}

export function saveCurrentRoom(room: string | undefined): void {
  write(CURRENT_ROOM_KEY, room);
}
