import { describe, expect, it } from 'vitest';
import type { MessageStore } from '../../src/domain/ports.js';
import type { Message, User } from '../../src/protocol/index.js';
import { unique, uniqueRoom } from './ids.js';

/** Ids that sort by time, as the domain's IdGenerator promises: zero-padded ms, then a tie-breaker. */
function messageId(ts: number, seq = 0): string {
  return `${String(ts).padStart(13, '0')}-${String(seq).padStart(4, '0')}`;
}

function draft(room: string, sender: User, ts: number, overrides: Partial<Message> = {}): Message {
  return {
    room,
    id: messageId(ts),
    ts,
    sender,
    text: `hello at ${ts}`,
    clientMsgId: unique('cm'),
    ...overrides,
  };
}

/**
 * The behaviour every MessageStore must have. Registered once per implementation (in-memory fake,
 * DynamoDB on dynalite), so the fake the domain tests trust cannot drift from the real adapter.
 */
export function registerMessageStoreContract(name: string, create: () => Promise<MessageStore>): void {
  describe(`MessageStore contract: ${name}`, () => {
    const alice: User = { userId: 'u-alice', name: 'Alice' };
    const bob: User = { userId: 'u-bob', name: 'Bob' };
    const T0 = 1_700_000_000_000;

    it('[MS1] append stores the message as given and reports it created', async () => {
      // Prepare
      const store = await create();
      const room = uniqueRoom();
      const message = draft(room, alice, T0);
      // Act
      const result = await store.append(message);
      // Assess
      expect(result).toEqual({ message, created: true, pending: true });
      expect(await store.page(room, { limit: 50 })).toEqual({ messages: [message], hasMore: false });
    });

    it('[MS2] a duplicate append returns the original with created:false and stores nothing new', async () => {
      const store = await create();
      const room = uniqueRoom();
      const original = draft(room, alice, T0, { clientMsgId: 'retry-me' });
      await store.append(original);

      const retry = draft(room, alice, T0 + 5000, { clientMsgId: 'retry-me', text: 'resent after a lost ack' });
      const result = await store.append(retry);

      expect(result).toEqual({ message: original, created: false, pending: true });
      expect((await store.page(room, { limit: 50 })).messages).toEqual([original]);
    });

    it('[MS3] the idempotency key is (room, userId, clientMsgId): other senders and rooms are not duplicates', async () => {
      const store = await create();
      const [room, other] = [uniqueRoom(), uniqueRoom()];
      // "a#b"+"c" and "a"+"b#c" must not collide however the key is encoded.
      const ab: User = { userId: 'a#b', name: 'AB' };
      const a: User = { userId: 'a', name: 'A' };
      const first = draft(room, ab, T0, { clientMsgId: 'c' });
      const second = draft(room, a, T0 + 1, { clientMsgId: 'b#c' });
      const third = draft(room, bob, T0 + 2, { clientMsgId: 'c' });
      const elsewhere = draft(other, ab, T0 + 3, { clientMsgId: 'c' });

      const results = [];
      for (const m of [first, second, third, elsewhere]) results.push(await store.append(m));

      expect(results.map((r) => r.created)).toEqual([true, true, true, true]);
      expect((await store.page(room, { limit: 50 })).messages).toEqual([first, second, third]);
      expect((await store.page(other, { limit: 50 })).messages).toEqual([elsewhere]);
    });

    it('[MS4] concurrent duplicates store one message, and exactly one call reports created', async () => {
      const store = await create();
      const room = uniqueRoom();
      const copies = Array.from({ length: 5 }, (_, i) =>
        draft(room, alice, T0 + i, { id: messageId(T0 + i, i), clientMsgId: 'same' }),
      );

      const results = await Promise.all(copies.map((m) => store.append(m)));

      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = (await store.page(room, { limit: 50 })).messages;
      expect(stored).toHaveLength(1);
      for (const r of results) expect(r.message).toEqual(stored[0]);
    });

    it('[MS17] a reserved append is the same append; a released reservation leaves no trace', async () => {
      const store = await create();
      const room = uniqueRoom();
      const refused = draft(room, alice, T0, { clientMsgId: 'k' });
      const reservation = await store.reserve(refused);
      expect(reservation).toEqual({ room, userId: alice.userId, clientMsgId: 'k', messageId: refused.id, fresh: true });
      await store.release(reservation);
      // Sent again later and accepted: stored under its own id and time.
      const accepted = draft(room, alice, T0 + 9_000, { clientMsgId: 'k' });
      const taken = await store.reserve(accepted);
      expect(taken.fresh).toBe(true);
      expect(await store.append(accepted, { reservation: taken })).toEqual({
        message: accepted,
        created: true,
        pending: true,
      });
      // A repeat finds the key taken, and releasing a reservation that was not fresh changes nothing.
      const repeat = draft(room, alice, T0 + 10_000, { clientMsgId: 'k' });
      const again = await store.reserve(repeat);
      expect(again.fresh).toBe(false);
      await store.release(again);
      expect(await store.append(repeat, { reservation: again })).toEqual({
        message: accepted,
        created: false,
        pending: true,
      });
      expect((await store.page(room, { limit: 50 })).messages).toEqual([accepted]);
    });

    it('[MS18] a repeat that finds a reservation without its message stores it under the reserved id; release then keeps it', async () => {
      const store = await create();
      const room = uniqueRoom();
      // The first attempt reserved, then was refused (or died) before its append.
      const first = draft(room, alice, T0, { clientMsgId: 'k' });
      const reservation = await store.reserve(first);
      const repeat = draft(room, alice, T0 + 2_000, { clientMsgId: 'k', text: 'the repeat' });
      const stored = { ...repeat, id: first.id, ts: first.ts };
      expect(await store.append(repeat)).toEqual({ message: stored, created: true, pending: true });
      // The first attempt's release comes too late: the repeat adopted the key.
      await store.release(reservation);
      const third = draft(room, alice, T0 + 4_000, { clientMsgId: 'k' });
      expect(await store.append(third)).toEqual({ message: stored, created: false, pending: true });
      expect((await store.page(room, { limit: 50 })).messages).toEqual([stored]);
    });

    it('[MS19] a repeat whose reservation was released meanwhile claims the key anew', async () => {
      const store = await create();
      const room = uniqueRoom();
      const refused = draft(room, alice, T0, { clientMsgId: 'k' });
      const repeat = draft(room, alice, T0 + 3_000, { clientMsgId: 'k' });
      const found = await store.reserve(refused);
      const stale = await store.reserve(repeat);
      expect(stale.fresh).toBe(false);
      await store.release(found);
      expect(await store.append(repeat, { reservation: stale })).toEqual({
        message: repeat,
        created: true,
        pending: true,
      });
    });

    it('[MS5] pages go newest-first by limit, each returned oldest-first, with hasMore and before', async () => {
      const store = await create();
      const room = uniqueRoom();
      const all = Array.from({ length: 5 }, (_, i) => draft(room, i % 2 ? bob : alice, T0 + i * 1000));
      for (const m of all) await store.append(m);

      const newest = await store.page(room, { limit: 2 });
      expect(newest).toEqual({ messages: [all[3], all[4]], hasMore: true });

      const middle = await store.page(room, { before: newest.messages[0]?.id, limit: 2 });
      expect(middle).toEqual({ messages: [all[1], all[2]], hasMore: true });

      const oldest = await store.page(room, { before: middle.messages[0]?.id, limit: 2 });
      expect(oldest).toEqual({ messages: [all[0]], hasMore: false });
    });

    it('[MS6] a limit equal to the number of older messages has no more', async () => {
      const store = await create();
      const room = uniqueRoom();
      const all = Array.from({ length: 3 }, (_, i) => draft(room, alice, T0 + i));
      for (const m of all) await store.append(m);

      expect(await store.page(room, { limit: 3 })).toEqual({ messages: all, hasMore: false });
      expect(await store.page(room, { before: all[2]?.id, limit: 2 })).toEqual({
        messages: all.slice(0, 2),
        hasMore: false,
      });
    });

    it('[MS7] messages of other rooms never leak, even rooms whose name extends this one', async () => {
      const store = await create();
      const room = uniqueRoom();
      const mine = draft(room, alice, T0);
      await store.append(mine);
      await store.append(draft(`${room}x`, alice, T0 + 1));
      await store.append(draft(`${room}-2`, bob, T0 + 2));

      expect(await store.page(room, { limit: 100 })).toEqual({ messages: [mine], hasMore: false });
    });

    it('[MS8] an empty room is an empty page, with or without before', async () => {
      const store = await create();
      expect(await store.page(uniqueRoom(), { limit: 50 })).toEqual({ messages: [], hasMore: false });
      expect(await store.page(uniqueRoom(), { before: messageId(T0), limit: 1 })).toEqual({
        messages: [],
        hasMore: false,
      });
    });

    it('[MS9] history follows id order, not append order, and before need not be a stored id', async () => {
      const store = await create();
      const room = uniqueRoom();
      const late = draft(room, alice, T0 + 2000);
      const early = draft(room, bob, T0 + 1000);
      await store.append(late);
      await store.append(early);

      expect((await store.page(room, { limit: 10 })).messages).toEqual([early, late]);
      expect((await store.page(room, { before: messageId(T0 + 1500), limit: 10 })).messages).toEqual([early]);
    });

    it('[MS10] unicode text and names round-trip unchanged', async () => {
      const store = await create();
      const room = uniqueRoom();
      const text = 'héllo 👋🏽 مرحبا שלום 你好 e\u0301 \u{1F9D1}\u200D\u{1F4BB} "quotes" \\ <tags> \n newline';
      const message = draft(room, { userId: 'u-zoë', name: 'Zoë 🚀' }, T0, { text, clientMsgId: 'cm-1' });

      await store.append(message);

      expect((await store.page(room, { limit: 1 })).messages).toEqual([message]);
    });

    it('[MS11] a full page of maximum-size messages comes back whole', async () => {
      // 101 messages of 4000 four-byte characters exceed DynamoDB's 1 MB per Query response.
      const store = await create();
      const room = uniqueRoom();
      const text = '😀'.repeat(4000);
      const all: Message[] = [];
      for (let i = 0; i < 101; i += 1) all.push(draft(room, alice, T0 + i, { text }));
      for (const m of all) await store.append(m);

      const page = await store.page(room, { limit: 100 });

      expect(page.hasMore).toBe(true);
      expect(page.messages.map((m) => m.id)).toEqual(all.slice(1).map((m) => m.id));
      expect(page.messages.every((m) => m.text === text)).toBe(true);
    });

    // [MS12] and [MS13] (fan-out job claims) moved to fanout-claims.contract.ts as [FC1] and [FC2].

    it('[MS14] a message stays pending (outbox) until markDelivered, which repeats report; marking is idempotent', async () => {
      const store = await create();
      const room = uniqueRoom();
      const first = draft(room, alice, 1_700_000_300_000);
      await store.append(first);
      // The first fan-out failed: the sender's retry finds the mark and re-drives it.
      expect((await store.append({ ...first, id: messageId(1_700_000_300_001) })).pending).toBe(true);
      await store.markDelivered(room, first.id);
      await store.markDelivered(room, first.id);
      expect(await store.append({ ...first, id: messageId(1_700_000_300_002) })).toEqual({
        message: first,
        created: false,
        pending: false,
      });
      // Marking an unknown message creates nothing that history would show.
      await store.markDelivered(room, messageId(1_700_000_300_003));
      await store.markFailed(room, messageId(1_700_000_300_003), 'a');
      expect(await store.claimRedelivery(room, messageId(1_700_000_300_003), 0, 'a')).toBe('delivered');
      expect(await store.renewDelivery(room, messageId(1_700_000_300_003), 'a')).toBe(false);
      expect((await store.page(room, { limit: 10 })).messages).toEqual([first]);
    });

    it('[MS16] a page bounded by bytes reads newest first until it passes maxBytes, and then says there is more', async () => {
      const store = await create();
      const room = uniqueRoom();
      const long = 'x'.repeat(3_000);
      for (let i = 0; i < 6; i += 1)
        await store.append(draft(room, alice, 1_700_000_500_000 + i, { text: `${i}${long}` }));
      const page = await store.page(room, { limit: 50, maxBytes: 7_000 });
      // Each message is a little over 3,000 bytes: the third one passes 7,000, and is the last one read.
      expect(page.messages.map((m) => m.text[0])).toEqual(['3', '4', '5']);
      expect(page.hasMore).toBe(true);
      expect((await store.page(room, { limit: 50, maxBytes: 100_000 })).messages).toHaveLength(6);
      expect((await store.page(room, { limit: 50, maxBytes: 100_000 })).hasMore).toBe(false);
    });

    it('[MS15] a pending message is taken over once after a failed attempt, not while an attempt may be running', async () => {
      const store = await create();
      const room = uniqueRoom();
      const message = draft(room, alice, 1_700_000_400_000);
      await store.append(message, { attempt: 'first' });
      const hour = 3_600_000;
      // The first attempt is running: a repeat within the lease does not take it over; the first may renew.
      expect(await store.claimRedelivery(room, message.id, hour, 'second')).toBe('running');
      expect(await store.renewDelivery(room, message.id, 'first')).toBe(true);
      // Only the holder records a failure.
      await store.markFailed(room, message.id, 'second');
      expect(await store.claimRedelivery(room, message.id, hour, 'second')).toBe('running');
      await store.markFailed(room, message.id, 'first');
      const racing = await Promise.all(
        ['r1', 'r2', 'r3'].map((attempt) => store.claimRedelivery(room, message.id, hour, attempt)),
      );
      expect(racing.sort()).toEqual(['claimed', 'running', 'running']);
      // The first attempt, back from a long stall, learns it was taken over and stops.
      expect(await store.renewDelivery(room, message.id, 'first')).toBe(false);
      // A stale attempt (its Lambda died without marking) is taken over too.
      expect(await store.claimRedelivery(room, message.id, 0, 'late')).toBe('claimed');
      expect(await store.renewDelivery(room, message.id, 'late')).toBe(true);
      await store.markDelivered(room, message.id);
      expect(await store.claimRedelivery(room, message.id, 0, 'later')).toBe('delivered');
      expect((await store.append(message)).pending).toBe(false);
    });
  });
}
