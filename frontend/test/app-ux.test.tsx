import { beforeEach, describe, expect, it } from 'vitest';
import { act, screen } from '@testing-library/react';
import { signedIn } from './app-harness.js';

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
