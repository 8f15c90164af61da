import { describe, expect, it } from 'vitest';
import { ConnectionGoneError, TooManyRoomsError } from '../../src/domain/errors.js';
import type { ConnectionStore, Membership } from '../../src/domain/ports.js';
import type { User } from '../../src/protocol/index.js';
import { unique, uniqueRoom } from './ids.js';

export interface ConnectionStoreFactoryOptions {
  /** Members per page; contract cases set it small to cross page boundaries with a handful of members. */
  membersPageSize: number;
  /** Members per shard; contract cases set it small to fill several shards with a handful of members. */
  shardSize?: number;
}

async function allPages(store: ConnectionStore, room: string): Promise<Membership[][]> {
  const pages: Membership[][] = [];
  for await (const page of store.members(room)) pages.push(page);
  return pages;
}

async function memberIds(store: ConnectionStore, room: string): Promise<string[]> {
  return (await allPages(store, room))
    .flat()
    .map((m) => m.connectionId)
    .sort();
}

/**
 * The behaviour every ConnectionStore must have. Registered once per implementation (in-memory fake,
 * DynamoDB on dynalite), so the fake the domain tests trust cannot drift from the real adapter.
 */
export function registerConnectionStoreContract(
  name: string,
  create: (options: ConnectionStoreFactoryOptions) => Promise<ConnectionStore>,
): void {
  describe(`ConnectionStore contract: ${name}`, () => {
    const user = (label: string): User => ({ userId: unique(`u-${label}`), name: label });

    async function connected(store: ConnectionStore, label: string, connectedAt = 1_700_000_000_000) {
      const connectionId = unique(`c-${label}`);
      const who = user(label);
      await store.saveConnection({ connectionId, user: who, connectedAt });
      return { connectionId, user: who };
    }

    async function joined(store: ConnectionStore, room: string, label: string, joinedAt = 1_700_000_000_500) {
      const conn = await connected(store, label);
      await store.addMembership({ room, connectionId: conn.connectionId, user: conn.user, joinedAt });
      return conn;
    }

    it('[CS1] lists only members of the room', async () => {
      // Prepare
      const store = await create({ membersPageSize: 1000 });
      const room = uniqueRoom();
      const other = uniqueRoom();
      const alice = await joined(store, room, 'alice');
      const bob = await joined(store, room, 'bob');
      await joined(store, other, 'carol');
      await connected(store, 'dave');
      // Act
      const ids = await memberIds(store, room);
      // Assess
      expect(ids).toEqual([alice.connectionId, bob.connectionId].sort());
    });

    it('[CS2] members come page by page across more than one page, each member once', async () => {
      const store = await create({ membersPageSize: 3 });
      const room = uniqueRoom();
      const expected: string[] = [];
      for (let i = 0; i < 7; i += 1) expected.push((await joined(store, room, `m${i}`)).connectionId);

      const pages = await allPages(store, room);

      expect(pages.length).toBeGreaterThan(1);
      for (const page of pages) {
        expect(page.length).toBeGreaterThan(0);
        expect(page.length).toBeLessThanOrEqual(3);
      }
      const ids = pages.flat().map((m) => m.connectionId);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...expected].sort());
    });

    it('[CS3] a room nobody joined yields no page', async () => {
      const store = await create({ membersPageSize: 1000 });
      expect(await allPages(store, uniqueRoom())).toEqual([]);
    });

    it('[CS4] a membership carries the user and joinedAt it was added with', async () => {
      const store = await create({ membersPageSize: 1000 });
      const room = uniqueRoom();
      const conn = await connected(store, 'zoë 🚀 عربي');
      await store.addMembership({
        room,
        connectionId: conn.connectionId,
        user: conn.user,
        joinedAt: 1_700_000_123_456,
      });

      const pages = await allPages(store, room);

      expect(pages).toEqual([
        [{ room, connectionId: conn.connectionId, user: conn.user, joinedAt: 1_700_000_123_456, shard: 0 }],
      ]);
    });

    it('[CS5] saveConnection then getConnection round-trips the record with no rooms; unknown ids are undefined', async () => {
      const store = await create({ membersPageSize: 1000 });
      const conn = await connected(store, 'Ünïcødé 名前', 1_700_000_000_042);

      expect(await store.getConnection(conn.connectionId)).toEqual({
        connectionId: conn.connectionId,
        user: conn.user,
        connectedAt: 1_700_000_000_042,
        rooms: [],
      });
      expect(await store.getConnection(unique('never'))).toBeUndefined();
    });

    it('[CS6] addMembership shows in isMember and the connection rooms, and is idempotent', async () => {
      const store = await create({ membersPageSize: 1000 });
      const room = uniqueRoom();
      const conn = await connected(store, 'alice');
      const membership = { room, connectionId: conn.connectionId, user: conn.user, joinedAt: 1 };

      await store.addMembership(membership);
      await store.addMembership(membership);

      expect(await store.isMember(room, conn.connectionId)).toBe(true);
      expect(await store.isMember(uniqueRoom(), conn.connectionId)).toBe(false);
      expect((await store.getConnection(conn.connectionId))?.rooms).toEqual([room]);
      expect(await memberIds(store, room)).toEqual([conn.connectionId]);
    });

    it('[CS7] addMembership on a gone connection throws ConnectionGoneError and leaves no membership', async () => {
      const store = await create({ membersPageSize: 1000 });
      const room = uniqueRoom();
      const removed = await connected(store, 'gone');
      await store.removeConnection(removed.connectionId);
      const neverSeen = unique('c-never');

      for (const connectionId of [removed.connectionId, neverSeen]) {
        const attempt = store.addMembership({ room, connectionId, user: removed.user, joinedAt: 1 });
        await expect(attempt).rejects.toBeInstanceOf(ConnectionGoneError);
        await expect(attempt).rejects.toMatchObject({ connectionId });
      }
      expect(await allPages(store, room)).toEqual([]);
      expect(await store.getConnection(neverSeen)).toBeUndefined();
    });

    it('[CS8] removeMembership reports whether it existed and leaves the other rooms alone', async () => {
      const store = await create({ membersPageSize: 1000 });
      const [room, other] = [uniqueRoom(), uniqueRoom()];
      const conn = await joined(store, room, 'alice');
      await store.addMembership({ room: other, connectionId: conn.connectionId, user: conn.user, joinedAt: 2 });

      expect(await store.removeMembership(room, conn.connectionId)).toBe(true);
      expect(await store.removeMembership(room, conn.connectionId)).toBe(false);
      expect(await store.removeMembership(uniqueRoom(), unique('c-never'))).toBe(false);

      expect(await store.isMember(room, conn.connectionId)).toBe(false);
      expect(await store.isMember(other, conn.connectionId)).toBe(true);
      expect((await store.getConnection(conn.connectionId))?.rooms).toEqual([other]);
      expect(await allPages(store, room)).toEqual([]);
    });

    it('[CS9] removeMembership after removeConnection is false and brings no connection back', async () => {
      // A leave racing a disconnect must not resurrect the connection (an UpdateItem upserts by default).
      const store = await create({ membersPageSize: 1000 });
      const room = uniqueRoom();
      const conn = await joined(store, room, 'alice');
      const rooms = await store.removeConnection(conn.connectionId);

      expect(rooms).toEqual([room]);
      expect(await store.removeMembership(room, conn.connectionId)).toBe(false);
      expect(await store.getConnection(conn.connectionId)).toBeUndefined();
    });

    it('[CS10] removeConnection removes every membership, returns the rooms, and is idempotent', async () => {
      const store = await create({ membersPageSize: 1000 });
      const rooms = Array.from({ length: 30 }, () => uniqueRoom()); // more than one 25-item batch
      const conn = await connected(store, 'alice');
      const stays = await connected(store, 'bob');
      for (const room of rooms) {
        await store.addMembership({ room, connectionId: conn.connectionId, user: conn.user, joinedAt: 3 });
        await store.addMembership({ room, connectionId: stays.connectionId, user: stays.user, joinedAt: 3 });
      }

      const removed = await store.removeConnection(conn.connectionId);

      expect([...removed].sort()).toEqual([...rooms].sort());
      expect(await store.getConnection(conn.connectionId)).toBeUndefined();
      for (const room of rooms) {
        expect(await store.isMember(room, conn.connectionId)).toBe(false);
        expect(await memberIds(store, room)).toEqual([stays.connectionId]);
      }
      expect(await store.removeConnection(conn.connectionId)).toEqual([]);
      expect(await store.removeConnection(unique('c-never'))).toEqual([]);
    });

    it('[CS11] two connections of one user are two members', async () => {
      const store = await create({ membersPageSize: 1000 });
      const room = uniqueRoom();
      const who = user('tabs');
      const tabs = [unique('c-tab1'), unique('c-tab2')];
      for (const connectionId of tabs) {
        await store.saveConnection({ connectionId, user: who, connectedAt: 4 });
        await store.addMembership({ room, connectionId, user: who, joinedAt: 5 });
      }

      const members = (await allPages(store, room)).flat();

      expect(members.map((m) => m.connectionId).sort()).toEqual([...tabs].sort());
      expect(members.every((m) => m.user.userId === who.userId)).toBe(true);
    });

    it('[CS12] removing members while paging neither repeats nor invents members', async () => {
      // Fan-out removes 410 connections while it is still reading the room's later pages.
      const store = await create({ membersPageSize: 2 });
      const room = uniqueRoom();
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) ids.push((await joined(store, room, `p${i}`)).connectionId);

      const seen: string[] = [];
      for await (const page of store.members(room)) {
        for (const member of page) {
          seen.push(member.connectionId);
          await store.removeConnection(member.connectionId);
        }
      }

      expect([...seen].sort()).toEqual([...ids].sort());
      expect(await allPages(store, room)).toEqual([]);
    });

    it('[CS13] concurrent joins of one connection to many rooms all land', async () => {
      // Clients may send several joins at once; API Gateway runs them in parallel.
      const store = await create({ membersPageSize: 1000 });
      const conn = await connected(store, 'eager');
      const rooms = Array.from({ length: 8 }, () => uniqueRoom());

      await Promise.all(
        rooms.map((room) =>
          store.addMembership({ room, connectionId: conn.connectionId, user: conn.user, joinedAt: 6 }),
        ),
      );

      expect((await store.getConnection(conn.connectionId))?.rooms).toEqual([...rooms].sort());
      for (const room of rooms) expect(await store.isMember(room, conn.connectionId)).toBe(true);
    });

    it('[CS14] concurrent removeConnection calls (a 410 during fan-out and $disconnect) both succeed; one gets the rooms', async () => {
      const store = await create({ membersPageSize: 1000 });
      const [room, other] = [uniqueRoom(), uniqueRoom()];
      const conn = await joined(store, room, 'alice');
      await store.addMembership({ room: other, connectionId: conn.connectionId, user: conn.user, joinedAt: 7 });

      const results = await Promise.all([1, 2, 3].map(() => store.removeConnection(conn.connectionId)));

      // Only the remover announces the departure, so exactly one call may report the rooms.
      expect(results.map((rooms) => [...rooms].sort().join()).sort()).toEqual(['', '', [room, other].sort().join()]);
      expect(await store.getConnection(conn.connectionId)).toBeUndefined();
      expect(await allPages(store, room)).toEqual([]);
      expect(await allPages(store, other)).toEqual([]);
    });

    it('[CS15] a caller-chosen page size reads pages of at most that many members', async () => {
      const store = await create({ membersPageSize: 1000 });
      const room = uniqueRoom();
      for (const label of ['a', 'b', 'c', 'd', 'e']) await joined(store, room, label);
      const pages: Membership[][] = [];
      for await (const page of store.members(room, { pageSize: 2 })) pages.push(page);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(new Set(pages.flat().map((m) => m.connectionId)).size).toBe(5);
    });

    it('[CS16] shards fill in join order and the room counts its members', async () => {
      const store = await create({ membersPageSize: 2, shardSize: 3 });
      const room = uniqueRoom();
      const ids: string[] = [];
      for (let i = 0; i < 7; i += 1) ids.push((await joined(store, room, `m${i}`)).connectionId);

      expect(await store.room(room)).toEqual({ members: 7, shards: 3 });
      const shard = async (n: number) => {
        const members: Membership[] = [];
        for await (const page of store.members(room, { shard: n })) members.push(...page);
        return members;
      };
      expect((await shard(0)).map((m) => m.connectionId).sort()).toEqual(ids.slice(0, 3).sort());
      expect((await shard(1)).map((m) => m.connectionId).sort()).toEqual(ids.slice(3, 6).sort());
      expect((await shard(2)).map((m) => m.connectionId)).toEqual([ids[6]]);
      for (const n of [0, 1, 2]) for (const member of await shard(n)) expect(member.shard).toBe(n);
      expect(await memberIds(store, room)).toEqual([...ids].sort());
      // A caller that already knows the shard count reads the same members without the room read.
      const known: string[] = [];
      for await (const page of store.members(room, { shards: 3 })) known.push(...page.map((m) => m.connectionId));
      expect(known.sort()).toEqual([...ids].sort());
    });

    it('[CS20] under churn a join takes a freed place in the lowest shard with room, so no shard outgrows shardSize', async () => {
      // A long-lived room where members come and go: with shards picked from the member count alone, every new
      // member would land in the last shard while leaves empty the others, until one partition held the room.
      const store = await create({ membersPageSize: 1000, shardSize: 3 });
      const room = uniqueRoom();
      const first = [];
      for (let i = 0; i < 6; i += 1) first.push(await joined(store, room, `m${i}`));
      const shardSizes = async () => {
        const sizes = new Map<number, number>();
        for await (const page of store.members(room))
          for (const m of page) sizes.set(m.shard, (sizes.get(m.shard) ?? 0) + 1);
        return [...sizes].sort(([a], [b]) => a - b);
      };
      expect(await shardSizes()).toEqual([
        [0, 3],
        [1, 3],
      ]);

      // A member of shard 0 leaves (or drops) and a newcomer joins, three times: the newcomer takes the place.
      for (let round = 0; round < 3; round += 1) {
        const leaving = first[round]!.connectionId;
        if (round === 1) await store.removeConnection(leaving);
        else await store.removeMembership(room, leaving);
        await joined(store, room, `churn${round}`);
        expect(await shardSizes()).toEqual([
          [0, 3],
          [1, 3],
        ]);
      }
      expect(await store.room(room)).toEqual({ members: 6, shards: 2 });
      // Only a full room opens a new shard.
      await joined(store, room, 'seventh');
      expect(await shardSizes()).toEqual([
        [0, 3],
        [1, 3],
        [2, 1],
      ]);
      expect(await store.room(room)).toEqual({ members: 7, shards: 3 });
    });

    it('[CS21] joins racing on one read (a crowd arriving at once) still put at most shardSize in a shard', async () => {
      const store = await create({ membersPageSize: 1000, shardSize: 3 });
      const room = uniqueRoom();
      const crowd = await Promise.all(Array.from({ length: 10 }, (_, i) => connected(store, `crowd${i}`)));

      await Promise.all(
        crowd.map((c) => store.addMembership({ room, connectionId: c.connectionId, user: c.user, joinedAt: 1 })),
      );

      const sizes = new Map<number, number>();
      for await (const page of store.members(room))
        for (const m of page) sizes.set(m.shard, (sizes.get(m.shard) ?? 0) + 1);
      expect([...sizes.values()].reduce((a, b) => a + b, 0)).toBe(10);
      expect(Math.max(...sizes.values())).toBeLessThanOrEqual(3);
      expect(await store.room(room)).toEqual({ members: 10, shards: 4 });
    });

    it('[CS22] two joins of one connection racing (a double click) make one membership, counted once', async () => {
      const store = await create({ membersPageSize: 1000, shardSize: 2 });
      const room = uniqueRoom();
      await joined(store, room, 'first');
      const twice = await connected(store, 'twice');
      const join = () => store.addMembership({ room, connectionId: twice.connectionId, user: twice.user, joinedAt: 1 });

      const results = await Promise.all([join(), join(), join()]);

      expect(results.filter((r) => !r.already)).toHaveLength(1);
      const mine = (await allPages(store, room)).flat().filter((m) => m.connectionId === twice.connectionId);
      expect(mine).toHaveLength(1);
      expect((await store.getConnection(twice.connectionId))?.rooms).toEqual([room]);
      expect(await store.room(room)).toEqual({ members: 2, shards: 1 });
      expect(await store.removeMembership(room, twice.connectionId)).toBe(true);
      expect(await store.room(room)).toEqual({ members: 1, shards: 1 });
      // The place it gave back is the next joiner's.
      await joined(store, room, 'next');
      expect(await store.room(room)).toEqual({ members: 2, shards: 1 });
    });

    it('[CS24] re-joins racing leaves of one connection leave no orphan: a membership exists iff the connection lists the room', async () => {
      const store = await create({ membersPageSize: 1000, shardSize: 3 });
      const room = uniqueRoom();
      await joined(store, room, 'stays');
      const flip = await connected(store, 'flip');
      const join = () =>
        store
          .addMembership({ room, connectionId: flip.connectionId, user: flip.user, joinedAt: 1 })
          .then(() => 'joined');
      const leave = () => store.removeMembership(room, flip.connectionId).then(() => 'left');
      const orders = [
        () => [join(), leave()],
        () => [leave(), join()],
        () => [join(), leave(), join()],
        () => [leave(), join(), leave()],
      ];
      for (let round = 0; round < 24; round += 1) {
        if (round % 2 === 0) await join();
        await Promise.allSettled(orders[round % orders.length]!());
        const listed = (await store.getConnection(flip.connectionId))?.rooms.includes(room) ?? false;
        const member = (await memberIds(store, room)).includes(flip.connectionId);
        expect({ round, member }).toEqual({ round, member: listed });
        expect(await store.room(room)).toMatchObject({ members: listed ? 2 : 1 });
      }
    });

    it('[CS23] a shard read resumes after a given connection id, in connection id order', async () => {
      const store = await create({ membersPageSize: 2, shardSize: 5 });
      const room = uniqueRoom();
      for (let i = 0; i < 5; i += 1) await joined(store, room, `m${i}`);
      const all: string[] = [];
      for await (const page of store.members(room, { shard: 0 })) all.push(...page.map((m) => m.connectionId));
      expect(all).toEqual([...all].sort());

      const rest: string[] = [];
      for await (const page of store.members(room, { shard: 0, startAfter: all[1]! }))
        rest.push(...page.map((m) => m.connectionId));

      expect(rest).toEqual(all.slice(2));
    });

    it('[CS17] re-joins are not counted twice and keep their shard; leaves and disconnects count out once', async () => {
      const store = await create({ membersPageSize: 1000, shardSize: 2 });
      const room = uniqueRoom();
      expect(await store.room(room)).toEqual({ members: 0, shards: 1 });
      const [a, b, c] = [
        await joined(store, room, 'a'),
        await joined(store, room, 'b'),
        await joined(store, room, 'c'),
      ];
      await store.addMembership({ room, connectionId: c.connectionId, user: c.user, joinedAt: 9 });
      expect(await store.room(room)).toEqual({ members: 3, shards: 2 });
      const shardOf = async (id: string) => {
        for await (const page of store.members(room)) for (const m of page) if (m.connectionId === id) return m.shard;
        return undefined;
      };
      expect(await shardOf(c.connectionId)).toBe(1);

      expect(await store.removeMembership(room, b.connectionId)).toBe(true);
      expect(await store.removeMembership(room, b.connectionId)).toBe(false);
      await Promise.all([store.removeConnection(a.connectionId), store.removeConnection(a.connectionId)]);
      expect(await store.room(room)).toEqual({ members: 1, shards: 2 });
      expect(await memberIds(store, room)).toEqual([c.connectionId]);
      expect(await store.isMember(room, c.connectionId)).toBe(true);
      expect(await store.isMember(room, b.connectionId)).toBe(false);
    });

    it('[CS18] removeConnection with the membership it saw removes one whose connection is already gone', async () => {
      const store = await create({ membersPageSize: 1000, shardSize: 2 });
      const room = uniqueRoom();
      await joined(store, room, 'a');
      await joined(store, room, 'b');
      const late = await joined(store, room, 'late');
      const [member] = (await allPages(store, room)).flat().filter((m) => m.connectionId === late.connectionId);
      expect(member?.shard).toBe(1);
      // What a join racing the disconnect leaves behind: the membership outlives the connection item.
      await store.removeConnection(late.connectionId);
      await store
        .addMembership({ room, connectionId: late.connectionId, user: late.user, joinedAt: 1 })
        .catch(() => undefined);

      expect(await store.removeConnection(late.connectionId, { room, shard: 1 })).toEqual([]);

      expect((await memberIds(store, room)).includes(late.connectionId)).toBe(false);
    });

    it('[CS19] a join reports a re-join and the room after it, and refuses a room over maxRooms, even when racing', async () => {
      const store = await create({ membersPageSize: 1000, shardSize: 2 });
      const conn = await connected(store, 'busy');
      const [r1, r2, r3, r4] = [uniqueRoom(), uniqueRoom(), uniqueRoom(), uniqueRoom()];
      const join = (room: string) =>
        store.addMembership({ room, connectionId: conn.connectionId, user: conn.user, joinedAt: 1 }, { maxRooms: 2 });

      expect(await join(r1)).toEqual({ already: false, room: { members: 1, shards: 1 } });
      expect(await join(r1)).toEqual({ already: true, room: { members: 1, shards: 1 } });
      const racing = await Promise.allSettled([join(r2), join(r3), join(r4)]);

      expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of racing) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(TooManyRoomsError);
      expect((await store.getConnection(conn.connectionId))?.rooms).toHaveLength(2);
      // Leaving one makes room for another.
      await store.removeMembership(r1, conn.connectionId);
      const refused = [r2, r3, r4].find((room, i) => racing[i]?.status === 'rejected')!;
      expect((await join(refused)).already).toBe(false);
    });
  });
}
