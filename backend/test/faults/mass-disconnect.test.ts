import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientPool, type ChatClient } from '../support/chat-client.js';
import { eventually } from '../local/helpers.js';
import { startFaultStack, type FaultStack } from './fault-stack.js';

/*
 * 100 of 120 members of one room drop at once (no close frame: a dead network). Each departure must be announced
 * to each survivor exactly once, by whoever removed the connection ($disconnect or a fan-out's 410), and the clean-up
 * must cost a bounded amount of work per departure: every $disconnect announcing to members that are themselves
 * gone used to remove, and announce, the same connections many times over.
 */
const MEMBERS = 120;
const GONE = 100;
/** The budget per gone member. */
const STORE_CALLS_PER_GONE = 10;
/**
 * The local stack is one container, where posts to a connection take turns (GoneConnections.turn): a departed
 * member is posted to at most once, by whichever fan-out met it first, whatever the interleaving.
 */
const GONE_POSTS_PER_GONE = 1;

let env: FaultStack;
const clients = new ClientPool(() => env.gateway.wsUrl);

beforeAll(async () => {
  // Presence for the whole room (the default cap of 100 would silence it until it shrank below 100).
  env = await startFaultStack({ presenceMaxMembers: String(MEMBERS) });
});
afterAll(async () => {
  await clients.closeAll();
  await env?.stop();
});

describe('a mass disconnect', () => {
  it(`${GONE} of ${MEMBERS} members dropping at once are each announced once, with bounded work`, async () => {
    const room = 'mass';
    const members: ChatClient[] = [];
    for (let i = 0; i < MEMBERS; i += 1) {
      const client = await clients.open(`name=m${String(i).padStart(3, '0')}`);
      await client.join(room);
      members.push(client);
    }
    const survivors = members.slice(GONE);
    const leaving = members.slice(0, GONE);
    // Every join has been announced to the last member: the join storm's work is over.
    await eventually(
      () => (survivors.every((s) => s.all('presence').length >= MEMBERS - 1 - members.indexOf(s)) ? true : undefined),
      'the joins announced',
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const storeBefore = env.proxy.calls();
    const postsBefore = env.gateway.managementCalls();
    for (const s of survivors) s.frames.length = 0;

    for (const client of leaving) client.ws.terminate();

    const leftOf = (s: ChatClient) =>
      s
        .all('presence')
        .filter((p) => p.state === 'left')
        .map((p) => p.user.name);
    await eventually(
      () => (survivors.every((s) => new Set(leftOf(s)).size === GONE) ? true : undefined),
      'every departure announced',
      60_000,
    );
    // Let stragglers (late $disconnects, repeated announcements) arrive before counting.
    await eventually(
      async () => ((await connectionItems()) === MEMBERS - GONE ? true : undefined),
      'the store to hold the survivors only',
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const storeCalls = env.proxy.calls() - storeBefore;
    const posts = env.gateway.managementCalls();
    const gonePosts = posts.gonePosts - postsBefore.gonePosts;
    const duplicates = survivors.reduce((n, s) => n + leftOf(s).length - new Set(leftOf(s)).size, 0);
    const figures = {
      gone: GONE,
      survivors: survivors.length,
      duplicateLeft: duplicates,
      storeCalls,
      storeCallsPerGone: round(storeCalls / GONE),
      posts: posts.posts - postsBefore.posts,
      gonePosts,
      gonePostsPerGone: round(gonePosts / GONE),
    };
    console.log(`mass disconnect: ${JSON.stringify(figures)}`);

    expect(duplicates).toBe(0);
    expect(figures.storeCallsPerGone).toBeLessThanOrEqual(STORE_CALLS_PER_GONE);
    expect(figures.gonePostsPerGone).toBeLessThanOrEqual(GONE_POSTS_PER_GONE);
    // Survivors still chat.
    survivors[0]!.send({ action: 'send', room, text: 'still here', clientMsgId: 'after' });
    for (const s of survivors) await s.waitFor('message', (m) => m.clientMsgId === 'after');
  }, 180_000);
});

const round = (n: number): number => Math.round(n * 100) / 100;

async function connectionItems(): Promise<number> {
  return (await env.dump()).filter((i) => i.connectedAt !== undefined).length;
}
