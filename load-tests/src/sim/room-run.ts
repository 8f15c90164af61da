import {
  deliver,
  emptyFanoutResult,
  fanOut,
  mergeResults,
  pacing,
  TokenBucket,
  type DeliveryDeps,
  type FanoutDeps,
  type FanoutJob,
  type FanoutResult,
} from '@chat/backend/domain';
import type { ServerFrame } from '@chat/backend/protocol';
import { PostLedger, SimGateway } from './aws/gateway.js';
import { Container, LambdaModel, SimDispatcher, cpuShare } from './aws/lambda.js';
import { RoomModel, SimConnectionStore, type ServiceTimes } from './aws/store.js';
import type { Contention, SimParams } from './params.js';
import { draw, seededRandom } from './random.js';
import { VirtualScheduler } from './scheduler.js';

/** The sender is each room's first member, and receives its own message like everybody else. */
const SENDER = RoomModel.connectionId(0);

const frameFor = (room: string): ServerFrame => ({
  type: 'message',
  room,
  id: '0000000000000-simulation',
  ts: 0,
  sender: { userId: 'u0', name: 'user 0' },
  text: 'hello, room',
  clientMsgId: 'sim-1',
});

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
  /** What its inline fan-out and its workers returned. */
  result: FanoutResult;
  workerErrors: unknown[];
  invocations: number;
  sendLambdaMs: number;
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

  constructor(
    private readonly params: SimParams,
    contention: Contention,
  ) {
    this.scheduler = new VirtualScheduler({ maxEvents: params.maxEvents, maxVirtualMs: params.maxVirtualMs });
    this.rng = randomStreams(params.seed);
    this.bucket = new TokenBucket(params.callbackRps, params.callbackBurst);
    this.times = {
      sdkCallCpuUs: params.postCpuUs,
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
      result: emptyFanoutResult(),
      workerErrors: [],
      invocations: 0,
      sendLambdaMs: 0,
    });
  }

  private roomOf(name: string): RoomRun {
    const room = this.rooms.get(name);
    if (room === undefined) throw new Error(`no simulated room "${name}"`);
    return room;
  }

  /** The store and gateway as `container` sees them, with the domain's fan-out settings. */
  private fanoutPorts(container: Container, room: RoomRun): FanoutDeps {
    const { scheduler, params, times, rng } = this;
    return {
      connections: new SimConnectionStore(scheduler, container, room.model, times, rng.store),
      gateway: new SimGateway(scheduler, container, room.model, this.bucket, room.ledger, times, rng.network),
      concurrency: params.concurrency,
      retry: params.retry,
      timers: scheduler,
      clock: scheduler,
      random: rng.backoff,
    };
  }

  /** The worker handler: ChatService.fanOutJob, which first claims the job (one conditional PutItem). */
  private async runWorker(job: FanoutJob, container: Container): Promise<void> {
    const room = this.roomOf(job.room);
    room.invocations += 1;
    await container.compute(this.params.postCpuUs);
    await this.scheduler.sleep(draw(this.rng.claims, this.params.writeLatency));
    const result = await fanOut(this.fanoutPorts(container, room), job.room, job.frame, {
      shard: job.shard,
      ...(job.exceptConnectionId !== undefined ? { exceptConnectionId: job.exceptConnectionId } : {}),
      ...pacing(job),
    });
    mergeResults(room.result, result);
  }

  /**
   * ChatService.send: the membership check, the message append (one write), the ack to the sender (one post,
   * taking a token), then the room read and delivery.
   */
  private async send(room: RoomRun): Promise<void> {
    const { scheduler, params } = this;
    const name = room.model.name;
    const container = room.sendContainer;
    const ports = this.fanoutPorts(container, room);
    const deps: DeliveryDeps = {
      ...ports,
      inlineMax: params.inlineMax,
      ...(params.rateBudget > 0 ? { callbackRateBudget: params.rateBudget } : {}),
      dispatcher: new SimDispatcher(
        scheduler,
        container,
        this.lambda,
        params.postCpuUs,
        params.invokeLatency,
        this.rng.lambda,
      ),
    };
    if (room.sentAtMs > 0) await scheduler.until(room.sentAtMs);
    if (!(await ports.connections.isMember(name, SENDER)))
      throw new Error('the simulated sender is not a member of the room');
    await container.compute(params.postCpuUs);
    await scheduler.sleep(draw(this.rng.store, params.writeLatency));
    await container.compute(params.postCpuUs);
    const half = draw(this.rng.network, params.postLatency) / 2;
    await scheduler.sleep(half);
    // Taken to be admitted (the model's one simplification of the ack); its token counts against the fan-out.
    this.bucket.take(scheduler.now());
    await scheduler.sleep(half);
    const info = await ports.connections.room(name);
    mergeResults(room.result, await deliver(deps, name, info, frameFor(name)));
    room.sendLambdaMs = scheduler.now() - room.sentAtMs;
  }
}

/** Runs one message to each room of `contention` in virtual time (see RoomsRun). */
export const runRooms = (params: SimParams, contention: Contention): Promise<Run> =>
  new RoomsRun(params, contention).run();
