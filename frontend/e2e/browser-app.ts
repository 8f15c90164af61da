import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { createServer } from 'vite';

/** The Debian package: Playwright never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
export const hasBrowser = existsSync(CHROMIUM);
export const WAIT = { timeout: 15_000 };
/** The first page load also pays for Vite's dependency pre-bundling and the handlers' cold start. */
export const FIRST_LOAD = { timeout: 45_000 };
export const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BrowserApp {
  /** The Vite dev server's page. */
  appUrl: string;
  /** One persistent Chromium profile; pages opened in it share storage. */
  context: BrowserContext;
  /** Closes the browser and the dev server, restores the VITE_* variables and removes the temp dirs. */
  close(): Promise<void>;
}

/**
 * The web client on a Vite dev server (loopback, free port, no HMR) and a headless Chromium to open it. Vite gives
 * VITE_* variables in process.env the highest priority: `env` is how the page learns the gateway (and issuer).
 */
export async function startBrowserApp(
  name: string,
  env: Record<string, string>,
  viewport: { width: number; height: number },
): Promise<BrowserApp> {
  const dirs: string[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
    for (const key of Object.keys(env)) delete process.env[key];
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    Object.assign(process.env, env);
    const cacheDir = mkdtempSync(path.join(tmpdir(), `chat-${name}-vite-`));
    dirs.push(cacheDir);
    const vite = await createServer({
      root: frontendDir,
      configFile: path.join(frontendDir, 'vite.config.ts'),
      cacheDir,
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
      logLevel: 'error',
    });
    closers.push(() => vite.close());
    await vite.listen();
    const appUrl = vite.resolvedUrls?.local[0] ?? '';
    if (!appUrl) throw new Error('vite did not report a URL');
    const userDataDir = mkdtempSync(path.join(tmpdir(), `chat-${name}-chromium-`));
    dirs.push(userDataDir);
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport,
    });
    closers.push(() => context.close());
    return { appUrl, context, close };
  } catch (error) {
    await close();
    throw error;
  }
}
