import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.js';
import { eventually } from '../local/helpers.js';

/*
 * The large-room path end to end, with the real handlers: send → Lambda Invoke (Event) → `fanout` in worker
 * threads → the local @connections API throttled like an AWS account quota (a tiny one, so 429s are certain).
 * Workers are left unpaced (a budget far above the quota) so that only the retries can save the deliveries.
 */
const MEMBERS = 40;
const local = useLocalStack({
  stage: 'large',
  // Shards of 10, workers above 10 members, no presence (it would spend the quota while the room fills).
  params: {
    fanoutInlineMax: '10',
    membershipShardSize: '10',
    callbackRateBudget: '1000000',
    presenceMaxMembers: '0',
    logLevel: 'WARN',
  },
  simulation: { callbackRps: 300, callbackBurst: 10 },
  asyncWorkers: 2,
});
const { clients, log } = local;

describe('a large room behind a throttled @connections API', () => {
  it('reaches every member exactly once through one fanout invocation per shard, retrying the 429s', async () => {
    const room = 'stadium';
    // Each `joined` reply may be throttled too, and is retried.
    const members = await clients.openMembers(room, MEMBERS, 'fan');
    const throttledBefore = local.stack.throttledCalls();

    members[0]!.send({ action: 'send', room, text: 'goal!', clientMsgId: 'goal-1' });
    // Throttled posts back off (up to seconds each on a busy machine): wait for delivery, not for speed.
    for (const member of members) await member.waitFor('message', (m) => m.clientMsgId === 'goal-1', 30_000);

    const done = () => log.fanoutInvocationsDone();
    await eventually(() => (done() >= MEMBERS / 10 ? true : undefined), 'one fanout invocation per shard', 30_000);
    expect(done()).toBe(MEMBERS / 10);
    expect(local.stack.throttledCalls()).toBeGreaterThan(throttledBefore);
    // A ping answered after every worker finished: no duplicate can still be on its way.
    for (const member of members) {
      await member.roundTrip();
      expect(member.all('message').filter((m) => m.clientMsgId === 'goal-1')).toHaveLength(1);
    }
    expect(log.errors).toEqual([]);
  }, 90_000);
});
