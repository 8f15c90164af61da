import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '@chat/backend/local';
import {
  CHROMIUM,
  FIRST_LOAD,
  frontendDir,
  hasBrowser,
  startBrowserApp,
  WAIT,
  type BrowserApp,
} from './browser-app.js';

/**
 * Browser pages chat through the real local stack (gateway + handlers + embedded DynamoDB) served by the
 * Vite dev server. Sockets are killed from the server side through the management API while a page is
 * frozen, so that page provably misses messages; once it is back, every page must hold every message once.
 */

const resultsDir = path.join(frontendDir, 'test-results');

/** What the pages and the gateway did, printed only when a test fails. */
const trace: string[] = [];

/** Live connections and their principal, learnt from the gateway's connect/disconnect log lines. */
class ConnectionLog {
  readonly live = new Map<string, string>();
  readonly problems: string[] = [];
  readonly logger = {
    info: (message: string) => {
      trace.push(`[gateway] ${message}`);
      const connected = /^connected (\S+)(?: \((.*)\))?/.exec(message);
      if (connected?.[1]) this.live.set(connected[1], connected[2] ?? '');
      const disconnected = /^disconnected (\S+)/.exec(message);
      if (disconnected?.[1]) this.live.delete(disconnected[1]);
    },
    warn: (message: string) => {
      trace.push(`[gateway] warn ${message}`);
      // A page closed mid-close-handshake resets its TCP connection; that is a client leaving, not a fault.
      if (!/ECONNRESET/.test(message)) this.problems.push(message);
    },
    error: (message: string, error?: unknown) => {
      trace.push(`[gateway] error ${message} ${String(error ?? '')}`);
      this.problems.push(message);
    },
  };

  /** Resolves with the ids once exactly `count` connections whose principal mentions `who` are live. */
  async waitFor(who: string, count: number, excluded: ReadonlySet<string> = new Set()): Promise<string[]> {
    const deadline = Date.now() + WAIT.timeout;
    for (;;) {
      const ids = [...this.live].filter(([, principal]) => principal.includes(who)).map(([id]) => id);
      if (ids.length === count && ids.every((id) => !excluded.has(id))) return ids;
      if (Date.now() > deadline)
        throw new Error(`expected ${count} fresh connection(s) for ${who}, live: ${JSON.stringify([...this.live])}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

interface Entry {
  id: string;
  text: string;
}

if (!hasBrowser) console.warn(`chat e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!hasBrowser)('chat in real browser pages', () => {
  const connections = new ConnectionLog();
  let stack: LocalStack | undefined;
  let app: BrowserApp | undefined;
  let context: BrowserContext | undefined;
  let appUrl = '';

  beforeAll(async () => {
    // One bare client posts its 75 messages over several connections; sends are also limited per user (30 per
    // 10 s by default), which a person typing never meets, so this stage raises that one limit.
    stack = await startLocalStack({
      host: '127.0.0.1',
      port: 0,
      dynamoPort: 0,
      logger: connections.logger,
      params: { rateLimitUserSend: '200', logLevel: 'ERROR' },
    });
    // The page learns the gateway URL from VITE_WS_URL.
    app = await startBrowserApp('e2e', { VITE_WS_URL: stack.wsUrl }, { width: 1024, height: 720 });
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
    page.on('websocket', (ws) => {
      trace.push(`[${name}] socket ${ws.url()}`);
      ws.on('framereceived', (f) => trace.push(`[${name}] <- ${String(f.payload).slice(0, 160)}`));
      ws.on('framesent', (f) => trace.push(`[${name}] -> ${String(f.payload).slice(0, 160)}`));
      ws.on('close', () => trace.push(`[${name}] socket closed`));
    });
    return page;
  }

  /** Signs in as a guest; the app joins #lobby by default. */
  async function signIn(name: string, beforeSubmit?: (page: Page) => Promise<void>): Promise<Page> {
    const page = await openPage(name);
    await page.goto(appUrl);
    await beforeSubmit?.(page);
    await page.getByLabel('Display name').fill(name);
    await page.getByRole('button', { name: 'Enter chat' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor(FIRST_LOAD);
    await joined(page, 'lobby');
    return page;
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

  async function send(page: Page, room: string, text: string): Promise<void> {
    const composer = page.getByLabel(`Message #${room}`);
    await composer.fill(text);
    await composer.press('Enter');
  }

  /** Stored messages in display order; own sends still waiting for their ack are not stored yet. */
  function timeline(page: Page): Promise<Entry[]> {
    return page.locator('.message-list li[data-message-id]').evaluateAll((items) =>
      items.map((li) => ({
        id: li.getAttribute('data-message-id') ?? '',
        text: li.querySelector('.text')?.textContent ?? '',
      })),
    );
  }

  /** Waits until the page shows exactly these texts (as a multiset: a duplicate or a loss both fail). */
  async function waitForTexts(page: Page, expected: readonly string[]): Promise<void> {
    const want = [...expected].sort();
    await page
      .waitForFunction(
        (sortedWant) => {
          const got = [...document.querySelectorAll('.message-list li[data-message-id] .text')].map(
            (e) => e.textContent ?? '',
          );
          got.sort();
          return got.length === sortedWant.length && got.every((t, i) => t === sortedWant[i]);
        },
        want,
        WAIT,
      )
      .catch(async (error: unknown) => {
        const shown = (await timeline(page)).map((e) => e.text);
        throw new Error(`expected ${JSON.stringify(expected)}, page shows ${JSON.stringify(shown)}`, { cause: error });
      });
  }

  /** Ids are time-ordered (contract): the list must be strictly increasing, i.e. sorted and duplicate-free. */
  function expectOrdered(entries: readonly Entry[]): void {
    for (let i = 1; i < entries.length; i++) expect(entries[i - 1]!.id < entries[i]!.id, `order at ${i}`).toBe(true);
  }

  async function kill(ids: Iterable<string>): Promise<void> {
    for (const id of ids) {
      const deleted = await fetch(`${stack!.managementUrl}/@connections/${id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      const gone = await fetch(`${stack!.managementUrl}/@connections/${id}`);
      expect(gone.status).toBe(410);
    }
  }

  /** Pauses the page's JavaScript: its socket can die, but it cannot notice or reconnect until thawed. */
  async function freeze(page: Page): Promise<() => Promise<void>> {
    const session: CDPSession = await context!.newCDPSession(page);
    await session.send('Debugger.enable');
    await session.send('Debugger.pause');
    return async () => {
      await session.send('Debugger.resume');
      await session.send('Debugger.disable');
      await session.detach();
    };
  }

  /**
   * A bare protocol client in a blank page, to post many messages quickly without a UI in the way. The server
   * rate-limits sends per connection, so each chunk of messages goes over a connection of its own.
   */
  async function postAs(name: string, room: string, texts: readonly string[]): Promise<void> {
    const chunk = 15;
    for (let i = 0; i < texts.length; i += chunk) await postOverOneConnection(name, room, texts.slice(i, i + chunk));
  }

  async function postOverOneConnection(name: string, room: string, texts: readonly string[]): Promise<void> {
    const page = await openPage(name);
    try {
      await page.evaluate(
        async ({ url, name, room, texts }) => {
          const ws = new WebSocket(`${url}/?name=${encodeURIComponent(name)}`);
          const next = (match: (frame: Record<string, unknown>) => boolean) =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error('no matching frame within 10 s')), 10_000);
              const onMessage = (event: MessageEvent) => {
                const frame = JSON.parse(String(event.data)) as Record<string, unknown>;
                if (frame.type === 'error') reject(new Error(String(event.data)));
                if (!match(frame)) return;
                clearTimeout(timer);
                ws.removeEventListener('message', onMessage);
                resolve();
              };
              ws.addEventListener('message', onMessage);
            });
          await new Promise((resolve, reject) => {
            ws.onopen = resolve;
            ws.onerror = () => reject(new Error('handshake failed'));
          });
          const isJoined = next((f) => f.type === 'joined');
          ws.send(JSON.stringify({ action: 'join', room }));
          await isJoined;
          // clientMsgId is the idempotency key: a repeat would be acknowledged but not stored again.
          const batch = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
          for (const [i, text] of texts.entries()) {
            const clientMsgId = `${name}-${batch}-${i}`;
            const acked = next((f) => f.type === 'ack' && f.clientMsgId === clientMsgId);
            ws.send(JSON.stringify({ action: 'send', room, text, clientMsgId }));
            await acked;
          }
          ws.close();
        },
        { url: stack!.wsUrl, name, room, texts },
      );
    } finally {
      await page.close();
    }
  }

  it('delivers every message exactly once across a server-side disconnect', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    // Prepare: alice on a desktop-sized page, bob on a phone-sized one.
    mkdirSync(resultsDir, { recursive: true });
    const alice = await signIn('alice');
    const bob = await signIn('bob', async (page) => {
      await page.setViewportSize({ width: 375, height: 740 });
      await page.screenshot({ path: path.join(resultsDir, 'chat-e2e-signin-375px.png') });
    });
    await alice.getByText('2 members online').waitFor(WAIT);

    await send(alice, 'lobby', 'hello from alice');
    await waitForTexts(bob, ['hello from alice']);
    await send(bob, 'lobby', 'hi alice <b>not bold</b>');
    await waitForTexts(alice, ['hello from alice', 'hi alice <b>not bold</b>']);
    await bob.getByText('✓ Sent').waitFor(WAIT);

    // Act: freeze bob so he cannot reconnect, then kill both sockets from the server side.
    const thaw = await freeze(bob);
    const killed = new Set([...(await connections.waitFor('alice', 1)), ...(await connections.waitFor('bob', 1))]);
    await kill(killed);

    // One send right after the drop (queued or sent, either way exactly once), more once alice is back.
    await send(alice, 'lobby', 'sent during the outage');
    await connections.waitFor('alice', 1, killed);
    await alice.getByRole('status').filter({ hasText: 'Connected' }).waitFor(WAIT);
    for (let i = 1; i <= 3; i++) await send(alice, 'lobby', `while bob was away ${i}`);
    const expected = [
      'hello from alice',
      'hi alice <b>not bold</b>',
      'sent during the outage',
      'while bob was away 1',
      'while bob was away 2',
      'while bob was away 3',
    ];
    await waitForTexts(alice, expected);
    await alice.locator('.msg.pending, .msg.failed').waitFor({ ...WAIT, state: 'detached' });

    // Bob wakes up, finds his socket dead, reconnects, re-joins and fetches what he missed.
    await thaw();
    await connections.waitFor('bob', 1, killed);
    await bob.getByRole('status').filter({ hasText: 'Connected' }).waitFor(WAIT);
    await waitForTexts(bob, expected);
    await send(bob, 'lobby', 'back online');
    expected.push('back online');
    await waitForTexts(alice, expected);

    // A burst typed faster than acks come back goes out one message at a time and keeps the order it was typed in.
    const burst = Array.from({ length: 6 }, (_, i) => `burst ${i + 1}`);
    for (const text of burst) await send(alice, 'lobby', text);
    expected.push(...burst);

    // Assess: complete, duplicate-free, identically ordered timelines on both pages, in the order things were sent.
    await waitForTexts(alice, expected);
    await waitForTexts(bob, expected);
    const aliceSees = await timeline(alice);
    expectOrdered(aliceSees);
    expect(aliceSees.map((e) => e.text)).toEqual(expected);
    expect(await timeline(bob)).toEqual(aliceSees);
    expect(await bob.locator('.message-list b').count()).toBe(0);
    expect(connections.problems).toEqual([]);

    await alice.screenshot({ path: path.join(resultsDir, 'chat-e2e-alice.png') });
    await bob.screenshot({ path: path.join(resultsDir, 'chat-e2e-bob-375px.png') });
    await alice.close();
    await bob.close();
  });

  it('fills a gap longer than one page after a reconnect, and pages back through older history', async () => {
    onTestFailed(() => console.error(trace.join('\n')));
    const room = 'paging';
    const before = Array.from({ length: 5 }, (_, i) => `before ${i + 1}`);
    const missed = Array.from({ length: 70 }, (_, i) => `missed ${i + 1}`);

    // Prepare: erin is in the room and has seen the first messages.
    const erin = await signIn('erin');
    await joinRoom(erin, room);
    await postAs('carol', room, before);
    await waitForTexts(erin, before);

    // Act: erin's socket dies while she is frozen and 70 messages go by, more than the join snapshot holds.
    const thaw = await freeze(erin);
    const killed = new Set(await connections.waitFor('erin', 1));
    await kill(killed);
    await postAs('carol', room, missed);
    await thaw();

    // Assess: the join snapshot (newest 50) plus history pages close the gap, nothing twice.
    await connections.waitFor('erin', 1, killed);
    await waitForTexts(erin, [...before, ...missed]);
    const erinSees = await timeline(erin);
    expectOrdered(erinSees);

    // A newcomer gets the newest page, then older pages as they scroll up.
    const frank = await signIn('frank');
    await joinRoom(frank, room);
    await waitForTexts(
      frank,
      erinSees.slice(-50).map((e) => e.text),
    );
    const log = frank.getByRole('log', { name: `Messages in #${room}` });
    await log.evaluate((el) => {
      el.scrollTop = 0;
    });
    await waitForTexts(frank, [...before, ...missed]);
    await frank.getByRole('button', { name: /older messages/ }).waitFor({ ...WAIT, state: 'detached' });
    expect(
      await log.evaluate((el) => el.scrollTop),
      'kept the reading position instead of jumping to the top',
    ).toBeGreaterThan(0);
    expect(await timeline(frank)).toEqual(erinSees);
    expect(connections.problems).toEqual([]);
    await erin.close();
    await frank.close();
  });
});
