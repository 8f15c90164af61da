import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { startLocalStack, type LocalStack } from '@chat/backend/local';
import { CHROMIUM, FIRST_LOAD, hasBrowser, startBrowserApp, WAIT, type BrowserApp } from './browser-app.js';

/**
 * `npm start -- --auth oidc` in a real browser: the page signs in through the local OpenID Connect issuer
 * (authorization code + PKCE redirect), connects with the ID token in `?token=`, and chats as the signed-in user.
 */

/** What the pages did, printed only when a test fails. */
const trace: string[] = [];

if (!hasBrowser) console.warn(`oidc e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!hasBrowser)('OpenID Connect sign-in in a real browser', () => {
  let stack: LocalStack | undefined;
  let app: BrowserApp | undefined;
  let context: BrowserContext | undefined;
  let appUrl = '';
  /** Every WebSocket URL the pages opened, to see what the handshake carried. */
  const sockets: string[] = [];
  /** The same, per page. */
  const socketsOf = new Map<Page, string[]>();

  beforeAll(async () => {
    stack = await startLocalStack({
      host: '127.0.0.1',
      port: 0,
      dynamoPort: 0,
      localIssuer: { port: 0 },
      logger: {
        info: (m: string) => trace.push(`[gateway] ${m}`),
        warn: (m: string) => trace.push(`[gateway] warn ${m}`),
        error: (m: string, e?: unknown) => trace.push(`[gateway] error ${m} ${String(e ?? '')}`),
      },
      params: { logLevel: 'ERROR' },
    });
    if (!stack.oidc) throw new Error('the stack started without its local issuer');
    // What scripts/start.mjs passes the dev server for `npm start -- --auth oidc` (Vite reads VITE_* from process.env).
    app = await startBrowserApp(
      'oidc',
      {
        VITE_WS_URL: stack.wsUrl,
        VITE_AUTH_MODE: 'jwt',
        VITE_OIDC_AUTHORITY: stack.oidc.issuer,
        VITE_OIDC_CLIENT_ID: stack.oidc.clientId,
      },
      { width: 1024, height: 720 },
    );
    ({ context, appUrl } = app);
  });

  afterAll(async () => {
    await app?.close();
    await stack?.close().catch(() => undefined);
  });

  async function openPage(name: string): Promise<Page> {
    const page = await context!.newPage();
    page.on('console', (m) => trace.push(`[${name}] console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => trace.push(`[${name}] page error: ${e.message}`));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) trace.push(`[${name}] at ${f.url()}`);
    });
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      socketsOf.set(page, [...(socketsOf.get(page) ?? []), ws.url()]);
      trace.push(`[${name}] socket ${ws.url().replace(/token=[^&]+/, 'token=…')}`);
    });
    return page;
  }

  /** Signs in through the issuer's redirect as `name`; the app joins #lobby by default. */
  /** `prepare` runs before the page loads, e.g. to route its sockets. */
  async function signIn(name: string, prepare?: (page: Page) => Promise<void>): Promise<Page> {
    const page = await openPage(name);
    await prepare?.(page);
    await page.goto(appUrl);
    await page.getByLabel('Account (optional)').fill(name, FIRST_LOAD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Out to the issuer's /authorize and straight back with ?code=&state=, which the app exchanges and removes.
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor(FIRST_LOAD);
    await joined(page, 'lobby');
    return page;
  }

  /** oidc-client-ts's entries in the page's storage: sign-in state (`oidc.state.*`) and the signed-in user. */
  async function oidcKeys(page: Page): Promise<{ local: string[]; session: string[] }> {
    return page.evaluate(() => {
      const oidc = (storage: Storage) => Object.keys(storage).filter((key) => key.startsWith('oidc.'));
      return { local: oidc(localStorage), session: oidc(sessionStorage) };
    });
  }

  async function joined(page: Page, room: string): Promise<void> {
    await page.getByRole('heading', { name: `#${room}` }).waitFor(FIRST_LOAD);
    await page.locator('.room-button', { hasText: 'joining' }).waitFor({ ...FIRST_LOAD, state: 'detached' });
  }

  async function joinRoom(page: Page, room: string): Promise<void> {
    await page.getByLabel('Join a room').fill(room);
    await page.getByLabel('Join a room').press('Enter');
    await joined(page, room);
  }

  it('signs in through the local issuer, connects with the ID token and chats under the signed-in name', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const ana = await signIn('Ana');
    // The ID token names her at once, before any message of hers has come back.
    await ana.getByText('Signed in as Ana').waitFor(WAIT);
    expect(new URL(ana.url()).search, 'the one-time code is removed from the address').toBe('');
    // The sign-in state served its one use: only the signed-in user stays, in this tab.
    expect(await oidcKeys(ana)).toEqual({
      local: [],
      session: [`oidc.user:${stack!.oidc!.issuer}:${stack!.oidc!.clientId}`],
    });
    // The chat's socket (the dev server's own HMR socket also carries a `token`, its own).
    const chatSocket = sockets.filter((url) => url.startsWith(stack!.wsUrl)).at(-1) ?? '';
    const token = new URL(chatSocket).searchParams.get('token') ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ iss: stack!.oidc!.issuer, aud: stack!.oidc!.clientId, sub: 'local:Ana' });

    const ben = await signIn('Ben');
    await joinRoom(ana, 'oidc');
    await joinRoom(ben, 'oidc');
    const composer = ana.getByLabel('Message #oidc');
    await composer.fill('hello from Ana');
    await composer.press('Enter');
    const received = ben.locator('.msg', { hasText: 'hello from Ana' });
    await received.waitFor(WAIT);
    expect(await received.locator('.sender').textContent()).toBe('Ana');
    expect(await received.getAttribute('class')).not.toContain('mine');
    // And still after the server's echo of her own message.
    await ana.getByText('Signed in as Ana').waitFor(WAIT);

    // Signing out forgets the user: a reload shows the sign-in form, not the chat.
    await ben.getByRole('button', { name: 'Sign out' }).click();
    await ben.getByRole('button', { name: 'Sign in' }).waitFor(WAIT);
    await ben.reload();
    await ben.getByRole('button', { name: 'Sign in' }).waitFor(FIRST_LOAD);
    // Ana, still signed in, keeps her session across a reload (the tab's stored sign-in).
    await ana.reload();
    await ana.getByRole('status').filter({ hasText: 'Connected' }).waitFor(FIRST_LOAD);
    await ana.locator('.msg', { hasText: 'hello from Ana' }).waitFor(WAIT);
    await Promise.all([ana.close(), ben.close()]);
  });

  it('leaves no sign-in state behind when the provider refuses a sign-in or the user abandons one', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const page = await openPage('Dora');
    const authorize = `${stack!.oidc!.issuer}/authorize**`;
    // The provider refuses (the user cancelled): straight back to the app with the request's state and an error.
    await page.route(authorize, (route) => {
      const request = new URL(route.request().url());
      const back = new URL(request.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('state', request.searchParams.get('state') ?? '');
      return route.fulfill({ status: 302, headers: { location: back.toString() } });
    });
    await page.goto(appUrl);
    await page.getByLabel('Account (optional)').fill('Dora', FIRST_LOAD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in did not complete: access_denied' }).waitFor(WAIT);
    expect(await oidcKeys(page)).toEqual({ local: [], session: [] });

    // Abandoned: the user leaves the provider's page without an answer and comes back to the app.
    await page.unroute(authorize);
    await page.route(authorize, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Provider</title><p>Sign in here</p>' }),
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Sign in here').waitFor(WAIT);
    await page.goto(appUrl);
    await page.getByLabel('Account (optional)').fill('Dora', FIRST_LOAD);
    const pending = await oidcKeys(page);
    expect(pending.local).toEqual([]);
    expect(
      pending.session.filter((key) => key.startsWith('oidc.state.')),
      'the abandoned attempt, not stale yet',
    ).toHaveLength(1);

    // The next sign-in that completes leaves only the user.
    await page.unroute(authorize);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor(FIRST_LOAD);
    expect(await oidcKeys(page)).toEqual({
      local: [],
      session: [`oidc.user:${stack!.oidc!.issuer}:${stack!.oidc!.clientId}`],
    });
    await page.close();
  });

  it('renews with the refresh token before the ID token expires and reconnects with the new one', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const chatTokens = (page: Page) =>
      (socketsOf.get(page) ?? [])
        .filter((url) => url.startsWith(stack!.wsUrl))
        .map((url) => new URL(url).searchParams.get('token'));
    // The page's clock, so an hour can pass in a moment; it runs on at the real pace otherwise.
    await context!.clock.install();
    // Cleo's chat sockets go through Playwright, so the test can withhold what the server answers on one of them.
    const routedSockets: WebSocketRoute[] = [];
    /** Sockets on which the server's acks and messages never reach the page. */
    const withheld = new Set<WebSocketRoute>();
    const routeChat = (page: Page) =>
      page.routeWebSocket(
        (url) => url.href.startsWith(stack!.wsUrl),
        (ws) => {
          routedSockets.push(ws);
          const server = ws.connectToServer();
          server.onMessage((message) => {
            const { type } = JSON.parse(String(message)) as { type?: string };
            if (!withheld.has(ws) || (type !== 'ack' && type !== 'message')) ws.send(message);
          });
        },
      );
    const cleo = await signIn('Cleo', routeChat);
    await cleo.getByText('Signed in as Cleo').waitFor(WAIT);
    const dan = await signIn('Dan');
    const first = chatTokens(cleo).at(-1);
    // Tokens carry whole seconds: a renewal in the same second could sign the very same token.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // The renewal's token request waits until Cleo has sends on the wire and in her queue.
    let releaseRenewal: () => void = () => undefined;
    const renewing = new Promise<void>((resolve) => {
      void cleo.route(`${stack!.oidc!.issuer}/token`, async (route) => {
        resolve();
        await new Promise<void>((release) => (releaseRenewal = release));
        await route.continue();
      });
    });
    // oidc-client-ts renews a minute before expiry (the local issuer's tokens last an hour).
    await cleo.clock.fastForward('59:05');
    await renewing;
    // The server stores the first send but its ack never reaches the page; the others wait behind it.
    const queued = ['renewal 1', 'renewal 2', 'renewal 3'];
    withheld.add(routedSockets.at(-1)!);
    for (const text of queued) {
      await cleo.getByLabel('Message #lobby').fill(text);
      await cleo.getByLabel('Message #lobby').press('Enter');
    }
    expect(await cleo.locator('.msg.pending').count()).toBe(queued.length);
    releaseRenewal();
    const deadline = Date.now() + WAIT.timeout;
    while (chatTokens(cleo).at(-1) === first && Date.now() < deadline) await cleo.waitForTimeout(100);
    const renewed = chatTokens(cleo).at(-1) ?? '';
    expect(renewed, 'a new socket with a new token').not.toBe(first);
    const claims = JSON.parse(Buffer.from(renewed.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims.sub).toBe('local:Cleo');
    await cleo.getByRole('status').filter({ hasText: 'Connected' }).waitFor(WAIT);
    await joined(cleo, 'lobby');
    const composer = cleo.getByLabel('Message #lobby');
    await composer.fill('still here');
    await composer.press('Enter');
    await cleo.getByText('Signed in as Cleo').waitFor(WAIT);

    // Nothing that waited through the renewal was lost or stored twice: each message once, in order, on both pages.
    await dan.locator('.msg', { hasText: 'still here' }).waitFor(WAIT);
    await cleo.locator('.msg[data-message-id]', { hasText: 'still here' }).waitFor(WAIT);
    for (const page of [cleo, dan]) {
      const texts = await page.locator('.msg .text').allTextContents();
      expect(texts.filter((text) => queued.includes(text))).toEqual(queued);
    }
    expect(await cleo.locator('.msg.pending, .msg.failed').count()).toBe(0);
    await Promise.all([cleo.close(), dan.close()]);
  });
});
