import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../backend/src/local/stack.js';

/**
 * Two browser pages chat through the real local stack (gateway + handlers + embedded DynamoDB) and the
 * Vite dev server. The gateway then kills both sockets through the management API while one page is frozen,
 * so that page provably misses messages; after it comes back, both pages must hold every message exactly once.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const WAIT = { timeout: 15_000 };
/** The first page load also pays for Vite's dependency pre-bundling and the handlers' cold start. */
const FIRST_LOAD = { timeout: 45_000 };
const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(frontendDir, 'test-results');

/** What the pages and the gateway did, printed only when the test fails. */
const trace: string[] = [];

/** Live connection ids, learnt from the gateway's connect/disconnect log lines. */
class ConnectionLog {
  readonly live = new Set<string>();
  readonly errors: string[] = [];
  readonly logger = {
    info: (message: string) => {
      trace.push(`[gateway] ${message}`);
      const connected = /^connected (\S+)/.exec(message);
      if (connected?.[1]) this.live.add(connected[1]);
      const disconnected = /^disconnected (\S+)/.exec(message);
      if (disconnected?.[1]) this.live.delete(disconnected[1]);
    },
    warn: (message: string) => this.errors.push(message),
    error: (message: string, error?: unknown) => this.errors.push(`${message} ${String(error ?? '')}`),
  };

  /** Resolves once `count` connections are live and none of them is in `excluded`. */
  async waitForFresh(count: number, excluded: ReadonlySet<string>): Promise<string[]> {
    const deadline = Date.now() + WAIT.timeout;
    while (Date.now() < deadline) {
      const ids = [...this.live];
      if (ids.length === count && ids.every((id) => !excluded.has(id))) return ids;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`expected ${count} fresh connections, have ${[...this.live].join(', ') || 'none'}`);
  }
}

const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser) console.warn(`chat e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!hasBrowser)('chat in two browser pages', () => {
  const connections = new ConnectionLog();
  let stack: LocalStack | undefined;
  let vite: ViteDevServer | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let viteCacheDir: string | undefined;
  let appUrl = '';

  beforeAll(async () => {
    viteCacheDir = mkdtempSync(path.join(tmpdir(), 'chat-e2e-vite-'));
    stack = await startLocalStack({ host: '127.0.0.1', port: 0, dynamoPort: 0, logger: connections.logger });
    // Vite reads VITE_* from process.env with the highest priority; this is how the page learns the gateway URL.
    process.env.VITE_WS_URL = stack.wsUrl;
    vite = await createServer({
      root: frontendDir,
      configFile: path.join(frontendDir, 'vite.config.ts'),
      cacheDir: viteCacheDir,
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
      logLevel: 'error',
    });
    await vite.listen();
    appUrl = vite.resolvedUrls?.local[0] ?? '';
    if (!appUrl) throw new Error('vite did not report a URL');

    userDataDir = mkdtempSync(path.join(tmpdir(), 'chat-e2e-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1024, height: 720 },
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await vite?.close().catch(() => undefined);
    await stack?.close().catch(() => undefined);
    delete process.env.VITE_WS_URL;
    for (const dir of [userDataDir, viteCacheDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(page: Page, name: string): Promise<void> {
    page.on('console', (m) => trace.push(`[${name}] console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => trace.push(`[${name}] page error: ${e.message}`));
    page.on('websocket', (ws) => {
      trace.push(`[${name}] socket ${ws.url()}`);
      ws.on('framereceived', (f) => trace.push(`[${name}] <- ${String(f.payload).slice(0, 160)}`));
      ws.on('close', () => trace.push(`[${name}] socket closed`));
    });
    await page.goto(appUrl);
    await page.getByLabel('Display name').fill(name);
    await page.getByRole('button', { name: 'Enter chat' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor(FIRST_LOAD);
    await page.getByRole('heading', { name: '#lobby' }).waitFor(WAIT);
    await page.locator('.room-button', { hasText: 'joining' }).waitFor({ ...FIRST_LOAD, state: 'detached' });
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByLabel('Message #lobby').fill(text);
    await page.getByLabel('Message #lobby').press('Enter');
  }

  /** Stored message texts in display order; excludes own sends still waiting for their ack. */
  function storedTexts(page: Page): Promise<string[]> {
    return page.locator('.message-list li[data-message-id] .text').allTextContents();
  }

  async function waitForTexts(page: Page, expected: readonly string[]): Promise<void> {
    await page
      .waitForFunction(
        (want) => {
          const got = [...document.querySelectorAll('.message-list li[data-message-id] .text')].map((e) => e.textContent);
          return got.length === want.length && got.every((t, i) => t === want[i]);
        },
        expected,
        WAIT,
      )
      .catch(async (error: unknown) => {
        throw new Error(`expected ${JSON.stringify(expected)}, page shows ${JSON.stringify(await storedTexts(page))}`, {
          cause: error,
        });
      });
  }

  async function kill(connectionId: string): Promise<number> {
    const response = await fetch(`${stack!.managementUrl}/@connections/${connectionId}`, { method: 'DELETE' });
    return response.status;
  }

  it('delivers every message exactly once across a server-side disconnect', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    // Prepare: alice on a desktop-sized page, bob on a phone-sized one.
    const alice = await context!.newPage();
    const bob = await context!.newPage();
    await bob.setViewportSize({ width: 375, height: 740 });
    await signIn(alice, 'alice');
    await signIn(bob, 'bob');
    await alice.getByText('2 members online').waitFor(WAIT);

    await send(alice, 'hello from alice');
    await waitForTexts(bob, ['hello from alice']);
    await send(bob, 'hi alice <b>not bold</b>');
    await waitForTexts(alice, ['hello from alice', 'hi alice <b>not bold</b>']);
    await bob.getByText('✓ Sent').waitFor(WAIT);

    // Act: freeze bob's page so it cannot reconnect, then kill both sockets from the server side.
    const frozen: CDPSession = await context!.newCDPSession(bob);
    await frozen.send('Debugger.enable');
    await frozen.send('Debugger.pause');
    const killed = new Set(await connections.waitForFresh(2, new Set()));
    for (const id of killed) expect(await kill(id)).toBe(204);
    for (const id of killed) {
      const gone = await fetch(`${stack!.managementUrl}/@connections/${id}`);
      expect(gone.status).toBe(410);
    }

    // While bob is away: one send right after the drop (queued or sent, either way exactly once),
    // then a few more once alice is back.
    await send(alice, 'sent during the outage');
    await connections.waitForFresh(1, killed);
    await alice.getByRole('status').filter({ hasText: 'Connected' }).waitFor(WAIT);
    for (let i = 1; i <= 3; i++) await send(alice, `while bob was away ${i}`);
    const aliceExpected = [
      'hello from alice',
      'hi alice <b>not bold</b>',
      'sent during the outage',
      'while bob was away 1',
      'while bob was away 2',
      'while bob was away 3',
    ];
    await waitForTexts(alice, aliceExpected);
    await alice.locator('.msg.pending, .msg.failed').waitFor({ ...WAIT, state: 'detached' });

    // Bob wakes up, finds his socket dead, reconnects, re-joins and fetches what he missed.
    await frozen.send('Debugger.resume');
    await frozen.send('Debugger.disable');
    await connections.waitForFresh(2, killed);
    await bob.getByRole('status').filter({ hasText: 'Connected' }).waitFor(WAIT);
    await waitForTexts(bob, aliceExpected);
    await send(bob, 'back online');

    // Assess: identical, complete, duplicate-free timelines on both pages.
    const expected = [...aliceExpected, 'back online'];
    await waitForTexts(alice, expected);
    await waitForTexts(bob, expected);
    expect(await storedTexts(alice)).toEqual(expected);
    expect(await storedTexts(bob)).toEqual(expected);
    expect(await bob.locator('.message-list b').count()).toBe(0);
    expect(connections.errors.filter((e) => !/ECONNRESET|socket hang up/.test(e))).toEqual([]);

    mkdirSync(resultsDir, { recursive: true });
    await alice.screenshot({ path: path.join(resultsDir, 'chat-e2e-alice.png') });
    await bob.screenshot({ path: path.join(resultsDir, 'chat-e2e-bob-375px.png') });
  });
});
