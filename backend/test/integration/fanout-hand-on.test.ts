import { describe, expect, it } from 'vitest';
import { timeSortableIds } from '../../src/domain/ids.js';
import { handler, HAND_ON_MARGIN_MS, postingDeadline } from '../../src/handlers/fanout.js';
import type { ServerFrame } from '../../src/protocol/index.js';
import { useLocalStack } from '../support/local-stack.js';
import { eventually } from '../local/helpers.js';

/*
 * The real `fanout` handler, called here as Lambda would call it but with its time almost used up: it must post
 * to at least one member, then hand the rest of its shard to a new `fanout` invocation through the Lambda
 * Invoke API (the local one, whose worker threads run it), so every member gets the message exactly once; and
 * the same event delivered again must be recognised by its claim.
 */
const MEMBERS = 6;
const { clients, log } = useLocalStack({
  stage: 'handon',
  // Every room over one member goes to workers; shards of 10, so the whole room is shard 0.
  params: { fanoutInlineMax: '1', membershipShardSize: '10', presenceMaxMembers: '0', logLevel: 'WARN' },
  asyncWorkers: 1,
});

describe('a fan-out worker out of time', () => {
  it('hands the rest of its shard to a new invocation, and a repeat of its event is skipped', async () => {
    const room = 'relay';
    const members = await clients.openMembers(room, MEMBERS, 'relay');
    const ts = Date.now();
    const frame: ServerFrame = {
      type: 'message',
      room,
      id: timeSortableIds.messageId(ts),
      ts,
      sender: { userId: 'guest:relay-0', name: 'relay-0' },
      text: 'pass it on',
      clientMsgId: 'hand-on-1',
    };
    const event = { room, shard: 0, frame, target: { domainName: 'localhost', stage: 'handon' } };
    const handedOnBefore = log.fanoutInvocationsDone();

    // Lambda is about to stop it: its deadline is now.
    const summary = await handler(event, { getRemainingTimeInMillis: () => 0 });

    expect(summary).toMatchObject({ delivered: 1, failed: 0, handedOn: true });
    for (const member of members) await member.waitFor('message', (m) => m.clientMsgId === 'hand-on-1');
    await eventually(
      () => (log.fanoutInvocationsDone() > handedOnBefore ? true : undefined),
      'the handed-on invocation',
    );
    expect(await handler(event, { getRemainingTimeInMillis: () => 100_000 })).toEqual({ duplicate: true });
    for (const member of members) {
      await member.roundTrip();
      expect(member.all('message').filter((m) => m.clientMsgId === 'hand-on-1')).toHaveLength(1);
    }
    expect(log.errors).toEqual([]);
  });
});

describe('when a worker stops starting posts', () => {
  it('keeps HAND_ON_MARGIN_MS of a full 120 s invocation back, and a quarter of a short one', () => {
    expect(postingDeadline(120_000, 0)).toBe(120_000 - HAND_ON_MARGIN_MS);
    expect(postingDeadline(10_000, 0)).toBe(7_500);
    expect(postingDeadline(0, 5)).toBe(5);
  });
});
