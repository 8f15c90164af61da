import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@chat/backend/protocol';
import { startLocalStack, type LocalStack } from '@chat/backend/local';
import { ChatClient } from '../src/realtime/chat-client.js';
import type { RoomState } from '../src/realtime/state.js';
import { recordingSockets, refresh, signIn, until } from './local-stack.js';

/**
 * A renewed ID token reaches a running ChatClient (updateCredentials) while sends wait in its queue: the real local
 * stack in JWT mode against its OpenID Connect issuer, the real client over `ws` sockets.
 */

const ROOM = 'renewal';

describe('a token renewal while sends are queued', () => {
  let stack: LocalStack;
  const stops: Array<() => void> = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      host: '127.0.0.1',
      port: 0,
      dynamoPort: 0,
      localIssuer: { port: 0 },
      params: { logLevel: 'ERROR' },
      // The gateway's connect and disconnect lines are noise here; its warnings and errors are not.
      logger: { info: () => undefined, warn: console.warn, error: console.error },
    });
  });

  afterAll(async () => {
    for (const stop of stops) stop();
    await stack?.close();
  });

  function connect(token: string) {
    const sockets = recordingSockets();
    const client = new ChatClient({ url: stack.wsUrl, credentials: { token }, WebSocket: sockets.WebSocket });
    stops.push(() => client.stop(), sockets.close);
    const room = (): RoomState | undefined => client.getSnapshot().rooms.get(ROOM);
    client.join(ROOM);
    client.start();
    return { client, sockets, room, joined: () => until(client.subscribe, () => room()?.joined === true, 'joined') };
  }

  it('sends every queued message once, in order, on a socket that carries the new token', async () => {
    const { issuer, clientId } = stack.oidc!;
    const [anaTokens, benTokens] = await Promise.all([
      signIn(issuer, clientId, 'Ana'),
      signIn(issuer, clientId, 'Ben'),
    ]);
    const ana = connect(anaTokens.idToken);
    const ben = connect(benTokens.idToken);
    // The ID token names the user before any message of hers has come back.
    expect(ana.client.getSnapshot().self).toEqual({ userId: 'local:Ana', name: 'Ana' });
    const delivered: Message[] = [];
    ben.client.on('frame', (frame) => {
      if (frame.type === 'message' && frame.room === ROOM) delivered.push(frame);
    });
    await Promise.all([ana.joined(), ben.joined()]);
    // Tokens carry whole seconds: a renewal in the same second could sign the very same token.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const renewed = await refresh(issuer, clientId, anaTokens.refreshToken);
    expect(renewed.idToken).not.toBe(anaTokens.idToken);

    // Six sends: the first goes on the wire, the others wait their turn (one at a time per room).
    const texts = Array.from({ length: 6 }, (_, i) => `queued ${i + 1}`);
    const ids = texts.map((text) => {
      const result = ana.client.send(ROOM, text);
      if (!result.ok) throw new Error(result.error);
      return result.clientMsgId;
    });
    const sentIds = () =>
      ana.sockets.sent
        .map((raw) => JSON.parse(raw) as { action: string; clientMsgId?: string })
        .filter((frame) => frame.action === 'send')
        .map((frame) => frame.clientMsgId);
    expect(sentIds()).toEqual([ids[0]]);
    expect(ana.room()?.outgoing.map((o) => o.clientMsgId)).toEqual(ids);

    ana.client.updateCredentials({ token: renewed.idToken });

    const stored = () => ana.room()?.messages.filter((m) => ids.includes(m.clientMsgId)) ?? [];
    await until(ana.client.subscribe, () => stored().length === ids.length, "Ana's sends stored");
    // One more message behind them, so any repeat fanned out before it has arrived too.
    ana.client.send(ROOM, 'last');
    const last = () => ben.room()?.messages.some((m) => m.text === 'last') === true;
    await until(ben.client.subscribe, last, 'the last message at Ben');

    expect(ana.sockets.urls).toHaveLength(2);
    expect(new URL(ana.sockets.urls[1]!).searchParams.get('token')).toBe(renewed.idToken);
    expect(ana.room()?.outgoing).toEqual([]);
    expect(stored().map((m) => m.text)).toEqual(texts);
    expect(new Set(stored().map((m) => m.id)).size).toBe(ids.length);
    expect(stored().every((m) => m.sender.userId === 'local:Ana')).toBe(true);
    // Ben got each exactly once, stored in the order Ana sent them (ids are time-ordered; live frames may overtake).
    const atBen = delivered.filter((m) => ids.includes(m.clientMsgId));
    expect(atBen.sort((a, b) => a.id.localeCompare(b.id)).map((m) => m.text)).toEqual(texts);
    // The queued ones went out once, on the new socket, with the ids they were queued with; the one on the wire
    // when the socket was replaced may have gone out again with its id, which the server stores once.
    const wire = sentIds();
    for (const id of ids.slice(1)) expect(wire.filter((w) => w === id)).toHaveLength(1);
    expect(wire.filter((w) => w === ids[0]).length).toBeLessThanOrEqual(2);
    expect(ana.client.getSnapshot().self).toEqual({ userId: 'local:Ana', name: 'Ana' });
  });
});
