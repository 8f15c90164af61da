/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_WS_URL?: string;
  /** guest (default), jwt or any: which sign-in options the page offers. */
  readonly VITE_AUTH_MODE?: string;
  /** The OpenID Connect issuer to sign in with (set by `npm start -- --auth oidc` for the local one). */
  readonly VITE_OIDC_AUTHORITY?: string;
  readonly VITE_OIDC_CLIENT_ID?: string;
}
