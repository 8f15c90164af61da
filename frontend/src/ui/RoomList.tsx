import { useId, useState, type FormEvent } from 'react';
import type { RoomState } from '../realtime/state.js';

export interface RoomListProps {
  rooms: readonly string[];
  roomStates: ReadonlyMap<string, RoomState>;
  unread: ReadonlyMap<string, number>;
  current: string | undefined;
  onSelect: (room: string) => void;
  onJoin: (room: string) => { ok: true } | { ok: false; error: string };
  onLeave: (room: string) => void;
}

/** Joined rooms plus a join form; a horizontal strip on phones, a sidebar on wider screens. */
export function RoomList({ rooms, roomStates, unread, current, onSelect, onJoin, onLeave }: RoomListProps) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const errorId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = onJoin(name.trim());
    if (result.ok) {
      setName('');
      setError(undefined);
    } else {
      setError(result.error);
    }
  };

  return (
    <nav className="rooms" aria-label="Rooms">
      <form className="join" onSubmit={submit}>
        <label htmlFor="join-room">Join a room</label>
        <div className="row">
          <input
            id="join-room"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setError(undefined);
            }}
            placeholder="e.g. lobby"
            autoComplete="off"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
          />
          <button type="submit">Join</button>
        </div>
        {error && (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
      <ul className="room-list">
        {rooms.map((room) => {
          const state = roomStates.get(room);
          const unreadCount = unread.get(room) ?? 0;
          return (
            <li key={room} className={room === current ? 'active' : undefined}>
              <button
                type="button"
                className="room-button"
                aria-current={room === current ? 'page' : undefined}
                onClick={() => onSelect(room)}
              >
                <span aria-hidden="true">#</span>
                {room}
                {state && !state.joined && <span className="muted"> (joining…)</span>}
                {unreadCount > 0 && (
                  <>
                    <span className="badge" aria-hidden="true">
                      {unreadCount}
                    </span>
                    <span className="visually-hidden">, {unreadCount} unread</span>
                  </>
                )}
              </button>
              <button type="button" className="icon" aria-label={`Leave ${room}`} onClick={() => onLeave(room)}>
                ×
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
