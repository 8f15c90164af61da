import { beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import {
  InMemoryWebStorage,
  SigninState,
  State,
  WebStorageStateStore,
  type User,
  type UserManager,
} from 'oidc-client-ts';
import { App } from '../src/App.js';
import {
  createOidcSession,
  createUserManager,
  idTokenOf,
  isSigninCallback,
  type OidcSession,
} from '../src/oidc-session.js';
import { loadCredentials, saveCredentials } from '../src/session.js';
import { setup } from './app-harness.js';
import { alice } from './fake-websocket.js';
import { jwt } from './jwt.js';

/** The provider as the app sees it, played by the test: sign-ins recorded, renewals and failures on demand. */
class FakeOidcSession implements OidcSession {
  readonly hints: (string | undefined)[] = [];
  signOuts = 0;
  /** Set to make the next sign-ins fail; otherwise they never settle, as a real one leaves the page. */
  signInError: Error | undefined;
  private readonly renewed = new Set<(token: string) => void>();
  private readonly failed = new Set<(reason: string) => void>();

  signIn(loginHint?: string) {
    this.hints.push(loginHint);
    return this.signInError ? Promise.reject(this.signInError) : new Promise<void>(() => undefined);
  }
  restore() {
    return Promise.resolve(undefined);
  }
  onRenewed(listener: (token: string) => void) {
    this.renewed.add(listener);
    return () => this.renewed.delete(listener);
  }
  onRenewFailed(listener: (reason: string) => void) {
    this.failed.add(listener);
    return () => this.failed.delete(listener);
  }
  signOut() {
    this.signOuts++;
    return Promise.resolve();
  }
  renew(token: string) {
    act(() => this.renewed.forEach((l) => l(token)));
  }
  failRenewal(reason: string) {
    act(() => this.failed.forEach((l) => l(reason)));
  }
}

beforeEach(() => {
  sessionStorage.clear();
  history.replaceState(null, '', '/');
});

describe('sign-in through an OpenID Connect provider', () => {
  it('leaves for the provider with the account typed as login_hint, none when left empty', async () => {
    const t = setup();
    const oidc = new FakeOidcSession();
    const { unmount } = render(<App createClient={t.createClient} signInModes={['oidc', 'token']} oidc={oidc} />);
    await t.user.type(screen.getByLabelText('Account (optional)'), ' Ana ');
    await t.user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(oidc.hints).toEqual(['Ana']);
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
    expect(t.sockets.all).toHaveLength(0);
    unmount();

    render(<App createClient={t.createClient} signInModes={['oidc']} oidc={oidc} />);
    await t.user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(oidc.hints).toEqual(['Ana', undefined]);
  });

  it('says why when the provider cannot be reached, and lets the user try again', async () => {
    const t = setup();
    const oidc = new FakeOidcSession();
    oidc.signInError = new Error('Failed to fetch');
    render(<App createClient={t.createClient} signInModes={['oidc']} oidc={oidc} />);
    await t.user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The sign-in provider could not be reached (Failed to fetch).',
    );
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('reconnects with each renewed ID token and keeps the rooms the user joined', async () => {
    const t = setup();
    const oidc = new FakeOidcSession();
    saveCredentials({ token: 'id-1' }); // what main.tsx does with the token of the redirect back
    render(<App createClient={t.createClient} signInModes={['oidc']} oidc={oidc} />);
    await t.socketCount(1);
    expect(t.sockets.last().url).toBe('ws://localhost:3001/?token=id-1');
    await t.server((s) => s.open());
    await t.server((s) => s.receive({ type: 'joined', room: 'lobby', members: [alice], history: [] }));
    await t.user.type(screen.getByLabelText('Join a room'), 'design{Enter}');
    await t.server((s) => s.receive({ type: 'joined', room: 'design', members: [alice], history: [] }));

    oidc.renew('id-2');
    await t.socketCount(2);
    expect(t.sockets.all[0]!.closedByClient).toBeDefined();
    expect(t.sockets.last().url).toBe('ws://localhost:3001/?token=id-2');
    expect(loadCredentials()).toEqual({ token: 'id-2' });
    await t.server((s) => s.open());
    expect(
      t.sockets
        .last()
        .framesOf('join')
        .map((f) => f.room),
    ).toEqual(['lobby', 'design']);

    oidc.renew('id-2'); // the same user loaded again is not a new connection
    expect(t.sockets.all).toHaveLength(2);
  });

  it('keeps the messages not sent yet across a renewal and sends them once, with their ids, on the new socket', async () => {
    const t = setup();
    const oidc = new FakeOidcSession();
    saveCredentials({ token: 'id-1' });
    render(<App createClient={t.createClient} signInModes={['oidc']} oidc={oidc} />);
    await t.socketCount(1);
    await t.server((s) => s.open());
    await t.server((s) => s.receive({ type: 'joined', room: 'lobby', members: [alice], history: [] }));
    const composer = screen.getByLabelText('Message #lobby');
    await t.user.type(composer, 'on the wire{Enter}');
    await t.user.type(composer, 'queued{Enter}');
    expect(
      t.sockets
        .last()
        .framesOf('send')
        .map((f) => f.clientMsgId),
    ).toEqual(['cid-1']);

    oidc.renew('id-2');
    await t.socketCount(2);
    await t.server((s) => s.open());
    await t.server((s) => s.receive({ type: 'joined', room: 'lobby', members: [alice], history: [] }));
    // The send that was on the wire goes again first, with its id (the server stores it once), then the queue.
    expect(t.sockets.last().framesOf('send')).toEqual([
      { action: 'send', room: 'lobby', text: 'on the wire', clientMsgId: 'cid-1' },
    ]);
    await t.server((s) => s.receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000001', ts: 1 }));
    expect(
      t.sockets
        .last()
        .framesOf('send')
        .map((f) => [f.clientMsgId, f.text]),
    ).toEqual([
      ['cid-1', 'on the wire'],
      ['cid-2', 'queued'],
    ]);
    expect(screen.getAllByText('on the wire')).toHaveLength(1);
    expect(screen.getAllByText('queued')).toHaveLength(1);
  });

  it("shows the signed-in user's name from the ID token before any message", async () => {
    const t = setup();
    saveCredentials({ token: jwt({ sub: 'local:Ana', name: 'Ana' }) });
    render(<App createClient={t.createClient} signInModes={['oidc']} oidc={new FakeOidcSession()} />);
    expect(screen.getByText('Signed in as', { exact: false })).toHaveTextContent('Signed in as Ana');
    await t.socketCount(1);
    await t.server((s) => s.open());
    await t.server((s) => s.receive({ type: 'joined', room: 'lobby', members: [alice], history: [] }));
    expect(screen.getByText('Signed in as', { exact: false })).toHaveTextContent('Signed in as Ana');
  });

  it('returns to the sign-in form when the renewed token never gets a connection', async () => {
    const t = setup();
    const oidc = new FakeOidcSession();
    saveCredentials({ token: 'id-1' });
    render(<App createClient={t.createClient} signInModes={['oidc']} oidc={oidc} />);
    await t.socketCount(1);
    await t.server((s) => s.open());
    oidc.renew('id-2');
    await t.socketCount(2);
    await t.server((s) => s.drop());
    for (const delay of [250, 500]) {
      await act(() => t.clock.advance(delay));
      await t.server((s) => s.drop());
    }
    expect(screen.getByRole('alert')).toHaveTextContent('did not accept this token');
    expect(loadCredentials()).toBeUndefined();
  });

  it('returns to the sign-in form with the reason when a renewal fails', async () => {
    const t = setup();
    const oidc = new FakeOidcSession();
    saveCredentials({ token: 'id-1' });
    render(<App createClient={t.createClient} signInModes={['oidc']} oidc={oidc} />);
    await t.socketCount(1);
    oidc.failRenewal('invalid_grant');
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Your sign-in could not be renewed (invalid_grant). Sign in again.',
    );
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(oidc.signOuts).toBe(1);
    expect(loadCredentials()).toBeUndefined();
    await waitFor(() => expect(t.sockets.last().closedByClient).toBeDefined());
  });

  it('signing out forgets the user in the provider session too', async () => {
    const t = setup();
    const oidc = new FakeOidcSession();
    saveCredentials({ token: 'id-1' });
    render(<App createClient={t.createClient} signInModes={['oidc']} oidc={oidc} />);
    await t.socketCount(1);
    await t.user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(oidc.signOuts).toBe(1);
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(loadCredentials()).toBeUndefined();
  });

  it('shows why the redirect back could not be completed', () => {
    const t = setup();
    render(
      <App
        createClient={t.createClient}
        signInModes={['oidc']}
        oidc={new FakeOidcSession()}
        initialError="Sign-in did not complete: No matching state found in storage"
      />,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('No matching state found in storage');
  });
});

/** The slice of UserManager the session uses, with the provider's answers chosen by the test. */
function fakeManager(answers: { callback?: Partial<User>; stored?: Partial<User> | null; renewed?: Partial<User> }) {
  const manager = {
    signinRedirect: vi.fn(() => Promise.resolve()),
    signinRedirectCallback: vi.fn(() => Promise.resolve(answers.callback as User)),
    getUser: vi.fn(() => Promise.resolve((answers.stored ?? null) as User | null)),
    signinSilent: vi.fn(() => Promise.resolve((answers.renewed ?? null) as User | null)),
    removeUser: vi.fn(() => Promise.resolve()),
    clearStaleState: vi.fn(() => Promise.resolve()),
    settings: { stateStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }) },
    events: { addUserLoaded: vi.fn(), addSilentRenewError: vi.fn() },
  };
  return manager;
}

describe('the session over oidc-client-ts', () => {
  it('recognises the redirect back by its state and code (or error)', () => {
    expect(isSigninCallback(new URL('http://app/?code=c&state=s'))).toBe(true);
    expect(isSigninCallback(new URL('http://app/?error=access_denied&state=s'))).toBe(true);
    expect(isSigninCallback(new URL('http://app/?code=c'))).toBe(false);
    expect(isSigninCallback(new URL('http://app/'))).toBe(false);
  });

  it('completes the redirect back, then removes the one-time code from the address', async () => {
    history.replaceState(null, '', '/?code=c1&state=s1');
    const manager = fakeManager({ callback: { id_token: 'id-1', expired: false } });
    const session = createOidcSession(manager as unknown as UserManager);
    expect(await session.restore()).toBe('id-1');
    expect(manager.signinRedirectCallback).toHaveBeenCalledWith(`${location.origin}/?code=c1&state=s1`);
    expect(manager.getUser).not.toHaveBeenCalled();
    expect(location.search).toBe('');
  });

  it('removes the code even when the exchange fails, so a reload does not replay it', async () => {
    history.replaceState(null, '', '/?code=used&state=s1');
    const manager = fakeManager({});
    manager.signinRedirectCallback.mockRejectedValue(new Error('No matching state found in storage'));
    await expect(createOidcSession(manager as unknown as UserManager).restore()).rejects.toThrow('No matching state');
    expect(location.search).toBe('');
  });

  it("otherwise uses the tab's stored sign-in while its token is still valid", async () => {
    const live = createOidcSession(fakeManager({ stored: { id_token: 'id-2', expired: false } }) as never);
    expect(await live.restore()).toBe('id-2');
    expect(await createOidcSession(fakeManager({ stored: null }) as never).restore()).toBeUndefined();
    expect(idTokenOf({ id_token: 'old', expired: true } as User)).toBeUndefined();
    expect(idTokenOf({ expired: false } as User)).toBeUndefined();
  });

  it('renews a stored sign-in that expired while the tab slept, and forgets it when that fails', async () => {
    const expired = { id_token: 'old', expired: true, refresh_token: 'r1' };
    const manager = fakeManager({ stored: expired, renewed: { id_token: 'id-3', expired: false } });
    expect(await createOidcSession(manager as unknown as UserManager).restore()).toBe('id-3');

    const refused = fakeManager({ stored: expired });
    refused.signinSilent.mockRejectedValue(new Error('invalid_grant'));
    await expect(createOidcSession(refused as unknown as UserManager).restore()).rejects.toThrow(
      'Your sign-in has expired. Sign in again.',
    );
    expect(refused.removeUser).toHaveBeenCalledOnce();
    // Without a refresh token there is nothing to renew with.
    const bare = fakeManager({ stored: { id_token: 'old', expired: true } });
    expect(await createOidcSession(bare as unknown as UserManager).restore()).toBeUndefined();
    expect(bare.signinSilent).not.toHaveBeenCalled();
  });

  it('passes the account as login_hint and signs out by removing the user', async () => {
    const manager = fakeManager({});
    const session = createOidcSession(manager as unknown as UserManager);
    await session.signIn('Ana');
    await session.signIn();
    expect(manager.signinRedirect.mock.calls).toEqual([[{ login_hint: 'Ana' }], [undefined]]);
    await session.signOut();
    expect(manager.removeUser).toHaveBeenCalledOnce();
  });
});

describe("oidc-client-ts's sign-in state", () => {
  const config = { authority: 'http://127.0.0.1:9/issuer', clientId: 'web' };
  const oidcKeys = (storage: Storage) => Object.keys(storage).filter((key) => key.startsWith('oidc.'));
  /** A sign-in started `ageSeconds` ago, as signinRedirect() stores it for the redirect back. */
  const attempt = async (id: string, ageSeconds = 0) =>
    (
      await SigninState.create({
        id,
        created: Math.floor(Date.now() / 1000) - ageSeconds,
        request_type: 'si:r',
        authority: config.authority,
        client_id: config.clientId,
        redirect_uri: `${location.origin}/`,
        code_verifier: 'v',
        scope: 'openid profile',
      })
    ).toStorageString();

  beforeEach(() => localStorage.clear());

  it("waits in the tab, and on a plain load only attempts gone stale and old builds' localStorage entries go", async () => {
    // Prepare
    const manager = createUserManager(config, location);
    await manager.settings.stateStore.set('abandoned', await attempt('abandoned', 16 * 60));
    await manager.settings.stateStore.set('pending', await attempt('pending', 60));
    localStorage.setItem('oidc.2ce374c8ad944db3a6f8936fb7f344ee', new State({}).toStorageString());
    localStorage.setItem('unrelated', 'kept');
    expect(oidcKeys(sessionStorage).sort()).toEqual(['oidc.state.abandoned', 'oidc.state.pending']);

    // Act
    expect(await createOidcSession(manager, location).restore()).toBeUndefined();

    // Assess: an attempt a minute old may still come back from the provider; one past 15 minutes will not.
    expect(oidcKeys(sessionStorage)).toEqual(['oidc.state.pending']);
    expect(Object.keys(localStorage)).toEqual(['unrelated']);
  });

  it('leaves none once the redirect back is handled, even when the provider refused', async () => {
    // Prepare: two attempts of this tab (a double click); the provider answers the second with an error.
    const manager = createUserManager(config, location);
    await manager.settings.stateStore.set('first', await attempt('first'));
    await manager.settings.stateStore.set('second', await attempt('second'));
    sessionStorage.setItem('chat.rooms', '["lobby"]');
    history.replaceState(null, '', '/?error=access_denied&state=second');

    // Act
    await expect(createOidcSession(manager, location).restore()).rejects.toThrow('access_denied');

    // Assess
    expect(oidcKeys(sessionStorage)).toEqual([]);
    expect(oidcKeys(localStorage)).toEqual([]);
    expect(sessionStorage.getItem('chat.rooms')).toBe('["lobby"]');
    expect(location.search).toBe('');
  });
});
