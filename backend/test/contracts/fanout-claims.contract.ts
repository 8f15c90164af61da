import { describe, expect, it } from 'vitest';
import type { FanoutClaims, MessageStore } from '../../src/domain/ports.js';
import type { Message } from '../../src/protocol/index.js';
import { unique, uniqueRoom } from './ids.js';

/**
 * The behaviour every FanoutClaims must have. Registered once per implementation (in-memory fake, DynamoDB on
 * dynalite); `messages` is the store that shares its table, so claims are shown to leave history alone, and
 * `sibling` another instance over the same claims (another container).
 */
export function registerFanoutClaimsContract(
  name: string,
  create: () => Promise<{ claims: FanoutClaims; messages: MessageStore; sibling: () => FanoutClaims }>,
): void {
  describe(`FanoutClaims contract: ${name}`, () => {
    it('[FC1] a fan-out job is claimed once; another shard, start, job id or hand-on is another job, and history is untouched', async () => {
      // Prepare
      const { claims, messages } = await create();
      const room = uniqueRoom();
      const message: Message = {
        room,
        id: '1700000000000-0000',
        ts: 1_700_000_000_000,
        sender: { userId: 'u-alice', name: 'Alice' },
        text: 'hello',
        clientMsgId: unique('cm'),
      };
      await messages.append(message);
      const job = { room, shard: 3, jobId: message.id };
      // Act
      const first = await Promise.all([claims.claimFanoutJob(job), claims.claimFanoutJob(job)]);
      // Assess
      expect(first.sort()).toEqual([false, true]);
      expect(await claims.claimFanoutJob(job)).toBe(false);
      expect(await claims.claimFanoutJob({ ...job, shard: 4 })).toBe(true);
      expect(await claims.claimFanoutJob({ ...job, startAfter: 'conn-1' })).toBe(true);
      expect(await claims.claimFanoutJob({ ...job, startAfter: 'conn-1' })).toBe(false);
      expect(await claims.claimFanoutJob({ ...job, jobId: `${message.id}x` })).toBe(true);
      expect(await claims.claimFanoutJob({ ...job, room: `${room}x` })).toBe(true);
      expect(await claims.claimFanoutJob({ ...job, handOns: 1 })).toBe(true);
      expect(await claims.claimFanoutJob({ ...job, handOns: 1 })).toBe(false);
      expect(await messages.page(room, { limit: 50 })).toEqual({ messages: [message], hasMore: false });
    });

    it("[FC2] a released claim can be claimed again (a failed worker's event driven again), once", async () => {
      const { claims } = await create();
      const job = { room: uniqueRoom(), shard: 0, jobId: 'm-1', startAfter: 'conn-9', handOns: 2 };
      expect(await claims.claimFanoutJob(job)).toBe(true);

      await claims.releaseFanoutJob(job);

      expect(await claims.claimFanoutJob(job)).toBe(true);
      expect(await claims.claimFanoutJob(job)).toBe(false);
    });

    it('[FC3] a job of a frame that is not a message (a random job id) is claimed once, apart from a message id', async () => {
      const { claims } = await create();
      const room = uniqueRoom();
      const job = { room, shard: 0, jobId: 'f-3q2-x_Yz' };
      expect(await claims.claimFanoutJob(job)).toBe(true);
      expect(await claims.claimFanoutJob(job)).toBe(false);
      expect(await claims.claimFanoutJob({ ...job, jobId: '1700000000000-0000' })).toBe(true);
    });

    it("[FC4] releasing a claim this instance never made is a no-op: another's claim stands", async () => {
      const { claims, sibling } = await create();
      const other = sibling();
      const job = { room: uniqueRoom(), shard: 1, jobId: 'm-2' };
      expect(await claims.claimFanoutJob(job)).toBe(true);

      await other.releaseFanoutJob(job);

      expect(await other.claimFanoutJob(job)).toBe(false);
      await claims.releaseFanoutJob(job);
      expect(await other.claimFanoutJob(job)).toBe(true);
    });
  });
}
