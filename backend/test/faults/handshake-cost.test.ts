import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientPool } from '../support/chat-client.js';
import { eventually } from '../local/helpers.js';
import { startFaultStack, type FaultStack } from './fault-stack.js';

/*
 * The store calls and @connections posts of a handshake and a first join, counted at the store proxy and the
 * gateway: every call costs the local stack's one thread about half a millisecond of CPU (SDK client and dynalite),
 * which is what limits handshakes per second (docs/PERFORMANCE.md). A new call here must be a deliberate choice.
 */
let env: FaultStack;
const clients = new ClientPool(() => env.gateway.wsUrl);

beforeAll(async () => {
  env = await startFaultStack();
});
afterAll(async () => {
  await clients.closeAll();
  await env?.stop();
});

const diff = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([operation, n]) => [operation, n - (before[operation] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );

/**
 * Counts what `act` causes: once at least `atLeast` store calls were made (work after the reply, such as the presence
 * fan-out, may trail it; a code that makes fewer is reported by the assertion), and the store and the gateway have
 * then been quiet for 300 ms.
 */
async function cost(
  act: () => Promise<unknown>,
  atLeast: number,
): Promise<{ store: Record<string, number>; posts: number }> {
  const [store, calls, posts] = [env.proxy.operations(), env.proxy.calls(), env.gateway.managementCalls().posts];
  await act();
  await eventually(
    () => (env.proxy.calls() - calls >= atLeast ? true : undefined),
    `${atLeast} store calls`,
    10_000,
  ).catch(() => undefined);
  let last = '';
  await eventually(
    async () => {
      const now = JSON.stringify([env.proxy.operations(), env.gateway.managementCalls().posts]);
      const quiet = now === last;
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return quiet ? true : undefined;
    },
    'the store and the gateway to be quiet',
    10_000,
  );
  return { store: diff(store, env.proxy.operations()), posts: env.gateway.managementCalls().posts - posts };
}

describe('what a handshake and a first join cost', () => {
  it('$connect is one UpdateItem; a first join is 11 store calls, its reply and one presence post per member', async () => {
    const room = 'cost';
    const first = await clients.open('name=first');
    await cost(() => first.join(room), 11); // Its presence fan-out (to nobody) runs after the reply.

    let second: Awaited<ReturnType<ClientPool['open']>> | undefined;
    const handshake = await cost(async () => (second = await clients.open('name=second')), 1);
    expect(handshake).toEqual({ store: { UpdateItem: 1 }, posts: 0 });

    const join = await cost(() => second!.join(room), 11);
    expect(join).toEqual({
      store: {
        // The rate limits (connection and user, one write each on first use), the place in a shard, the room's entry
        // on the connection; the counters' read, the entry read back, the presence fan-out's counters read.
        UpdateItem: 4,
        GetItem: 3,
        // The membership item.
        PutItem: 1,
        // The members for `joined`, the history, the members for the presence fan-out.
        Query: 3,
      },
      // `joined` to the caller, `presence` to the first member.
      posts: 2,
    });
  });
});
