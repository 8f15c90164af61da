import {
  ConnectionGoneError,
  ThrottledError,
  type ConnectionGateway,
  type ConnectionStore,
  type FanoutDispatcher,
  type FanoutJob,
  type Membership,
  type RoomInfo,
  TokenBucket,
} from '@chat/backend/domain';
import type { ServerFrame } from '@chat/backend/protocol';

export { TokenBucket };
import { draw, type Random, type Spread } from './random.js';
import type { VirtualScheduler } from './scheduler.js';

/**
 * Lambda allocates CPU in proportion to memory: one full vCPU at 1,769 MB.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
 * A Node.js handler runs on one thread, so more memory than that adds no speed to it.
 */
export const FULL_CORE_MB = 1769;

export const cpuShare = (memoryMb: number): number => Math.min(1, memoryMb / FULL_CORE_MB);

/**
 * One Lambda execution environment. Its CPU is a serial FIFO resource: every SDK call spends `costUs` of a
 * full core (stretched by the memory's CPU share) before its request leaves, so a container cannot issue
 * calls faster than its CPU allows however high the domain's concurrency is.
 */
export class Container {
  private freeAt = 0;
  busyMs = 0;

  constructor(
    private readonly scheduler: VirtualScheduler,
    readonly share: number,
  ) {}

  /** Waits for the CPU, then spends `costUs` of full-core time on it. */
  compute(costUs: number): Promise<void> {
    const cost = costUs / 1000 / this.share;
    this.freeAt = Math.max(this.scheduler.now(), this.freeAt) + cost;
    this.busyMs += cost;
    return this.scheduler.until(this.freeAt);
  }
}

/** What every post did, across all containers; read once the run is over. */
export class PostLedger {
  attempts = 0;
  admitted = 0;
  throttled = 0;
  goneAnswers = 0;
  duplicates = 0;
  inFlight = 0;
  peakInFlight = 0;
  firstAdmitMs = Number.NaN;
  lastAdmitMs = Number.NaN;
  /** Virtual time each member received the message; NaN until it does. */
  readonly deliveredAt: Float64Array;
  /** Attempts per member so far (saturating at 255). */
  private readonly attempted: Uint8Array;
  private retried = 0;
  private most = 0;

  constructor(members: number) {
    this.deliveredAt = new Float64Array(members).fill(Number.NaN);
    this.attempted = new Uint8Array(members);
  }

  /** Attempts after a member's first. */
  get retries(): number {
    return this.retried;
  }

  /** The most attempts any one member needed: how close the run came to RetryPolicy.maxAttempts. */
  get mostAttempts(): number {
    return this.most;
  }

  begin(member: number): void {
    this.attempts += 1;
    const before = this.attempted[member] as number;
    if (before > 0) this.retried += 1;
    if (before < 255) this.attempted[member] = before + 1;
    this.most = Math.max(this.most, before + 1);
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
  }

  admit(member: number, arrivalMs: number, receivedMs: number): void {
    this.admitted += 1;
    if (Number.isNaN(this.firstAdmitMs)) this.firstAdmitMs = arrivalMs;
    this.lastAdmitMs = arrivalMs;
    if (Number.isNaN(this.deliveredAt[member] as number)) this.deliveredAt[member] = receivedMs;
    else this.duplicates += 1;
  }
}

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
  /** Full-core CPU microseconds of one SDK call (post, Query, delete, Invoke) on the calling container. */
  sdkCallCpuUs: number;
  postLatency: Spread;
  queryLatency: Spread;
  writeLatency: Spread;
}

const notModelled = (what: string): Promise<never> => Promise.reject(new Error(`ConnectionStore.${what} is not modelled by the simulator`));

/** The DynamoDB connection store as one container sees it: each call costs that container's CPU and a round trip. */
export class SimConnectionStore implements ConnectionStore {
  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly container: Container,
    private readonly room_: RoomModel,
    private readonly times: ServiceTimes,
    private readonly random: Random,
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
    await this.call(this.times.queryLatency);
    return this.room_.info();
  }

  async *members(room: string, options: { pageSize?: number; shard?: number; shards?: number } = {}): AsyncIterable<Membership[]> {
    this.check(room);
    const limit = Math.min(options.pageSize ?? QUERY_PAGE_ITEMS, QUERY_PAGE_ITEMS);
    const shards =
      options.shard !== undefined ? [options.shard] : Array.from({ length: options.shards ?? (await this.room(room)).shards }, (_, s) => s);
    for (const shard of shards) {
      let cursor: number | undefined = 0;
      while (cursor !== undefined) {
        await this.call(this.times.queryLatency);
        const page = this.room_.page(shard, cursor, limit);
        cursor = page.next;
        yield page.items;
      }
    }
  }

  async removeConnection(connectionId: string): Promise<string[]> {
    await this.call(this.times.writeLatency);
    return this.room_.removeConnection(RoomModel.memberOf(connectionId)) ? [this.room_.name] : [];
  }

  async removeMembership(room: string, connectionId: string): Promise<boolean> {
    this.check(room);
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
    await this.call(this.times.queryLatency);
    return this.room_.isMember(RoomModel.memberOf(connectionId));
  }
}

/**
 * API Gateway's @connections API as one container sees it. A post spends the container's CPU, then travels
 * for half its round trip to API Gateway, where the account's token bucket admits it or answers 429
 * (ThrottledError, as the real adapter raises it). A gone connection answers 410 (ConnectionGoneError),
 * after taking a token: the request was processed. The answer comes back after the other half, and an
 * admitted message reaches its recipient at that same moment (API Gateway pushes it to the socket while
 * the 200 travels back to the Lambda).
 */
export class SimGateway implements ConnectionGateway {
  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly container: Container,
    private readonly room: RoomModel,
    private readonly bucket: TokenBucket,
    private readonly ledger: PostLedger,
    private readonly times: ServiceTimes,
    private readonly random: Random,
  ) {}

  async post(connectionId: string, _frame: ServerFrame): Promise<void> {
    const member = RoomModel.memberOf(connectionId);
    if (member < 0 || member >= this.room.size) throw new Error(`unknown connection ${connectionId}`);
    this.ledger.begin(member);
    try {
      await this.container.compute(this.times.sdkCallCpuUs);
      const half = draw(this.random, this.times.postLatency) / 2;
      await this.scheduler.sleep(half);
      const arrival = this.scheduler.now();
      const admitted = this.bucket.take(arrival);
      if (admitted && this.room.gone.has(member)) this.ledger.goneAnswers += 1;
      else if (admitted) this.ledger.admit(member, arrival, arrival + half);
      else this.ledger.throttled += 1;
      await this.scheduler.sleep(half);
      if (!admitted) throw new ThrottledError(connectionId);
      if (this.room.gone.has(member)) throw new ConnectionGoneError(connectionId);
    } finally {
      this.ledger.inFlight -= 1;
    }
  }

  close(): Promise<void> {
    return Promise.reject(new Error('ConnectionGateway.close is not modelled by the simulator'));
  }
}

/** The worker function's side of an asynchronous invocation. */
export type WorkerHandler = (job: FanoutJob, container: Container) => Promise<void>;

export interface LambdaModelOptions {
  /** Account concurrency: invocations beyond it wait in the async queue. */
  concurrency: number;
  /** Of it, held by the send Lambdas for the whole run (one per message sent). */
  reserved: number;
  asyncQueueDelay: Spread;
  coldStartMs: number;
  /** Chance that a worker needing a new execution environment pays the cold start. */
  coldFraction: number;
  workerShare: number;
}

/**
 * Lambda's asynchronous invocation path: an accepted event waits in the service's queue, then runs in an
 * idle execution environment of the worker function or a new one (cold with probability `coldFraction`),
 * once the account has concurrency to spare.
 */
export class LambdaModel {
  private running: number;
  private readonly waiting: Array<() => void> = [];
  private readonly idle: Container[] = [];
  active = 0;
  invocations = 0;
  containers = 0;
  cold = 0;
  /** Running invocations at most, the send Lambdas' reserved ones included. */
  peakConcurrent: number;
  maxDurationMs = 0;
  maxCpuMs = 0;
  lastDoneMs = 0;
  /** What worker invocations threw, with their job (so a run of several rooms can tell whose). */
  readonly errors: Array<{ job: FanoutJob; error: unknown }> = [];

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly options: LambdaModelOptions,
    private readonly random: Random,
    private readonly handler: WorkerHandler,
  ) {
    this.running = options.reserved;
    this.peakConcurrent = options.reserved;
  }

  /** Queues the event; the invocation runs on its own in virtual time. */
  invokeAsync(job: FanoutJob): void {
    this.active += 1;
    void this.invoke(job);
  }

  private async invoke(job: FanoutJob): Promise<void> {
    await this.scheduler.sleep(draw(this.random, this.options.asyncQueueDelay));
    await this.acquire();
    try {
      this.invocations += 1;
      let container = this.idle.pop();
      if (container === undefined) {
        container = new Container(this.scheduler, this.options.workerShare);
        this.containers += 1;
        if (this.random() < this.options.coldFraction) {
          this.cold += 1;
          await this.scheduler.sleep(this.options.coldStartMs);
        }
      }
      const start = this.scheduler.now();
      const cpuBefore = container.busyMs;
      try {
        await this.handler(job, container);
      } catch (error) {
        this.errors.push({ job, error });
      }
      this.maxDurationMs = Math.max(this.maxDurationMs, this.scheduler.now() - start);
      this.maxCpuMs = Math.max(this.maxCpuMs, container.busyMs - cpuBefore);
      this.idle.push(container);
    } finally {
      this.lastDoneMs = this.scheduler.now();
      this.release();
      this.active -= 1;
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < this.options.concurrency) this.running += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.peakConcurrent = Math.max(this.peakConcurrent, this.running);
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

/**
 * The send Lambda's FanoutDispatcher: a Lambda Invoke (InvocationType Event) costs its container's CPU and
 * a round trip; the event is accepted halfway, and the call resolves when the 202 is back.
 */
export class SimDispatcher implements FanoutDispatcher {
  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly container: Container,
    private readonly lambda: LambdaModel,
    private readonly sdkCallCpuUs: number,
    private readonly invokeLatency: Spread,
    private readonly random: Random,
  ) {}

  async dispatch(job: FanoutJob): Promise<void> {
    await this.container.compute(this.sdkCallCpuUs);
    const half = draw(this.random, this.invokeLatency) / 2;
    await this.scheduler.sleep(half);
    this.lambda.invokeAsync(job);
    await this.scheduler.sleep(half);
  }
}
