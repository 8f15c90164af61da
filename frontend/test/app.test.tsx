import { StrictMode } from 'react';
import { beforeEach, describe, expect, it } from 'vitest';
import { act, render, screen, within } from '@testing-library/react';
import { App } from '../src/App.js';
import { setup, signedIn } from './app-harness.js';
import { alice, bob, msg, range } from './fake-websocket.js';

beforeEach(() => {
  sessionStorage.clear();
});

describe('sign in', () => {
  it('refuses an empty name, then connects as the guest and joins the default room', async () => {
    const t = setup();
    render(<App createClient={t.createClient} defaultRooms={['lobby']} />);
    await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter a display name.');
    expect(t.sockets.all).toHaveLength(0);

    await t.user.type(screen.getByLabelText('Display name'), 'alice');
    await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
    await t.socketCount(1);
    expect(t.sockets.last().url).toBe('ws://localhost:3001/?name=alice');
    expect(screen.getByRole('status')).toHaveTextContent('Connecting…');

    await t.server((s) => s.open());
    expect(screen.getByRole('status')).toHaveTextContent('Connected');
    expect(t.sockets.last().framesOf('join')).toEqual([{ action: 'join', room: 'lobby' }]);
  });

  it('signs in with a token', async () => {
    const t = setup();
    render(<App createClient={t.createClient} signInModes={['guest', 'token']} />);
    await t.user.click(screen.getByRole('radio', { name: 'Token (JWT)' }));
    await t.user.type(screen.getByLabelText('Access token'), 'a.b.c');
    await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
    await t.socketCount(1);
    expect(t.sockets.last().url).toBe('ws://localhost:3001/?token=a.b.c');
  });

  it('opens a single socket under StrictMode double effects', async () => {
    const t = setup();
    render(
      <StrictMode>
        <App createClient={t.createClient} />
      </StrictMode>,
    );
    await t.user.type(screen.getByLabelText('Display name'), 'alice');
    await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
    await t.socketCount(1);
    expect(t.sockets.last().closedByClient).toBeUndefined();
  });
});

describe('room view', () => {
  it('renders message text as text, never as markup', async () => {
    const hostile = { ...msg('lobby', 2, bob), text: '<img src=x onerror="alert(1)"> **hi**' };
    await signedIn([msg('lobby', 1, bob), hostile]);
    const log = screen.getByRole('log', { name: 'Messages in #lobby' });
    expect(within(log).getByText('<img src=x onerror="alert(1)"> **hi**')).toBeInTheDocument();
    expect(log.querySelector('img')).toBeNull();
    expect(within(log).getAllByRole('listitem')).toHaveLength(2);
  });

  it('announces newly arrived messages from others, not the snapshot or older pages', async () => {
    const t = await signedIn(range(51, 100).map((n) => msg('lobby', n)));
    const live = screen.getByRole('log').querySelector('[aria-live="polite"]');
    expect(live).toHaveTextContent(/^$/);
    await t.server((s) => s.receive({ type: 'message', ...msg('lobby', 101, bob) }));
    expect(live).toHaveTextContent('bob: message 101');
    await t.user.click(screen.getByRole('button', { name: 'Load older messages' }));
    await t.server((s) =>
      s.receive({ type: 'history', room: 'lobby', messages: range(1, 50).map((n) => msg('lobby', n)), hasMore: false }),
    );
    expect(live).toHaveTextContent('bob: message 101');
    await t.server((s) => s.receive({ type: 'message', ...msg('lobby', 102, alice) }));
    expect(live).toHaveTextContent(/^$/);
  });

  it('shows members from joined and keeps them current with presence', async () => {
    const t = await signedIn([], [alice]);
    expect(screen.getByText('1 member online')).toBeInTheDocument();
    await t.server((s) => s.receive({ type: 'presence', room: 'lobby', user: bob, state: 'joined' }));
    expect(screen.getByText('2 members online')).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Members' })).getByText('bob')).toBeInTheDocument();
    await t.server((s) => s.receive({ type: 'presence', room: 'lobby', user: bob, state: 'left' }));
    expect(screen.getByText('1 member online')).toBeInTheDocument();
  });

  it('sends optimistically, then shows the ack', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Message #lobby'), 'hello there{Enter}');
    expect(screen.getByLabelText('Message #lobby')).toHaveValue('');
    expect(t.sockets.last().framesOf('send')).toEqual([
      { action: 'send', room: 'lobby', text: 'hello there', clientMsgId: 'cid-1' },
    ]);
    expect(screen.getByText('Sending…')).toBeInTheDocument();

    await t.server((s) => s.receive({ type: 'ack', clientMsgId: 'cid-1', id: 'm000002', ts: 2 }));
    expect(screen.queryByText('Sending…')).toBeNull();
    expect(screen.getByText('✓ Sent')).toBeInTheDocument();
    await t.server((s) =>
      s.receive({
        type: 'message',
        room: 'lobby',
        id: 'm000002',
        ts: 2,
        sender: alice,
        text: 'hello there',
        clientMsgId: 'cid-1',
      }),
    );
    expect(screen.getAllByText('hello there')).toHaveLength(1);
  });

  it('shows a failed send with its error and retries it with the same clientMsgId', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Message #lobby'), 'too fast{Enter}');
    await t.server((s) =>
      s.receive({
        type: 'error',
        code: 'bad_request',
        message: 'text must not contain control characters',
        action: 'send',
        clientMsgId: 'cid-1',
      }),
    );
    expect(screen.getByText(/Not sent: text must not contain control characters/)).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('text must not contain control characters');

    await t.user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(screen.getByText('Sending…')).toBeInTheDocument();
    expect(
      t.sockets
        .last()
        .framesOf('send')
        .map((f) => f.clientMsgId),
    ).toEqual(['cid-1', 'cid-1']);

    await t.user.click(screen.getByRole('button', { name: 'Dismiss: text must not contain control characters' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows who is typing, lets it expire, and throttles own typing frames', async () => {
    const t = await signedIn();
    await t.server((s) => s.receive({ type: 'typing', room: 'lobby', user: bob }));
    expect(screen.getByText('bob is typing…')).toBeInTheDocument();
    await act(() => t.clock.advance(3_000));
    expect(screen.queryByText('bob is typing…')).toBeNull();

    await t.user.type(screen.getByLabelText('Message #lobby'), 'abcdef');
    expect(t.sockets.last().framesOf('typing')).toHaveLength(1);
  });

  it('asks for the page before the oldest message', async () => {
    const t = await signedIn(range(51, 100).map((n) => msg('lobby', n)));
    await t.user.click(screen.getByRole('button', { name: 'Load older messages' }));
    expect(t.sockets.last().framesOf('history')).toEqual([
      { action: 'history', room: 'lobby', before: 'm000051', limit: 50 },
    ]);
    expect(screen.getByRole('button', { name: 'Loading older messages…' })).toBeDisabled();

    await t.server((s) =>
      s.receive({ type: 'history', room: 'lobby', messages: range(1, 50).map((n) => msg('lobby', n)), hasMore: false }),
    );
    expect(screen.queryByRole('button', { name: /older messages/ })).toBeNull();
    expect(within(screen.getByRole('log')).getAllByRole('listitem')).toHaveLength(100);
  });

  it('joins and leaves rooms from the room list', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Join a room'), 'bad room{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent(/no spaces.*Try "bad-room"/);

    await t.user.clear(screen.getByLabelText('Join a room'));
    await t.user.type(screen.getByLabelText('Join a room'), 'dev{Enter}');
    expect(
      t.sockets
        .last()
        .framesOf('join')
        .map((f) => f.room),
    ).toEqual(['lobby', 'dev']);
    expect(screen.getByRole('heading', { name: '#dev' })).toBeInTheDocument();

    await t.user.click(screen.getByRole('button', { name: 'Leave dev' }));
    expect(t.sockets.last().framesOf('leave')).toEqual([{ action: 'leave', room: 'dev' }]);
    expect(screen.getByRole('heading', { name: '#lobby' })).toBeInTheDocument();
  });
});

describe('unread badges', () => {
  it('counts messages from others in rooms that are not open, and clears when opened', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Join a room'), 'dev{Enter}');
    await t.server((s) => s.receive({ type: 'joined', room: 'dev', members: [alice, bob], history: [msg('dev', 1)] }));
    await t.user.click(screen.getByRole('button', { name: 'lobby' }));
    expect(screen.getByRole('button', { name: 'dev' })).toBeInTheDocument();

    await t.server((s) => s.receive({ type: 'message', ...msg('dev', 2, bob) }));
    await t.server((s) => s.receive({ type: 'message', ...msg('dev', 3, bob) }));
    await t.server((s) => s.receive({ type: 'message', ...msg('dev', 4, alice) }));
    expect(screen.getByRole('button', { name: 'dev, 2 unread' })).toBeInTheDocument();

    await t.user.click(screen.getByRole('button', { name: 'dev, 2 unread' }));
    await t.user.click(screen.getByRole('button', { name: 'lobby' }));
    expect(screen.getByRole('button', { name: 'dev' })).toBeInTheDocument();
  });
});

describe('rooms named like Object.prototype members', () => {
  it('join, show, count unread and send in constructor and __proto__', async () => {
    const t = await signedIn();
    for (const name of ['constructor', '__proto__']) {
      await t.user.type(screen.getByLabelText('Join a room'), `${name}{Enter}`);
      await t.server((s) => s.receive({ type: 'joined', room: name, members: [alice, bob], history: [msg(name, 1)] }));
      expect(screen.getByRole('heading', { name: `#${name}` })).toBeInTheDocument();
      await t.user.type(screen.getByLabelText(`Message #${name}`), `hi ${name}{Enter}`);
    }
    expect(
      t.sockets
        .last()
        .framesOf('send')
        .map((f) => [f.room, f.text]),
    ).toEqual([
      ['constructor', 'hi constructor'],
      ['__proto__', 'hi __proto__'],
    ]);
    await t.server((s) => s.receive({ type: 'message', ...msg('constructor', 2, bob) }));
    expect(screen.getByRole('button', { name: 'constructor, 1 unread' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '__proto__' })).toBeInTheDocument();
  });
});

describe('send order', () => {
  it('shows quick sends in the order typed while they go out one at a time and are acknowledged', async () => {
    const t = await signedIn([]);
    const composer = screen.getByLabelText('Message #lobby');
    for (const text of ['first', 'second', 'third']) await t.user.type(composer, `${text}{Enter}`);
    const shown = () =>
      within(screen.getByRole('log'))
        .getAllByRole('listitem')
        .map((li) => li.querySelector('.text')?.textContent);
    expect(shown()).toEqual(['first', 'second', 'third']);
    expect(
      t.sockets
        .last()
        .framesOf('send')
        .map((f) => f.text),
    ).toEqual(['first']);
    for (let n = 1; n <= 3; n++) {
      await t.server((s) => s.receive({ type: 'ack', clientMsgId: `cid-${n}`, id: `m00000${n}`, ts: n }));
      expect(shown()).toEqual(['first', 'second', 'third']);
    }
    expect(
      t.sockets
        .last()
        .framesOf('send')
        .map((f) => f.text),
    ).toEqual(['first', 'second', 'third']);
    expect(screen.queryByText('Sending…')).toBeNull();
  });
});

describe('connection banner', () => {
  it('says the server cannot be reached when no handshake ever succeeded', async () => {
    const t = setup();
    render(<App createClient={t.createClient} />);
    await t.user.type(screen.getByLabelText('Display name'), 'alice');
    await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
    await t.socketCount(1);
    await t.server((s) => s.drop());
    expect(screen.getByRole('status')).toHaveTextContent(/Cannot reach the chat server/);
    await act(() => t.clock.advance(250));
    await t.server((s) => s.drop());
    expect(screen.getByRole('status')).toHaveTextContent('(attempt 2)');
  });

  it('words a lost connection as an outage, never as a refused sign-in, and counts down to the next try', async () => {
    const t = await signedIn();
    await t.server((s) => s.drop());
    expect(screen.getByRole('status')).toHaveTextContent(/^Connection lost/);
    // random() = 0.5: the retries come after 250, 500, 1000, 2000 and 4000 ms.
    for (const delay of [250, 500, 1_000]) {
      await act(() => t.clock.advance(delay));
      await t.server((s) => s.drop());
      expect(screen.getByRole('status')).not.toHaveTextContent(/refused/);
    }
    expect(screen.getByRole('status')).toHaveTextContent(
      /^Connection lost\. Reconnecting… \(attempt 4\) Next try in 2 s\./,
    );
    await act(() => t.clock.advance(2_000));
    await t.server((s) => s.drop());
    expect(screen.getByRole('status')).toHaveTextContent(
      /^Cannot reach the chat server\. Reconnecting… \(attempt 5\) Next try in 4 s\./,
    );
  });

  it('reconnects at once when the browser comes back online', async () => {
    const t = await signedIn();
    await t.server((s) => s.drop());
    await act(() => window.dispatchEvent(new Event('online')));
    expect(t.sockets.all).toHaveLength(2);
  });

  it('reconnects at once when the tab becomes visible again, and pings a socket that looks open', async () => {
    const t = await signedIn();
    await act(() => document.dispatchEvent(new Event('visibilitychange')));
    expect(t.sockets.last().framesOf('ping')).toHaveLength(1);
    await t.server((s) => s.drop());
    await act(() => document.dispatchEvent(new Event('visibilitychange')));
    expect(t.sockets.all).toHaveLength(2);
  });

  it('announces the lost connection, queues sends and flushes them after the re-join', async () => {
    const t = await signedIn();
    await t.server((s) => s.drop());
    expect(screen.getByRole('status')).toHaveTextContent('Connection lost. Reconnecting…');
    expect(screen.getByText(/messages will be sent when the connection is back/)).toBeInTheDocument();

    await t.user.type(screen.getByLabelText('Message #lobby'), 'while offline{Enter}');
    expect(screen.getByText('Sending…')).toBeInTheDocument();

    await t.user.click(screen.getByRole('button', { name: 'Retry now' }));
    expect(t.sockets.all).toHaveLength(2);
    await t.server((s) => s.open());
    await t.server((s) =>
      s.receive({ type: 'joined', room: 'lobby', members: [alice], history: [msg('lobby', 1, bob)] }),
    );
    expect(t.sockets.last().framesOf('send')).toEqual([
      { action: 'send', room: 'lobby', text: 'while offline', clientMsgId: 'cid-1' },
    ]);
    expect(screen.getByRole('status')).toHaveTextContent('Connected');
  });
});
