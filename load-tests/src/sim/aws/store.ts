import type { ConnectionStore, Membership, RoomInfo } from '@chat/backend/domain';
import { draw, type Random, type Spread } from '../random.js';
import type { VirtualScheduler } from '../scheduler.js';
import type { Container } from './lambda.js';
import type { UsageMeter } from './usage.js';

export interface RoomModelOptions {
  name: string;
  members: number;
  shardSize: number;
  /** Members whose socket is gone: API Gateway answers 410 to a post. */
  gone: ReadonlySet<number>;
}

/**
 * The room's memberships as the store holds them: member i joined i-th, sits in shard floor(i / shardSize)
 * and has connection id `c<i>`. Removals mark slots, so a Query page cursor (an index) stays valid.
 */
export class RoomModel {
  readonly name: string;
  readonly size: number;
  readonly shardSize: number;
  readonly shards: number;
  readonly gone: ReadonlySet<number>;
  private readonly memberships: Uint8Array;
  private readonly connections: Uint8Array;
  private count: number;

  constructor(options: RoomModelOptions) {
    this.name = options.name;
    this.size = options.members;
    this.shardSize = options.shardSize;
    this.shards = Math.max(1, Math.ceil(options.members / options.shardSize));
    this.gone = options.gone;
    this.memberships = new Uint8Array(options.members).fill(1);
    this.connections = new Uint8Array(options.members).fill(1);
    this.count = options.members;
  }

  static connectionId = (member: number): string => `c${member}`;

  /** The member index of a connection id of this model, or -1. */
  static memberOf(connectionId: string): number {
    const n = /^c(\d+)$/.exec(connectionId);
    return n ? Number(n[1]) : -1;
  }

  info(): RoomInfo {
    return { members: this.count, shards: this.shards };
  }

  get memberCount(): number {
    return this.count;
  }

  isMember(member: number): boolean {
    return this.memberships[member] === 1;
  }

  hasConnection(member: number): boolean {
    return this.connections[member] === 1;
  }

  membership(member: number): Membership {
    return {
      room: this.name,
      connectionId: RoomModel.connectionId(member),
      user: { userId: `u${member}`, name: `user ${member}` },
      joinedAt: member,
      shard: Math.floor(member / this.shardSize),
    };
  }

  /** Up to `limit` members of `shard` from slot `cursor` on; `next` is undefined on the last page. */
  page(shard: number, cursor: number, limit: number): { items: Membership[]; next: number | undefined } {
    const end = Math.min(this.size, (shard + 1) * this.shardSize);
    const items: Membership[] = [];
    let i = Math.max(cursor, shard * this.shardSize);
    for (; i < end && items.length < limit; i += 1) if (this.memberships[i] === 1) items.push(this.membership(i));
    return { items, next: i < end ? i : undefined };
  }

  removeMembership(member: number): boolean {
    if (this.memberships[member] !== 1) return false;
    this.memberships[member] = 0;
    this.count -= 1;
    return true;
  }

  removeConnection(member: number): boolean {
    if (this.connections[member] !== 1) return false;
    this.connections[member] = 0;
    this.removeMembership(member);
    return true;
  }
}

/** DynamoDB's page limit (1 MB) holds about 1,000 membership items. */
export const QUERY_PAGE_ITEMS = 1000;

export interface ServiceTimes {
  /** Full-core CPU microseconds of one SDK call (Query, delete, Invoke) on the calling container. */
  sdkCallCpuUs: number;
  /** Full-core CPU microseconds of one post (the signed post path). */
  postCpuUs: number;
  postLatency: Spread;
  queryLatency: Spread;
  writeLatency: Spread;
}

const notModelled = (what: string): Promise<never> =>
  Promise.reject(new Error(`ConnectionStore.${what} is not modelled by the simulator`));

/**
 * The DynamoDB connection store as one container sees it: each call costs that container's CPU and a round trip,
 * and the room's meter counts it (the room read and the membership check as one GetItem each).
 */
export class SimConnectionStore implements ConnectionStore {
  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly container: Container,
    private readonly room_: RoomModel,
    private readonly times: ServiceTimes,
    private readonly random: Random,
    private readonly usage: UsageMeter,
  ) {}

  private async call(latency: Spread): Promise<void> {
    await this.container.compute(this.times.sdkCallCpuUs);
    await this.scheduler.sleep(draw(this.random, latency));
  }

  private check(room: string): void {
    if (room !== this.room_.name) throw new Error(`this store models room "${this.room_.name}", not "${room}"`);
  }

  async room(room: string): Promise<RoomInfo> {
    this.check(room);
    this.usage.getItem();
    await this.call(this.times.queryLatency);
    return this.room_.info();
  }

  async *members(
    room: string,
    options: { pageSize?: number; shard?: number; shards?: number } = {},
  ): AsyncIterable<Membership[]> {
    this.check(room);
    const limit = Math.min(options.pageSize ?? QUERY_PAGE_ITEMS, QUERY_PAGE_ITEMS);
    const shards =
      options.shard !== undefined
        ? [options.shard]
        : Array.from({ length: options.shards ?? (await this.room(room)).shards }, (_, s) => s);
    for (const shard of shards) {
      let cursor: number | undefined = 0;
      while (cursor !== undefined) {
        await this.call(this.times.queryLatency);
        const page = this.room_.page(shard, cursor, limit);
        this.usage.query(page.items.length);
        cursor = page.next;
        yield page.items;
      }
    }
  }

  async removeConnection(connectionId: string): Promise<string[]> {
    this.usage.write();
    await this.call(this.times.writeLatency);
    return this.room_.removeConnection(RoomModel.memberOf(connectionId)) ? [this.room_.name] : [];
  }

  async removeMembership(room: string, connectionId: string): Promise<boolean> {
    this.check(room);
    this.usage.write();
    await this.call(this.times.writeLatency);
    return this.room_.removeMembership(RoomModel.memberOf(connectionId));
  }

  saveConnection(): Promise<void> {
    return notModelled('saveConnection');
  }
  getConnection(): Promise<never> {
    return notModelled('getConnection');
  }
  addMembership(): Promise<never> {
    return notModelled('addMembership');
  }
  async isMember(room: string, connectionId: string): Promise<boolean> {
    this.check(room);
    this.usage.getItem();
    await this.call(this.times.queryLatency);
    return this.room_.isMember(RoomModel.memberOf(connectionId));
  }
}
