import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { loadRuntimeConfig, type RuntimeConfig } from './config.js';
import { createOidcSession, createUserManager, type OidcSession } from './oidc-session.js';
import { saveCredentials } from './session.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
/**
 * The OpenID Connect session when the stage has a provider, with the sign-in it completes (the redirect back)
 * or still holds saved as this tab's credentials before the first render.
 */
async function startOidc(config: RuntimeConfig): Promise<{ oidc?: OidcSession; error?: string }> {
  if (!config.oidc) return {};
  const oidc = createOidcSession(createUserManager(config.oidc));
  try {
    const token = await oidc.restore();
    if (token) saveCredentials({ token });
    return { oidc };
  } catch (error) {
    saveCredentials(undefined); // the token this tab held, if any, is the one that expired
    return { oidc, error: `Sign-in did not complete: ${error instanceof Error ? error.message : String(error)}` };
  }
}

// The stage's /config.json (or the build's settings) before the first render, so sign-in offers the right options.
void loadRuntimeConfig().then(async (config) => {
  const { oidc, error } = await startOidc(config);
  createRoot(root).render(
    <StrictMode>
      <App wsUrl={config.wsUrl} signInModes={config.signInModes} oidc={oidc} initialError={error} />
    </StrictMode>,
  );
});
