import { randomUUID } from 'node:crypto';
import { DeleteCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../domain/errors.js';
import { bytesOf } from '../../domain/frame-budget.js';
import type { Clock, HistoryPage, MessageStore, SendReservation } from '../../domain/ports.js';
import { systemClock } from '../../domain/ids.js';
import type { Message } from '../../protocol/index.js';
import { conditionalCall, storeCall } from './errors.js';
import { idempotencySk, MESSAGES_END, messageSk } from './message-keys.js';
import { getItem, putIfAbsent } from './put-if-absent.js';

/** Table name and retention come from Config; the clock is injectable so tests can pin TTLs. */
export interface DynamoMessageStoreOptions {
  table: string;
  /** Messages and their idempotency records expire after this many days (DynamoDB TTL). */
  retentionDays: number;
  clock?: Clock;
}

interface MessageItem {
  room: string;
  sk: string;
  id: string;
  ts: number;
  userId: string;
  name: string;
  text: string;
  clientMsgId: string;
  /** Random per write attempt; see putIfAbsent. */
  writeToken?: string;
  /** The outbox mark: when the current fan-out attempt last renewed it (0 after a failed one), removed once delivered. */
  pending?: number;
  /** Which attempt (a send handler's random token) holds the mark. */
  pendingBy?: string;
  ttl: number;
}

interface IdempotencyItem {
  room: string;
  sk: string;
  messageId: string;
  ts: number;
  ttl: number;
  /** Random per write attempt; see putIfAbsent. */
  writeToken?: string;
  /** Set by a repeat that found the record without its message and stores it: the record may no longer be released. */
  adopted?: boolean;
}

/** How often append starts over when the record it found was released meanwhile (each time by a refused repeat). */
const MAX_APPEND_TRIES = 3;

/** Messages per Query when a page is bounded by bytes. */
const BYTE_BOUNDED_READ = 10;

const toMessage = (item: MessageItem): Message => ({
  room: item.room,
  id: item.id,
  ts: item.ts,
  sender: { userId: item.userId, name: item.name },
  text: item.text,
  clientMsgId: item.clientMsgId,
});

/**
 * MessageStore on one table (see message-keys.ts for the layout), without transactions: dynalite (the local
 * store) has no TransactWriteItems, and two conditional Puts are both cheaper (a transaction bills every item
 * twice) and, with the rule below, exactly as safe:
 *   1. Put the idempotency record if absent; it claims (room, userId, clientMsgId) for one message id. `send` does
 *      this beside its admission checks (reserve), and deletes the record again when the frame is refused (release).
 *   2. Put the message if absent. Whoever writes the message item reports created:true, so fan-out happens
 *      once even when a retry races the first attempt or finds it crashed between 1 and 2 (the retry
 *      then writes the message under the claimed id and ts, after marking the record adopted so that a refused
 *      attempt can no longer release it).
 */
export class DynamoMessageStore implements MessageStore {
  private readonly clock: Clock;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: DynamoMessageStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async reserve(message: Message): Promise<SendReservation> {
    const claim: IdempotencyItem = {
      ...this.claimKey(message.room, message.sender.userId, message.clientMsgId),
      messageId: message.id,
      ts: message.ts,
      ttl: this.ttl(),
      writeToken: randomUUID(),
    };
    return {
      room: message.room,
      userId: message.sender.userId,
      clientMsgId: message.clientMsgId,
      messageId: message.id,
      fresh: await this.putIfAbsent(claim),
    };
  }

  /** Conditional: only this reservation's record, and only while no repeat adopted it. */
  async release(reservation: SendReservation): Promise<void> {
    if (!reservation.fresh) return;
    await conditionalCall('DeleteItem', () =>
      this.client.send(
        new DeleteCommand({
          TableName: this.options.table,
          Key: this.claimKey(reservation.room, reservation.userId, reservation.clientMsgId),
          ConditionExpression: 'messageId = :id AND attribute_not_exists(adopted)',
          ExpressionAttributeValues: { ':id': reservation.messageId },
        }),
      ),
    );
  }

  async append(
    message: Message,
    options: { attempt?: string; reservation?: SendReservation } = {},
  ): Promise<{ message: Message; created: boolean; pending: boolean }> {
    const attempt = options.attempt ?? randomUUID();
    let reservation = options.reservation ?? (await this.reserve(message));
    for (let tries = 1; ; tries += 1) {
      if (reservation.fresh) return this.writeMessage(message, attempt);
      const existing = await this.existing(message, attempt);
      if (existing !== 'released') return existing;
      // The record was given back by a refused attempt of this send after we found it: claim the key anew.
      if (tries >= MAX_APPEND_TRIES) {
        throw new StoreUnavailableError(
          `idempotency record of ${message.clientMsgId} in ${message.room} keeps changing`,
        );
      }
      reservation = await this.reserve(message);
    }
  }

  /**
   * A repeat of the send: the message stored under the claimed id, or, when the first attempt claimed the key but
   * has not written it (it died, or is still on its way), the message written by this repeat under the claimed id
   * and time. 'released' when the record is gone (a refused attempt gave it back, or TTL).
   */
  private async existing(
    message: Message,
    attempt: string,
  ): Promise<{ message: Message; created: boolean; pending: boolean } | 'released'> {
    const key = this.claimKey(message.room, message.sender.userId, message.clientMsgId);
    const claim = await this.get<IdempotencyItem>(message.room, key.sk);
    if (claim === undefined) return 'released';
    const original = await this.get<MessageItem>(message.room, messageSk(claim.messageId));
    if (original !== undefined)
      return { message: toMessage(original), created: false, pending: original.pending !== undefined };
    const adopted = await conditionalCall('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: key,
          UpdateExpression: 'SET adopted = :yes',
          ConditionExpression: 'messageId = :id',
          ExpressionAttributeValues: { ':yes': true, ':id': claim.messageId },
        }),
      ),
    );
    if (!adopted.ok) return 'released';
    return this.writeMessage({ ...message, id: claim.messageId, ts: claim.ts }, attempt);
  }

  async page(room: string, options: { before?: string; limit: number; maxBytes?: number }): Promise<HistoryPage> {
    const wanted = options.limit + 1; // one extra tells whether there is more
    const newestFirst: MessageItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    let bytes = 0;
    const full = () => newestFirst.length >= wanted || (options.maxBytes !== undefined && bytes > options.maxBytes);
    // A Query returns at most 1 MB, fewer than `wanted` long messages, so keep reading until satisfied.
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html
    do {
      const out = await storeCall('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.options.table,
            KeyConditionExpression: '#room = :r AND sk < :hi',
            ExpressionAttributeNames: { '#room': 'room' },
            ExpressionAttributeValues: {
              ':r': room,
              ':hi': options.before !== undefined ? messageSk(options.before) : MESSAGES_END,
            },
            ScanIndexForward: false,
            ConsistentRead: true,
            // Bounded by bytes, read a few at a time: a frame holds only a few long messages.
            Limit: Math.min(wanted - newestFirst.length, options.maxBytes !== undefined ? BYTE_BOUNDED_READ : wanted),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of (out.Items ?? []) as MessageItem[]) {
        if (full()) break;
        newestFirst.push(item);
        bytes += bytesOf(toMessage(item));
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined && !full());
    return {
      messages: newestFirst.slice(0, options.limit).reverse().map(toMessage),
      // Stopped by bytes, there may be more: the caller cannot show even what it got in one frame.
      hasMore: newestFirst.length > options.limit || (options.maxBytes !== undefined && bytes > options.maxBytes),
    };
  }

  /** Writes the message unless its item exists; an existing one is a concurrent attempt of the same send. */
  private async writeMessage(
    message: Message,
    attempt: string,
  ): Promise<{ message: Message; created: boolean; pending: boolean }> {
    const item: MessageItem = {
      room: message.room,
      sk: messageSk(message.id),
      id: message.id,
      ts: message.ts,
      userId: message.sender.userId,
      name: message.sender.name,
      text: message.text,
      clientMsgId: message.clientMsgId,
      writeToken: randomUUID(),
      pending: this.clock.now(),
      pendingBy: attempt,
      ttl: this.ttl(),
    };
    if (await this.putIfAbsent(item)) return { message: toMessage(item), created: true, pending: true };
    const stored = await this.get<MessageItem>(message.room, item.sk);
    if (stored === undefined || stored.userId !== message.sender.userId || stored.clientMsgId !== message.clientMsgId) {
      throw new StoreUnavailableError(`message id ${message.id} in room ${message.room} is taken by another message`);
    }
    return { message: toMessage(stored), created: false, pending: stored.pending !== undefined };
  }

  /**
   * A failed condition is told apart by one read, on this rare path only: the mark already ours (the SDK repeated
   * our write after losing its response), gone ('delivered'), or held by a live attempt ('running').
   */
  async claimRedelivery(
    room: string,
    messageId: string,
    staleAfterMs: number,
    attempt: string,
  ): Promise<'claimed' | 'running' | 'delivered'> {
    const now = this.clock.now();
    const values = { ':now': now, ':stale': now - staleAfterMs, ':by': attempt };
    if (await this.updateMark(room, messageId, 'SET pending = :now, pendingBy = :by', 'pending <= :stale', values))
      return 'claimed';
    const item = await this.get<MessageItem>(room, messageSk(messageId));
    if (item?.pending === undefined) return 'delivered';
    return item.pendingBy === attempt ? 'claimed' : 'running';
  }

  async renewDelivery(room: string, messageId: string, attempt: string): Promise<boolean> {
    const values = { ':now': this.clock.now(), ':by': attempt };
    if (await this.updateMark(room, messageId, 'SET pending = :now', 'pendingBy = :by', values)) return true;
    const item = await this.get<MessageItem>(room, messageSk(messageId));
    return item?.pending !== undefined && item.pendingBy === attempt;
  }

  async markFailed(room: string, messageId: string, attempt: string): Promise<void> {
    await this.updateMark(room, messageId, 'SET pending = :zero', 'pendingBy = :by', { ':zero': 0, ':by': attempt });
  }

  /** Conditional, so marking a message that expired meanwhile does not create a stub item. */
  async markDelivered(room: string, messageId: string): Promise<void> {
    await this.updateMark(room, messageId, 'REMOVE pending, pendingBy', 'attribute_exists(sk)');
  }

  /** One conditional update of the outbox mark; false when its condition failed. */
  private async updateMark(
    room: string,
    messageId: string,
    update: string,
    condition: string,
    values?: Record<string, number | string>,
  ): Promise<boolean> {
    const updated = await conditionalCall('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { room, sk: messageSk(messageId) },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return updated.ok;
  }

  /** Messages and their idempotency records expire together, retentionDays from now. */
  private ttl(): number {
    return Math.floor(this.clock.now() / 1000) + this.options.retentionDays * 86_400;
  }

  private claimKey(room: string, userId: string, clientMsgId: string): { room: string; sk: string } {
    return { room, sk: idempotencySk(userId, clientMsgId) };
  }

  private putIfAbsent(item: MessageItem | IdempotencyItem): Promise<boolean> {
    return putIfAbsent(this.client, this.options.table, item);
  }

  private get<T>(room: string, sk: string): Promise<T | undefined> {
    return getItem<T>(this.client, this.options.table, room, sk);
  }
}
