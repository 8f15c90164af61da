import { useId, useState, type FormEvent } from 'react';
import { checkDisplayName } from '../realtime/names.js';
import type { Credentials } from '../realtime/socket.js';
import type { SignInMode } from '../config.js';

export interface SignInProps {
  onSignIn: (credentials: Credentials) => void;
  /** What the server accepts; the choice is shown only when there is one. */
  modes: readonly SignInMode[];
  /** Why the last sign-in ended, e.g. a token the server never accepted. */
  initialError?: string;
}

/** Guest name for the local stack and the demo; a JWT for stages that run the authorizer in jwt mode. */
export function SignIn({ onSignIn, modes, initialError }: SignInProps) {
  const [mode, setMode] = useState<SignInMode>(modes[0] ?? 'guest');
  const [name, setName] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(initialError);
  const errorId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mode === 'guest') {
      const checked = checkDisplayName(name);
      if (!checked.ok) {
        setError(checked.error);
        return;
      }
      onSignIn({ name: checked.value });
    } else {
      const trimmed = token.trim();
      if (trimmed === '') {
        setError('Paste a token.');
        return;
      }
      onSignIn({ token: trimmed });
    }
  };

  return (
    <main className="signin">
      <form className="card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title">Join the chat</h1>
        {modes.length > 1 && (
          <fieldset className="mode">
            <legend>Sign in as</legend>
            <label>
              <input
                type="radio"
                name="mode"
                checked={mode === 'guest'}
                onChange={() => {
                  setMode('guest');
                  setError(undefined);
                }}
              />
              Guest
            </label>
            <label>
              <input
                type="radio"
                name="mode"
                checked={mode === 'token'}
                onChange={() => {
                  setMode('token');
                  setError(undefined);
                }}
              />
              Token (JWT)
            </label>
          </fieldset>
        )}
        {mode === 'guest' ? (
          <label className="field">
            Display name
            <input
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                setError(undefined);
              }}
              autoComplete="nickname"
              autoFocus
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errorId : undefined}
            />
          </label>
        ) : (
          <label className="field">
            Access token
            <textarea
              value={token}
              onChange={(e) => {
                setToken(e.target.value);
                setError(undefined);
              }}
              rows={3}
              spellCheck={false}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errorId : undefined}
            />
          </label>
        )}
        {error && (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Enter chat
        </button>
      </form>
    </main>
  );
}
