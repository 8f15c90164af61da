import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '@chat/backend/local';
import { FIRST_LOAD, frontendDir, hasBrowser, startBrowserApp, WAIT, type BrowserApp } from './browser-app.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * What a person meets in the web client, in a real Chromium against the real local stack, reached through a
 * TCP proxy that can make the server hang, vanish or be replaced by a restarted one: connection wording and
 * recovery, rate-limit notice, input errors, scrolling, accessibility (axe-core, zero violations on every
 * screen in light, dark and phone layouts), room state and a restart. Writes the README screenshots.
 */

const screenshotsDir = path.resolve(frontendDir, '..', 'docs', 'screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const trace: string[] = [];
const quiet = {
  info: () => undefined,
  warn: (m: string) => trace.push(`[gateway] ${m}`),
  error: (m: string) => trace.push(`[gateway] ${m}`),
};
const portOf = (wsUrl: string) => Number(new URL(wsUrl).port);

/** Sends per connection per 10 s on this stack; every other test sends fewer from one page. */
const SEND_LIMIT = 8;

describe.skipIf(!hasBrowser)('the web client people expect', () => {
  let stack: LocalStack | undefined;
  let proxy: TcpProxy | undefined;
  let app: BrowserApp | undefined;
  let context: BrowserContext | undefined;
  let appUrl = '';
  let proxyUrl = '';

  /** A restart reuses the ports: the handlers keep their clients (and endpoints) for the life of the process. */
  const startStack = (ports = { port: 0, dynamoPort: 0 }) =>
    startLocalStack({
      host: '127.0.0.1',
      ...ports,
      logger: quiet,
      // A send allowance a burst typed in the test always exceeds, however slowly acks come on a busy machine.
      params: { logLevel: 'ERROR', rateLimitSend: String(SEND_LIMIT) },
    });

  beforeAll(async () => {
    stack = await startStack();
    proxy = new TcpProxy(portOf(stack.wsUrl));
    proxyUrl = `ws://127.0.0.1:${await proxy.listen()}`;
    app = await startBrowserApp('ux', { VITE_WS_URL: proxyUrl }, { width: 1280, height: 800 });
    ({ context, appUrl } = app);
    mkdirSync(screenshotsDir, { recursive: true });
  });

  afterAll(async () => {
    await app?.close();
    await proxy?.close().catch(() => undefined);
    await stack?.close().catch(() => undefined);
  });

  async function openPage(name: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await context!.newPage();
    if (viewport) await page.setViewportSize(viewport);
    page.on('console', (m) => trace.push(`[${name}] console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => trace.push(`[${name}] page error: ${e.message}`));
    return page;
  }

  const status = (page: Page) => page.getByRole('status').filter({ hasText: /Connect|Reconnect|Cannot|Offline/ });

  async function signIn(name: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await openPage(name, viewport);
    await page.goto(appUrl);
    await page.getByLabel('Display name').fill(name);
    await page.getByRole('button', { name: 'Enter chat' }).click();
    await status(page).filter({ hasText: 'Connected' }).waitFor(FIRST_LOAD);
    await joined(page, 'lobby');
    return page;
  }

  async function joined(page: Page, room: string): Promise<void> {
    await page.getByRole('heading', { name: `#${room.replace(/^#/, '')}` }).waitFor(FIRST_LOAD);
    await page.waitForFunction(
      () => ![...document.querySelectorAll('.room-button')].some((b) => b.textContent?.includes('joining')),
      undefined,
      FIRST_LOAD,
    );
  }

  async function joinRoom(page: Page, room: string): Promise<void> {
    await page.getByLabel('Join a room').fill(room);
    await page.getByLabel('Join a room').press('Enter');
    await joined(page, room);
  }

  async function send(page: Page, room: string, text: string): Promise<void> {
    const composer = page.getByLabel(`Message #${room}`);
    await composer.fill(text);
    await composer.press('Enter');
  }

  /** axe-core on the page as it is now; every violation with where it is, so a failure says what to fix. */
  async function axe(page: Page, label: string): Promise<void> {
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const w = window as unknown as {
        axe: {
          run(
            ctx: Document,
            o: object,
          ): Promise<{
            passes: unknown[];
            violations: Array<{ id: string; nodes: Array<{ target: unknown; failureSummary?: string }> }>;
          }>;
        };
      };
      const result = await w.axe.run(document, { resultTypes: ['violations'] });
      return {
        passed: result.passes.length,
        found: result.violations.map((v) => ({
          id: v.id,
          nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`),
        })),
      };
    });
    expect(violations.passed, `axe ran its rules on ${label}`).toBeGreaterThan(10);
    expect(violations.found, `axe violations on ${label}`).toEqual([]);
  }

  async function inView(page: Page, text: string): Promise<boolean> {
    return page.getByRole('log').evaluate((log, t) => {
      const item = [...log.querySelectorAll('.msg')].find((li) => li.textContent?.includes(t));
      if (!item) return false;
      const a = log.getBoundingClientRect();
      const b = item.getBoundingClientRect();
      return b.top >= a.top - 1 && b.bottom <= a.bottom + 1;
    }, text);
  }

  it('notices a hung server within 30 s, words an outage as one, and is back promptly', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const page = await signIn('hana');
    // Act: the server keeps the connection but stops answering.
    proxy!.hang();
    const hungAt = Date.now();
    await status(page).filter({ hasText: 'Connection lost' }).waitFor({ timeout: 32_000 });
    const noticedMs = Date.now() - hungAt;
    console.info(`hung server noticed after ${noticedMs} ms`);
    expect(noticedMs).toBeLessThan(30_000);
    // A plain outage: every connection refused for a while. It is worded as an outage, never a refused sign-in.
    proxy!.down();
    await page.waitForTimeout(4_000);
    await expect(status(page).textContent()).resolves.toMatch(/^(Connection lost|Cannot reach the chat server\.)/);
    expect(await status(page).textContent()).not.toMatch(/refused/);
    const back = Date.now();
    proxy!.pass();
    await status(page).filter({ hasText: 'Connected' }).waitFor(WAIT);
    const backMs = Date.now() - back;
    console.info(`reconnected ${backMs} ms after the server came back`);
    expect(backMs).toBeLessThan(10_000);
    await page.close();
  });

  it('explains a rate limit at once and still delivers every message in order', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const page = await signIn('rita');
    await joinRoom(page, 'fast');
    const texts = Array.from({ length: SEND_LIMIT + 4 }, (_, i) => `fast ${i + 1}`);
    const started = Date.now();
    for (const text of texts) await send(page, 'fast', text);
    await page.getByText(`Slow down: The server accepts at most ${SEND_LIMIT} messages per 10 s.`).waitFor(WAIT);
    console.info(`rate-limit notice ${Date.now() - started} ms after the first of ${texts.length} quick sends`);
    await page.waitForFunction(
      (n) => document.querySelectorAll('.message-list li[data-message-id]').length === n,
      texts.length,
      { timeout: 45_000 },
    );
    const shown = await page.locator('.message-list li[data-message-id] .text').allTextContents();
    expect(shown).toEqual(texts);
    await page.close();
  });

  it('takes names and rooms as people type them, and says what is wrong in words', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const page = await openPage('dev');
    await page.goto(appUrl);
    expect(await page.getByRole('radio').count(), 'no token option on a guest-only server').toBe(0);
    await page.getByLabel('Display name').fill('n'.repeat(40));
    await page.getByRole('button', { name: 'Enter chat' }).click();
    await page.getByRole('alert').filter({ hasText: 'this one has 40' }).waitFor(WAIT);
    await page.getByLabel('Display name').fill('👩\u200D💻 Dev');
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByRole('button', { name: 'Enter chat' }).click();
    await status(page).filter({ hasText: 'Connected' }).waitFor(FIRST_LOAD);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    await page.getByLabel('Join a room').fill('café');
    await page.getByLabel('Join a room').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Try "cafe".' }).waitFor(WAIT);
    await joinRoom(page, '#general');
    await send(page, 'general', 'hello from 👩\u200D💻 Dev, see https://example.org/docs.');
    const link = page.getByRole('link', { name: 'https://example.org/docs' });
    await link.waitFor(WAIT);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await page.locator('.msg .text').first().getAttribute('dir')).toBe('auto');
    await page.close();
  });

  it('keeps the reader in control of scrolling and offers the way down', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const sara = await signIn('sara');
    await joinRoom(sara, 'scroll');
    const tom = await signIn('tom');
    await joinRoom(tom, 'scroll');
    const lines = SEND_LIMIT - 1;
    for (let i = 1; i <= lines; i++) await send(tom, 'scroll', `line ${i}\n\nsecond paragraph\n\nthird paragraph`);
    await sara.locator('.msg', { hasText: `line ${lines}` }).waitFor(WAIT);
    expect(await inView(sara, `line ${lines}`)).toBe(true);
    // Sara scrolls up with PageUp from the composer; new messages then wait below a "new messages" control.
    const composer = sara.getByLabel('Message #scroll');
    for (let i = 0; i < 3; i++) await composer.press('PageUp');
    await sara.getByRole('button', { name: 'Jump to latest' }).waitFor(WAIT);
    await send(tom, 'scroll', 'while sara reads');
    await sara.getByRole('button', { name: /^1 new message/ }).waitFor(WAIT);
    expect(await inView(sara, 'while sara reads')).toBe(false);
    // Her own message brings her down to it.
    await send(sara, 'scroll', 'my reply');
    await sara.locator('.msg', { hasText: 'my reply' }).waitFor(WAIT);
    await sara.waitForFunction(() => !document.querySelector('.jump-latest'), undefined, WAIT);
    expect(await inView(sara, 'my reply')).toBe(true);
    // Tom sees sara's join line, grouped lines and a day heading.
    await tom.getByText('Today').first().waitFor(WAIT);
    // Each of tom's messages after his first continues his block, 'while sara reads' included.
    expect(await tom.locator('.msg.continued').count()).toBe(lines);
    await sara.getByText('tom joined').waitFor(WAIT);
    await sara.close();
    await tom.close();
  });

  it('has no axe-core violations on any screen, in light, dark and phone layouts', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    for (const [label, viewport, colorScheme] of [
      ['desktop light', { width: 1280, height: 800 }, 'light'],
      ['desktop dark', { width: 1280, height: 800 }, 'dark'],
      ['phone light', { width: 390, height: 844 }, 'light'],
      ['phone dark', { width: 390, height: 844 }, 'dark'],
    ] as const) {
      const page = await openPage(`axe ${label}`, viewport);
      await page.emulateMedia({ colorScheme });
      await page.goto(appUrl);
      await page.getByLabel('Display name').waitFor(FIRST_LOAD);
      await axe(page, `sign-in, ${label}`);
      await page.getByRole('button', { name: 'Enter chat' }).click();
      await page.getByRole('alert').waitFor(WAIT);
      await axe(page, `sign-in with an error, ${label}`);
      await page.getByLabel('Display name').fill(`ada-${colorScheme}-${viewport.width}`);
      await page.getByRole('button', { name: 'Enter chat' }).click();
      await status(page).filter({ hasText: 'Connected' }).waitFor(FIRST_LOAD);
      await joinRoom(page, 'a11y');
      for (const text of ['first message', 'a second one', 'שלום, with a link https://example.org'])
        await send(page, 'a11y', text);
      await page.locator('.msg.mine', { hasText: 'example.org' }).last().locator('.delivery').waitFor(WAIT);
      await page.getByLabel('Join a room').fill('my room');
      await page.getByLabel('Join a room').press('Enter');
      await page.getByRole('alert').waitFor(WAIT);
      await axe(page, `chat, ${label}`);
      await page.getByRole('button', { name: 'Leave a11y' }).click();
      await page.getByRole('button', { name: 'Undo' }).waitFor(WAIT);
      await axe(page, `undo leave, ${label}`);
      if (colorScheme === 'light' || viewport.width > 400) {
        await page.getByRole('button', { name: 'Undo' }).click();
        await joined(page, 'a11y');
        const file = `chat-${viewport.width > 400 ? 'desktop' : 'phone'}-${colorScheme}.png`;
        await page.screenshot({ path: path.join(screenshotsDir, file) });
      }
      await page.close();
    }
  });

  it('gives icon buttons a 44 px touch target on a touch screen, so leaving a room is hard to hit by mistake', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const page = await signIn('tapper', { width: 390, height: 844 });
    await joinRoom(page, 'tap');
    const leave = page.getByRole('button', { name: 'Leave tap' });
    const mouse = await leave.boundingBox();
    // Chromium's touch emulation makes (pointer: coarse) match, as on a phone.
    const cdp = await context!.newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
    const touch = await leave.boundingBox();
    expect(mouse!.height).toBeLessThan(44);
    expect(touch!.width).toBeGreaterThanOrEqual(44);
    expect(touch!.height).toBeGreaterThanOrEqual(44);
    await cdp.detach();
    await page.close();
  });

  it('comes back to the room that was open after a reload, and a refused join keeps the user where they were', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const page = await signIn('remy');
    await joinRoom(page, 'kept');
    await page.reload();
    await joined(page, 'kept');
    // More than 20 rooms on one connection is refused: the user stays in the room they were in.
    for (let i = 1; i <= 18; i++) await joinRoom(page, `r${i}`);
    await page.getByLabel('Join a room').fill('one-too-many');
    await page.getByLabel('Join a room').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Could not join #one-too-many' }).waitFor(WAIT);
    await page.getByRole('heading', { name: '#r18' }).waitFor(WAIT);
    await page.close();
  });

  it('sends a token the guest-only server refuses back to the sign-in form, with the reason', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const page = await openPage('token');
    await page.goto(appUrl);
    await page.evaluate(() => sessionStorage.setItem('chat.credentials', JSON.stringify({ token: 'not.a.jwt' })));
    await page.reload();
    await page.getByRole('alert').filter({ hasText: 'did not accept this token' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Enter chat' }).waitFor(WAIT);
    await page.close();
  });

  it('says so when the server restarted without the messages a page shows', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const page = await signIn('rhea');
    for (const text of ['before the restart 1', 'before the restart 2']) await send(page, 'lobby', text);
    await page
      .locator('.msg', { hasText: 'before the restart 2' })
      .locator('.delivery', { hasText: 'Sent' })
      .waitFor(WAIT);
    // Act: the stack restarts with an empty store; the proxy now leads to the new one.
    proxy!.down();
    const ports = { port: portOf(stack!.wsUrl), dynamoPort: portOf(stack!.dynamoEndpoint) };
    await stack!.close();
    stack = await startStack(ports);
    proxy!.pass(portOf(stack.wsUrl));
    // Assess
    await page.getByText(/The server no longer has \d+ earlier messages/).waitFor({ timeout: 30_000 });
    expect(await page.locator('.msg', { hasText: 'before the restart' }).count()).toBe(0);
    await page.screenshot({ path: path.join(screenshotsDir, 'chat-restart-notice.png') });
    await page.close();
  });
});
