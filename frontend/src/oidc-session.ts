import { UserManager, WebStorageStateStore, type StateStore, type User } from 'oidc-client-ts';
import type { OidcConfig } from './config.js';

/**
 * The OpenID Connect sign-in as the app sees it: start it, finish it after the redirect back, hear about renewals.
 * Narrow so component tests inject a fake; the real one wraps oidc-client-ts's UserManager.
 */
export interface OidcSession {
  /** Leaves the page for the provider; `loginHint` pre-fills (or, on the local issuer, picks) the account. */
  signIn(loginHint?: string): Promise<void>;
  /**
   * The ID token to connect with: from the provider's redirect back when the page is one (the URL is then
   * cleaned), else from a sign-in this tab still holds (renewed first if it expired meanwhile). Undefined when
   * there is none; rejects when the redirect back or the late renewal fails.
   */
  restore(): Promise<string | undefined>;
  /** Each renewal's new ID token (the library renews with the refresh token before the tokens expire). */
  onRenewed(listener: (idToken: string) => void): () => void;
  /** A renewal that failed: the user must sign in again. */
  onRenewFailed(listener: (reason: string) => void): () => void;
  /** Forgets the user in this tab. */
  signOut(): Promise<void>;
}

/** The provider sends the browser back to the app root with `code` and `state` (or `error` and `state`). */
export function isSigninCallback(url: URL): boolean {
  return url.searchParams.has('state') && (url.searchParams.has('code') || url.searchParams.has('error'));
}

/** The app root, which is also the redirect URI registered for the client (Cognito callback URL). */
export function redirectUri(location: Pick<Location, 'origin' | 'pathname'>): string {
  return `${location.origin}/`;
}

/** A usable ID token of a stored or fresh user, or undefined when it is missing or already expired. */
export function idTokenOf(user: User | null | undefined): string | undefined {
  if (!user?.id_token || user.expired === true) return undefined;
  return user.id_token;
}

/**
 * Where a sign-in's state (PKCE verifier, nonce) waits for the redirect back: this tab's sessionStorage, like the
 * user and the rest of the session, rather than the library's default of localStorage, where attempts from every
 * tab pile up and outlive the browser. Its own prefix keeps it apart from the user entry (`oidc.user:…`).
 */
export const STATE_PREFIX = 'oidc.state.';

export function createUserManager(config: OidcConfig, location: Location = window.location): UserManager {
  return new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: redirectUri(location),
    post_logout_redirect_uri: redirectUri(location),
    response_type: 'code',
    // offline_access is not requested: both Cognito and the local issuer return a refresh token for the code flow.
    scope: 'openid profile',
    // Renews with the refresh token shortly before expiry; the new user arrives through userLoaded.
    automaticSilentRenew: true,
    stateStore: new WebStorageStateStore({ store: window.sessionStorage, prefix: STATE_PREFIX }),
  });
}

/** Sign-in state entries earlier builds left in localStorage (the library's default store, prefix `oidc.`). */
function forgetLegacyState(): void {
  try {
    const stale = Object.keys(localStorage).filter((key) => key.startsWith('oidc.'));
    for (const key of stale) localStorage.removeItem(key);
  } catch {
    // Storage disabled: there is nothing to clean.
  }
}

async function clearAll(store: StateStore): Promise<void> {
  for (const key of await store.getAllKeys()) await store.remove(key);
}

/** The OidcSession over a UserManager; the history is where the callback's `?code=` is removed from view. */
export function createOidcSession(manager: UserManager, location: Location = window.location): OidcSession {
  return {
    signIn: (loginHint) => manager.signinRedirect(loginHint ? { login_hint: loginHint } : undefined),
    async restore() {
      forgetLegacyState();
      const url = new URL(location.href);
      if (isSigninCallback(url)) {
        try {
          return idTokenOf(await manager.signinRedirectCallback(url.href));
        } finally {
          // A code is good once: a reload must not replay it.
          history.replaceState(history.state, '', redirectUri(location));
          // Done or failed, the sign-in is over; other attempts of this tab were abandoned (a double click, Back).
          await clearAll(manager.settings.stateStore).catch(() => undefined);
        }
      }
      // An attempt the user left at the provider may still come back, until the library counts it stale (15 min).
      await manager.clearStaleState().catch(() => undefined);
      const stored = await manager.getUser();
      if (!stored?.expired || !stored.refresh_token) return idTokenOf(stored);
      // The tab slept through the renewal: the refresh token may still be good.
      try {
        return idTokenOf(await manager.signinSilent());
      } catch (error) {
        await manager.removeUser();
        throw new Error('Your sign-in has expired. Sign in again.', { cause: error });
      }
    },
    onRenewed(listener) {
      return manager.events.addUserLoaded((user) => {
        const token = idTokenOf(user);
        if (token) listener(token);
      });
    },
    onRenewFailed(listener) {
      return manager.events.addSilentRenewError((error) => listener(error.message));
    },
    signOut: () => manager.removeUser(),
  };
}
