import {
  ChatService,
  FanoutWorker,
  LIMITED_ACTIONS,
  TokenBucket,
  type ChatDeps,
  type ChatEvent,
  type FanoutJob,
  type FanoutResult,
} from '@chat/backend/domain';
import { PostLedger, SimGateway } from './aws/gateway.js';
import { SimCall, SimFanoutClaims, SimMessageStore, SimRateLimiter } from './aws/chat-stores.js';
import { Container, LambdaModel, SimDispatcher, cpuShare } from './aws/lambda.js';
import { RoomModel, SimConnectionStore, type ServiceTimes } from './aws/store.js';
import { UsageMeter } from './aws/usage.js';
import type { Contention, SimParams } from './params.js';
import { seededRandom } from './random.js';
import { VirtualScheduler } from './scheduler.js';

/** The sender is each room's first member, and receives its own message like everybody else. */
const SENDER = { connectionId: RoomModel.connectionId(0), user: { userId: 'u0', name: 'user 0' } };

/** The simulated sender is never rate limited (SimRateLimiter), whatever the limits say. */
const UNLIMITED = Object.fromEntries(
  LIMITED_ACTIONS.map((action) => [action, { perConnection: 1_000, perUser: 1_000, windowMs: 1_000 }]),
) as ChatDeps['limits']['rates'];

/** Picks round(members * fraction) distinct gone members (partial Fisher-Yates over indices). */
function pickGone(members: number, fraction: number, random: () => number): Set<number> {
  const count = Math.round(members * fraction);
  const picked = new Map<number, number>();
  const gone = new Set<number>();
  for (let i = 0; i < count; i += 1) {
    const j = i + Math.floor(random() * (members - i));
    gone.add(picked.get(j) ?? j);
    picked.set(j, picked.get(i) ?? i);
  }
  return gone;
}

/** One room's state during a run. */
export interface RoomRun {
  model: RoomModel;
  sentAtMs: number;
  ledger: PostLedger;
  /** Its send Lambda (inline fan-out, Invokes). */
  sendContainer: Container;
  /** Deliveries that failed (other than 410), inline or in a worker, as the chat's observer reported them. */
  failed: FanoutResult['failed'];
  workerErrors: unknown[];
  invocations: number;
  sendLambdaMs: number;
  /** Its worker invocations' durations as Lambda bills them (before rounding). */
  workerMs: number[];
  usage: UsageMeter;
}

/** What a run leaves behind for the results. */
export interface Run {
  rooms: RoomRun[];
  lambda: LambdaModel;
  events: number;
}

/** One PRNG stream per purpose, so a parameter that changes the number of draws of one kind leaves the others be. */
function randomStreams(seed: number) {
  return {
    setup: seededRandom(seed, 0),
    network: seededRandom(seed, 1),
    store: seededRandom(seed, 2),
    lambda: seededRandom(seed, 3),
    backoff: seededRandom(seed, 4),
    claims: seededRandom(seed, 5),
  };
}

/**
 * One message to each of `contention.rooms` rooms of `params.members`, the k-th sent at k x staggerMs: each
 * room has its own store items, ledger and send Lambda; all share the virtual clock, the PRNG streams, the
 * account's @connections token bucket and its Lambda concurrency (and the worker function's idle environments).
 */
class RoomsRun {
  private readonly scheduler: VirtualScheduler;
  private readonly rng: ReturnType<typeof randomStreams>;
  private readonly bucket: TokenBucket;
  private readonly times: ServiceTimes;
  private readonly rooms = new Map<string, RoomRun>();
  private readonly lambda: LambdaModel;
  /** The fan-out job claims of every room (the messages table's claim items). */
  private readonly claims = new Set<string>();

  constructor(
    private readonly params: SimParams,
    contention: Contention,
  ) {
    this.scheduler = new VirtualScheduler({ maxEvents: params.maxEvents, maxVirtualMs: params.maxVirtualMs });
    this.rng = randomStreams(params.seed);
    this.bucket = new TokenBucket(params.callbackRps, params.callbackBurst);
    this.times = {
      sdkCallCpuUs: params.sdkCallCpuUs,
      postCpuUs: params.postCpuUs,
      postLatency: params.postLatency,
      queryLatency: params.queryLatency,
      writeLatency: params.writeLatency,
    };
    for (let k = 0; k < contention.rooms; k += 1) this.addRoom(`sim-room-${k + 1}`, k * contention.staggerMs);
    this.lambda = new LambdaModel(
      this.scheduler,
      {
        concurrency: params.lambdaConcurrency,
        reserved: contention.rooms,
        asyncQueueDelay: params.asyncQueueDelay,
        coldStartMs: params.coldStartMs,
        coldFraction: params.coldFraction,
        workerShare: cpuShare(params.memoryMb),
      },
      this.rng.lambda,
      (job, container) => this.runWorker(job, container),
    );
  }

  /** Sends every room its message and waits for every invocation; a worker left running is a stall. */
  async run(): Promise<Run> {
    await this.scheduler.run(Promise.all([...this.rooms.values()].map((room) => this.send(room))));
    if (this.lambda.active > 0)
      throw new Error(`simulation stalled: ${this.lambda.active} worker invocations never finished`);
    for (const { job, error } of this.lambda.errors) this.roomOf(job.room).workerErrors.push(error);
    for (const { job, ms } of this.lambda.durations) this.roomOf(job.room).workerMs.push(ms);
    return { rooms: [...this.rooms.values()], lambda: this.lambda, events: this.scheduler.events };
  }

  private addRoom(name: string, sentAtMs: number): void {
    const { params, scheduler } = this;
    const gone = pickGone(params.members, params.goneFraction, this.rng.setup);
    const model = new RoomModel({ name, members: params.members, shardSize: params.shardSize, gone });
    this.rooms.set(name, {
      model,
      sentAtMs,
      ledger: new PostLedger(params.members),
      sendContainer: new Container(scheduler, cpuShare(params.sendMemoryMb)),
      failed: [],
      workerErrors: [],
      invocations: 0,
      sendLambdaMs: 0,
      workerMs: [],
      usage: new UsageMeter(),
    });
  }

  private roomOf(name: string): RoomRun {
    const room = this.rooms.get(name);
    if (room === undefined) throw new Error(`no simulated room "${name}"`);
    return room;
  }

  /**
   * The production chat's dependencies as `container` sees them: each store call and post costs that container's
   * CPU and a round trip, the claims are the run's, and the retry policy is the simulation's.
   */
  private chatDeps(container: Container, room: RoomRun): ChatDeps {
    const { scheduler, params, times, rng } = this;
    const call = (random: () => number) => new SimCall(scheduler, container, params.sdkCallCpuUs, random, room.usage);
    return {
      connections: new SimConnectionStore(scheduler, container, room.model, times, rng.store, room.usage),
      messages: new SimMessageStore(call(rng.store), params.writeLatency),
      claims: new SimFanoutClaims(call(rng.claims), params.writeLatency, this.claims),
      rateLimiter: new SimRateLimiter(call(rng.store), params.writeLatency),
      gateway: new SimGateway(
        scheduler,
        container,
        room.model,
        this.bucket,
        room.ledger,
        times,
        rng.network,
        room.usage,
      ),
      dispatcher: new SimDispatcher(
        scheduler,
        container,
        this.lambda,
        params.sdkCallCpuUs,
        params.invokeLatency,
        rng.lambda,
      ),
      clock: scheduler,
      timers: scheduler,
      random: rng.backoff,
      ids: { messageId: () => '0000000000000-simulation' },
      fanoutConcurrency: params.concurrency,
      fanoutInlineMax: params.inlineMax,
      ...(params.rateBudget > 0 ? { callbackRateBudget: params.rateBudget } : {}),
      retry: params.retry,
      workerRetry: params.retry,
      limits: { rates: UNLIMITED, roomsPerConnection: 1, ephemeralMaxMembers: params.ephemeralMaxMembers },
      observer: { observe: (event) => this.observe(room, event) },
    };
  }

  /** The fan-out worker handler: the production FanoutWorker, which first claims its job. */
  private async runWorker(job: FanoutJob, container: Container): Promise<void> {
    const room = this.roomOf(job.room);
    room.invocations += 1;
    await new FanoutWorker(this.chatDeps(container, room)).run(job);
  }

  /** The send handler: the production ChatService.send, from the rate limits to the fan-out and its outbox mark. */
  private async send(room: RoomRun): Promise<void> {
    const { scheduler } = this;
    const name = room.model.name;
    if (room.sentAtMs > 0) await scheduler.until(room.sentAtMs);
    const chat = new ChatService(this.chatDeps(room.sendContainer, room));
    const frame = { action: 'send', room: name, text: 'hello, room', clientMsgId: 'sim-1' } as const;
    room.usage.frame('in', frame);
    await chat.send(SENDER, frame, scheduler.now());
    room.sendLambdaMs = scheduler.now() - room.sentAtMs;
  }

  private observe(room: RoomRun, event: ChatEvent): void {
    if (event.type === 'fanoutProblems') room.failed.push(...event.result.failed);
  }
}

/** Runs one message to each room of `contention` in virtual time (see RoomsRun). */
export const runRooms = (params: SimParams, contention: Contention): Promise<Run> =>
  new RoomsRun(params, contention).run();
