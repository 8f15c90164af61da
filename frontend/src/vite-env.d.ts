/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_WS_URL?: string;
  /** guest (default), jwt or any: which sign-in options the page offers. */
  readonly VITE_AUTH_MODE?: string;
}
