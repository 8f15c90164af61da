import { describe, expect, it } from 'vitest';
import { setup } from './client-harness.js';
import { alice } from './fake-websocket.js';
import { jwt } from './jwt.js';

describe('ChatClient.updateCredentials', () => {
  const ana = jwt({ sub: 'local:Ana', name: 'Ana' });

  it('replaces an open socket at once with one that carries the new token, keeping rooms and the queue', () => {
    // Prepare
    const t = setup({ credentials: { token: ana } });
    expect(t.client.getSnapshot().self).toEqual({ userId: 'local:Ana', name: 'Ana' });
    const first = t.connect();
    t.join('lobby');
    t.client.send('lobby', 'one');
    t.client.send('lobby', 'two');

    // Act
    const renewed = jwt({ sub: 'local:Ana', name: 'Ana', iat: 2 });
    t.client.updateCredentials({ token: renewed });

    // Assess: a deliberate replacement reads as connecting, not as a lost connection.
    expect(first.closedByClient).toEqual({ code: 1000, reason: 'credentials renewed' });
    expect(t.sockets.all).toHaveLength(2);
    expect(t.sockets.last().url).toBe(`ws://localhost:3001/?token=${renewed}`);
    expect(t.client.getSnapshot().status).toBe('connecting');
    expect(t.room('lobby').outgoing.map((o) => [o.clientMsgId, o.status])).toEqual([
      ['cid-1', 'pending'],
      ['cid-2', 'pending'],
    ]);
    t.sockets.last().open();
    expect(t.sockets.last().framesOf('join')).toEqual([{ action: 'join', room: 'lobby' }]);
    t.sockets.last().receive({ type: 'joined', room: 'lobby', members: [alice], history: [] });
    expect(
      t.sockets
        .last()
        .framesOf('send')
        .map((f) => f.clientMsgId),
    ).toEqual(['cid-1']);
  });

  it('does nothing for the credentials it already has, and before start only changes the next handshake', () => {
    const t = setup({ credentials: { token: ana } });
    t.client.updateCredentials({ token: ana });
    t.client.updateCredentials({ token: 'b.c.d' });
    expect(t.sockets.all).toHaveLength(0);
    // A token that names nobody keeps the identity the last one gave.
    expect(t.client.getSnapshot().self).toEqual({ userId: 'local:Ana', name: 'Ana' });
    t.client.start();
    expect(t.sockets.last().url).toBe('ws://localhost:3001/?token=b.c.d');
    t.sockets.last().open();
    t.client.updateCredentials({ token: 'b.c.d' });
    expect(t.sockets.all).toHaveLength(1);
  });

  it('skips the backoff when the socket is down: the next attempt carries the new token now', () => {
    const t = setup({ credentials: { token: ana } });
    t.connect().drop();
    for (let i = 0; i < 4; i++) {
      t.clock.advance(10_000);
      t.sockets.last().drop();
    }
    expect(t.client.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 5, connectedOnce: true });
    const before = t.sockets.all.length;
    t.client.updateCredentials({ token: 'e.f.g' });
    expect(t.sockets.all).toHaveLength(before + 1);
    expect(t.sockets.last().url).toBe('ws://localhost:3001/?token=e.f.g');
    // Failures so far were the old token's: the new one starts with a clean count and has not been accepted yet.
    expect(t.client.getSnapshot()).toMatchObject({ status: 'connecting', attempt: 0, connectedOnce: false });
    t.clock.advance(5_000); // past the backoff that was running, short of the handshake timeout
    expect(t.sockets.all).toHaveLength(before + 1);
    t.sockets.last().open();
    expect(t.client.getSnapshot()).toMatchObject({ status: 'open', connectedOnce: true });
  });
});
