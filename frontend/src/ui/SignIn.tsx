import { useId, useState, type ChangeEvent, type FormEvent } from 'react';
import { checkDisplayName } from '../realtime/names.js';
import type { Credentials } from '../realtime/socket.js';
import type { SignInMode } from '../config.js';

export interface SignInProps {
  onSignIn: (credentials: Credentials) => void;
  /** Leaves for the OpenID Connect provider (mode `oidc`); rejects when the provider cannot be reached. */
  onProviderSignIn?: (loginHint?: string) => Promise<void>;
  /** What the server accepts; the choice is shown only when there is one. */
  modes: readonly SignInMode[];
  /** Why the last sign-in ended, e.g. a token the server never accepted. */
  initialError?: string;
}

/** A token as pasted, or why it cannot be used. */
function checkToken(input: string): { ok: true; value: string } | { ok: false; error: string } {
  const value = input.trim();
  return value === '' ? { ok: false, error: 'Paste a token.' } : { ok: true, value };
}

/**
 * Guest name for the local stack and the demo; for stages that run the authorizer in jwt mode, the OpenID
 * Connect provider's sign-in or a pasted JWT.
 */
export function SignIn({ onSignIn, onProviderSignIn, modes, initialError }: SignInProps) {
  const [mode, setMode] = useState<SignInMode>(modes[0] ?? 'guest');
  const [values, setValues] = useState<Record<SignInMode, string>>({ guest: '', token: '', oidc: '' });
  const [error, setError] = useState<string | undefined>(initialError);
  const [redirecting, setRedirecting] = useState(false);
  const errorId = useId();
  const field = {
    value: values[mode],
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      setValues({ ...values, [mode]: e.target.value });
      setError(undefined);
    },
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? errorId : undefined,
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mode === 'oidc') return providerSignIn();
    const checked = mode === 'guest' ? checkDisplayName(values.guest) : checkToken(values.token);
    if (!checked.ok) return setError(checked.error);
    onSignIn(mode === 'guest' ? { name: checked.value } : { token: checked.value });
  };

  const providerSignIn = () => {
    if (!onProviderSignIn) return setError('This page has no sign-in provider configured.');
    setRedirecting(true);
    onProviderSignIn(values.oidc.trim() || undefined).catch((e: unknown) => {
      setRedirecting(false);
      setError(`The sign-in provider could not be reached (${e instanceof Error ? e.message : String(e)}).`);
    });
  };

  return (
    <main className="signin">
      <form className="card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title">Join the chat</h1>
        {modes.length > 1 && (
          <ModeChoice
            modes={modes}
            mode={mode}
            onChange={(m) => {
              setMode(m);
              setError(undefined);
            }}
          />
        )}
        {mode === 'guest' ? (
          <label className="field">
            Display name
            <input {...field} autoComplete="nickname" autoFocus />
          </label>
        ) : mode === 'oidc' ? (
          <label className="field">
            Account (optional)
            <input {...field} autoComplete="username" autoFocus />
          </label>
        ) : (
          <label className="field">
            Access token
            <textarea {...field} rows={3} spellCheck={false} />
          </label>
        )}
        {error && (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={redirecting}>
          {mode === 'oidc' ? 'Sign in' : 'Enter chat'}
        </button>
      </form>
    </main>
  );
}

const MODE_LABELS: Record<SignInMode, string> = { guest: 'Guest', token: 'Token (JWT)', oidc: 'Account' };

interface ModeChoiceProps {
  modes: readonly SignInMode[];
  mode: SignInMode;
  onChange: (mode: SignInMode) => void;
}

function ModeChoice({ modes, mode, onChange }: ModeChoiceProps) {
  return (
    <fieldset className="mode">
      <legend>Sign in as</legend>
      {modes.map((m) => (
        <label key={m}>
          <input type="radio" name="mode" checked={mode === m} onChange={() => onChange(m)} />
          {MODE_LABELS[m]}
        </label>
      ))}
    </fieldset>
  );
}
