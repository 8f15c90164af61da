import { beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { App } from '../src/App.js';
import { Notices } from '../src/ui/Notices.js';
import userEvent from '@testing-library/user-event';
import { setup, signedIn } from './app-harness.js';
import { alice, bob, msg } from './fake-websocket.js';

const carol = { userId: 'u-carol', name: 'carol' };

beforeEach(() => {
  sessionStorage.clear();
});

describe('rate limits', () => {
  it('explains a rate-limited send at the first refusal, with the allowance and a countdown', async () => {
    // Prepare
    const t = await signedIn(undefined, undefined, { rateLimitRetryMs: 10_000 });
    await t.user.type(screen.getByLabelText('Message #lobby'), 'one{Enter}two{Enter}');
    // Act
    await t.server((s) =>
      s.receive({
        type: 'error',
        code: 'rate_limited',
        message: 'too many send frames: at most 20 per 10 s',
        action: 'send',
        clientMsgId: 'cid-1',
      }),
    );
    // Assess: random() = 0.5, so the re-send is due in 10 s * 1.125.
    const hold = screen.getByText(/^Slow down/);
    expect(hold).toHaveTextContent(
      'Slow down: The server accepts at most 20 messages per 10 s. 2 messages are waiting; the next one goes out in about 12 s.',
    );
    expect(screen.getAllByText('Waiting to send…')).toHaveLength(2);
    await act(() => t.clock.advance(11_250));
    expect(
      t.sockets
        .last()
        .framesOf('send')
        .map((f) => f.clientMsgId),
    ).toEqual(['cid-1', 'cid-1']);
    expect(screen.queryByText(/^Slow down/)).toBeNull();
    expect(screen.getAllByText('Sending…')).toHaveLength(2);
  });
});

describe('input errors', () => {
  it('signs in as "👩‍💻 Dev", and refuses a 40-character name with its length instead of cutting it', async () => {
    const t = setup();
    render(<App createClient={t.createClient} />);
    const name = screen.getByLabelText('Display name');
    await t.user.type(name, 'n'.repeat(40));
    await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
    expect(screen.getByRole('alert')).toHaveTextContent('at most 32 characters; this one has 40');
    expect(name).toHaveValue('n'.repeat(40));
    await t.user.clear(name);
    expect(screen.queryByRole('alert')).toBeNull();
    await t.user.type(name, '👩\u200D💻 Dev');
    await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
    await t.socketCount(1);
    expect(t.sockets.last().url).toBe(
      `ws://localhost:3001/?name=${encodeURIComponent('👩\u200D💻 Dev').replace(/%20/g, '+')}`,
    );
  });

  it('joins "#general" as general, explains "café" and a 65-character name, and clears the error on edit', async () => {
    const t = await signedIn();
    const join = screen.getByLabelText('Join a room');
    await t.user.type(join, 'café{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent('Try "cafe".');
    await t.user.type(join, 'x');
    expect(screen.queryByRole('alert')).toBeNull();
    await t.user.clear(join);
    await t.user.type(join, `${'r'.repeat(65)}{Enter}`);
    expect(screen.getByRole('alert')).toHaveTextContent('at most 64 characters; this one has 65');
    await t.user.clear(join);
    await t.user.type(join, '#general{Enter}');
    expect(t.sockets.last().framesOf('join').at(-1)).toEqual({ action: 'join', room: 'general' });
    expect(screen.getByRole('heading', { name: '#general' })).toBeInTheDocument();
  });

  it('clears a composer error as soon as the text is edited', async () => {
    const t = await signedIn();
    const composer = screen.getByLabelText('Message #lobby');
    await t.user.type(composer, 'bell \u0007{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent(/control characters/);
    await t.user.type(composer, '{Backspace}');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('timeline', () => {
  it('marks message text dir="auto", shows join/leave lines, and a full date on each time', async () => {
    const t = await signedIn([{ ...msg('lobby', 1, bob), text: 'שלום עולם' }]);
    expect(screen.getByText('שלום עולם')).toHaveAttribute('dir', 'auto');
    await t.server((s) => s.receive({ type: 'presence', room: 'lobby', user: carol, state: 'joined' }));
    expect(screen.getByText(/joined$/)).toHaveTextContent('carol joined');
    const time = screen.getByRole('log').querySelector('time')!;
    expect(time.getAttribute('title')).toMatch(/\d{4}/);
  });

  it('puts a "new messages" divider where the unread part of a room begins', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Join a room'), 'dev{Enter}');
    await t.server((s) => s.receive({ type: 'joined', room: 'dev', members: [alice], history: [] }));
    await t.server((s) => s.receive({ type: 'message', ...msg('lobby', 2, bob) }));
    expect(screen.queryByText('New messages')).toBeNull();
    await t.user.click(screen.getByRole('button', { name: /^lobby/ }));
    const divider = screen.getByText('New messages');
    expect(divider.nextElementSibling).toHaveTextContent('message 2');
  });

  it('pages the messages with PageUp and PageDown from the composer', async () => {
    await signedIn();
    const log = screen.getByRole('log');
    expect(log).toHaveAttribute('tabindex', '0');
    log.scrollTop = 500;
    await userEvent.type(screen.getByLabelText('Message #lobby'), '{PageUp}');
    expect(log.scrollTop).toBeLessThan(500);
  });
});

describe('room state', () => {
  it('returns to the room the user came from when a join is refused, not to the first room', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Join a room'), 'dev{Enter}');
    await t.server((s) => s.receive({ type: 'joined', room: 'dev', members: [alice], history: [] }));
    await t.user.type(screen.getByLabelText('Join a room'), 'secret{Enter}');
    expect(screen.getByRole('heading', { name: '#secret' })).toBeInTheDocument();
    await t.server((s) =>
      s.receive({ type: 'error', code: 'bad_request', message: 'at most 20 rooms', action: 'join' }),
    );
    expect(screen.getByRole('heading', { name: '#dev' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Could not join #secret: at most 20 rooms');
  });

  it('reopens the room that was open before a reload', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Join a room'), 'dev{Enter}');
    cleanup();
    render(<App createClient={t.createClient} />);
    expect(screen.getByRole('heading', { name: '#dev' })).toBeInTheDocument();
  });

  it('offers to undo leaving a room', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Join a room'), 'dev{Enter}');
    await t.user.click(screen.getByRole('button', { name: 'Leave dev' }));
    expect(screen.getByRole('heading', { name: '#lobby' })).toBeInTheDocument();
    await t.user.click(screen.getByRole('button', { name: 'Undo' }));
    expect(screen.getByRole('heading', { name: '#dev' })).toBeInTheDocument();
    expect(
      t.sockets
        .last()
        .framesOf('join')
        .map((f) => f.room),
    ).toEqual(['lobby', 'dev', 'dev']);
  });

  it('shows one copy of a repeated notice', async () => {
    const t = await signedIn();
    for (let i = 0; i < 3; i++)
      await t.server((s) => s.receive({ type: 'error', code: 'internal', message: 'store unavailable' }));
    expect(screen.getAllByRole('alert')).toHaveLength(1);
  });

  it('counts unread messages from others in the tab title', async () => {
    const t = await signedIn();
    await t.user.type(screen.getByLabelText('Join a room'), 'dev{Enter}');
    await t.server((s) => s.receive({ type: 'joined', room: 'dev', members: [alice], history: [] }));
    await t.server((s) => s.receive({ type: 'message', ...msg('lobby', 2, bob) }));
    await t.server((s) => s.receive({ type: 'message', ...msg('lobby', 3, bob) }));
    expect(document.title).toBe('(2) Chat');
    await t.user.click(screen.getByRole('button', { name: /^lobby/ }));
    expect(document.title).toBe('Chat');
  });
});

describe('background tab', () => {
  it('counts messages in the open room while the tab is hidden, and clears when it is back', async () => {
    const t = await signedIn();
    const setVisibility = (state: 'hidden' | 'visible') =>
      act(() => {
        Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      });
    await setVisibility('hidden');
    await t.server((s) => s.receive({ type: 'message', ...msg('lobby', 2, bob) }));
    expect(document.title).toBe('(1) Chat');
    await setVisibility('visible');
    expect(document.title).toBe('Chat');
  });
});

describe('sign-in modes', () => {
  it('offers no token option on a guest-only server', () => {
    const t = setup();
    render(<App createClient={t.createClient} signInModes={['guest']} />);
    expect(screen.queryByRole('radio')).toBeNull();
    expect(screen.queryByLabelText('Access token')).toBeNull();
  });

  it('goes back to the sign-in form with the reason when a token never gets a connection', async () => {
    const t = setup();
    render(<App createClient={t.createClient} signInModes={['token']} />);
    await t.user.type(screen.getByLabelText('Access token'), 'bad.token');
    await t.user.click(screen.getByRole('button', { name: 'Enter chat' }));
    await t.socketCount(1);
    expect(screen.getByText('Signed in with a token')).toBeInTheDocument();
    await t.server((s) => s.drop());
    for (const delay of [250, 500]) {
      await act(() => t.clock.advance(delay));
      await t.server((s) => s.drop());
    }
    expect(screen.getByRole('alert')).toHaveTextContent('did not accept this token');
    expect(screen.getByLabelText('Access token')).toBeInTheDocument();
    await act(() => t.clock.advance(60_000));
    expect(t.sockets.all).toHaveLength(3);
  });
});

describe('Notices', () => {
  it('dismisses each notice by itself 10 s after it was raised', () => {
    vi.useFakeTimers();
    try {
      const dismissed: number[] = [];
      const notices = [
        { id: 1, code: 'internal' as const, message: 'old', at: 1_000 },
        { id: 2, code: 'internal' as const, message: 'new', at: 5_000 },
      ];
      render(<Notices notices={notices} onDismiss={(id) => dismissed.push(id)} now={() => 6_000} />);
      vi.advanceTimersByTime(4_999);
      expect(dismissed).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(dismissed).toEqual([1]);
      vi.advanceTimersByTime(4_000);
      expect(dismissed).toEqual([1, 2]);
    } finally {
      vi.useRealTimers();
    }
  });
});
