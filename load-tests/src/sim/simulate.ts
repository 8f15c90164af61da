import {
  WORKER_RETRY,
  deliver,
  emptyFanoutResult,
  fanOut,
  mergeResults,
  pacing,
  type DeliveryDeps,
  type FanoutJob,
  type FanoutResult,
  type RetryPolicy,
} from '@chat/backend/domain';
import type { ServerFrame } from '@chat/backend/protocol';
import { newHistogram, recordMs, summarize, type LatencySummary } from '../stats.js';
import {
  Container,
  LambdaModel,
  PostLedger,
  RoomModel,
  SimConnectionStore,
  SimDispatcher,
  SimGateway,
  TokenBucket,
  cpuShare,
  type ServiceTimes,
} from './aws-model.js';
import { draw, seededRandom, type Spread } from './random.js';
import { VirtualScheduler } from './scheduler.js';

/** Everything a run depends on; the same parameters (seed included) give the same result. */
export interface SimParams {
  /** Connections in the room; the sender is one of them and receives its own message, as in the send Lambda. */
  members: number;
  /** Share of members whose socket is gone (410), removed by fan-out. */
  goneFraction: number;
  /** Account-wide @connections quota (API Gateway's account throttle: 10,000 rps, burst 5,000 by default). */
  callbackRps: number;
  callbackBurst: number;
  /** Round trip of one PostToConnection from a Lambda in the region. */
  postLatency: Spread;
  /** Full-core CPU of one SDK v3 call (measured for PostToConnection); every SDK call is charged the same. */
  postCpuUs: number;
  /** Memberships per shard (store); one worker job per shard. */
  shardSize: number;
  /** Rooms up to this many members are fanned out by the send Lambda itself. */
  inlineMax: number;
  /** FanoutDeps.concurrency: posts in flight per fan-out, and Invoke calls in flight in the send Lambda. */
  concurrency: number;
  /** DeliveryDeps.callbackRateBudget (posts/s shared out as the workers' pace); 0 = unpaced. */
  rateBudget: number;
  /** Fan-out worker memory; its CPU share is memory / 1,769 MB. */
  memoryMb: number;
  /** Send Lambda memory (serverless.yml). */
  sendMemoryMb: number;
  /** Round trip of one asynchronous Lambda Invoke. */
  invokeLatency: Spread;
  /** From an accepted async event to a worker starting it. */
  asyncQueueDelay: Spread;
  coldStartMs: number;
  coldFraction: number;
  /** One DynamoDB Query page (also the send Lambda's room read). */
  queryLatency: Spread;
  /** One DynamoDB delete (410 cleanup). */
  writeLatency: Spread;
  /** Lambda account concurrency. */
  lambdaConcurrency: number;
  retry: RetryPolicy;
  seed: number;
  /** Run bounds: a run past them is an error, not a result. */
  maxEvents: number;
  maxVirtualMs: number;
}

export const DEFAULT_PARAMS: SimParams = {
  members: 10_000,
  goneFraction: 0,
  callbackRps: 10_000,
  callbackBurst: 5_000,
  postLatency: { meanMs: 20, jitterMs: 10 },
  postCpuUs: 420,
  shardSize: 500,
  inlineMax: 500,
  concurrency: 64,
  rateBudget: 10_000,
  memoryMb: 1024,
  sendMemoryMb: 512,
  invokeLatency: { meanMs: 15, jitterMs: 5 },
  asyncQueueDelay: { meanMs: 30, jitterMs: 20 },
  coldStartMs: 300,
  coldFraction: 0,
  queryLatency: { meanMs: 10, jitterMs: 5 },
  writeLatency: { meanMs: 8, jitterMs: 4 },
  lambdaConcurrency: 1000,
  // The fan-out workers' policy (ChatService.fanOutJob); it also covers the send Lambda's few calls here.
  retry: WORKER_RETRY,
  seed: 1,
  maxEvents: 50_000_000,
  maxVirtualMs: 15 * 60_000,
};

export interface SimResult {
  params: SimParams;
  /** Virtual ms from the send Lambda starting (room read) to the last recipient receiving the message; null if nobody did. */
  timeToLastRecipientMs: number | null;
  /** Per recipient: ms from the send Lambda starting to receiving the message. */
  deliveryMs: LatencySummary;
  delivered: number;
  /** Members whose connection is alive. */
  expected: number;
  /** Members that received the message twice (must stay 0). */
  duplicates: number;
  /** Post attempts, 429 answers, and attempts after a member's first. */
  attempts: number;
  throttled: number;
  retries: number;
  /** Deliveries given up (FanoutResult.failed, all fan-outs) and errors thrown by worker invocations. */
  failures: number;
  workerErrors: string[];
  /** 410 answers, and members still in the store afterwards (gone ones should be removed). */
  goneAnswers: number;
  membersLeft: number;
  /** Whether the room went to workers, and how they ran. */
  dispatched: boolean;
  workers: { invocations: number; cold: number; peakConcurrent: number; maxDurationMs: number; maxCpuMs: number };
  /** The send Lambda's own time (room read, dispatch or inline fan-out). */
  sendLambdaMs: number;
  /** When the last invocation ended. */
  lastWorkerDoneMs: number;
  peakInFlightPosts: number;
  /** Admitted posts a second from the first admission to the last; null with fewer than two. */
  achievedPostsPerSecond: number | null;
  /** Lower bound the quota alone sets on the last admission: (admitted - burst) / rps. */
  quotaFloorMs: number;
  events: number;
  wallMs: number;
}

/** Several rooms, each sent one message, sharing the account's quota and Lambda concurrency. */
export interface Contention {
  /** Rooms of `params.members` members each. */
  rooms: number;
  /** Virtual ms between one room's send and the next (0: all at the same moment). */
  staggerMs: number;
}

/** One room of a run with several: its numbers, times measured from its own send. */
export interface RoomOutcome {
  room: string;
  /** When its send Lambda started (k x staggerMs). */
  sentAtMs: number;
  /** From its send to its last recipient; null if nobody got the message. */
  timeToLastRecipientMs: number | null;
  deliveryMs: LatencySummary;
  delivered: number;
  expected: number;
  duplicates: number;
  attempts: number;
  throttled: number;
  retries: number;
  /** The most attempts one of its members needed (RetryPolicy.maxAttempts gives up). */
  mostAttempts: number;
  failures: number;
  workerErrors: string[];
  goneAnswers: number;
  membersLeft: number;
  /** Worker invocations of its jobs. */
  workers: number;
  /** Its send Lambda's own time. */
  sendLambdaMs: number;
}

/** A run of several rooms at once: each room, and the account as a whole. */
export interface ContentionResult {
  params: SimParams;
  contention: Contention;
  rooms: RoomOutcome[];
  /** Virtual ms from the first send to the last recipient of all rooms; null if nobody got a message. */
  lastRecipientMs: number | null;
  delivered: number;
  expected: number;
  /** Live members that never got their room's message (expected - delivered, summed). */
  lost: number;
  duplicates: number;
  attempts: number;
  throttled: number;
  retries: number;
  mostAttempts: number;
  failures: number;
  goneAnswers: number;
  /** Posts that took a token (admitted, or answered 410), all rooms; the ack to each sender not counted. */
  posts: number;
  /** Admitted posts a second, all rooms, from the first admission to the last. */
  achievedPostsPerSecond: number | null;
  /** Lower bound the one quota sets on the last admission of all rooms: (posts of all rooms - burst) / rps. */
  quotaFloorMs: number;
  /** Worker invocations of all rooms; peakConcurrent excludes the send Lambdas. */
  workers: { invocations: number; cold: number; peakConcurrent: number; maxDurationMs: number; maxCpuMs: number };
  events: number;
  wallMs: number;
}

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
interface RoomRun {
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
interface Run {
  rooms: RoomRun[];
  lambda: LambdaModel;
  events: number;
}

/**
 * Runs one message to each of `contention.rooms` rooms of `params.members`, the k-th sent at k x staggerMs:
 * each room has its own store items, ledger and send Lambda; all share the virtual clock, the PRNG streams,
 * the account's @connections token bucket and its Lambda concurrency (and the worker function's idle
 * environments).
 */
async function runRooms(params: SimParams, contention: Contention): Promise<Run> {
  const scheduler = new VirtualScheduler({ maxEvents: params.maxEvents, maxVirtualMs: params.maxVirtualMs });
  // One stream per purpose, so a parameter that changes the number of draws of one kind leaves the others be.
  const rng = {
    setup: seededRandom(params.seed, 0),
    network: seededRandom(params.seed, 1),
    store: seededRandom(params.seed, 2),
    lambda: seededRandom(params.seed, 3),
    backoff: seededRandom(params.seed, 4),
    claims: seededRandom(params.seed, 5),
  };
  const bucket = new TokenBucket(params.callbackRps, params.callbackBurst);
  const times: ServiceTimes = {
    sdkCallCpuUs: params.postCpuUs,
    postLatency: params.postLatency,
    queryLatency: params.queryLatency,
    writeLatency: params.writeLatency,
  };
  const rooms = new Map<string, RoomRun>();
  for (let k = 0; k < contention.rooms; k += 1) {
    const model = new RoomModel({
      name: `sim-room-${k + 1}`,
      members: params.members,
      shardSize: params.shardSize,
      gone: pickGone(params.members, params.goneFraction, rng.setup),
    });
    rooms.set(model.name, {
      model,
      sentAtMs: k * contention.staggerMs,
      ledger: new PostLedger(params.members),
      sendContainer: new Container(scheduler, cpuShare(params.sendMemoryMb)),
      result: emptyFanoutResult(),
      workerErrors: [],
      invocations: 0,
      sendLambdaMs: 0,
    });
  }
  const fanoutPorts = (container: Container, room: RoomRun) => ({
    connections: new SimConnectionStore(scheduler, container, room.model, times, rng.store),
    gateway: new SimGateway(scheduler, container, room.model, bucket, room.ledger, times, rng.network),
    concurrency: params.concurrency,
    retry: params.retry,
    timers: scheduler,
    clock: scheduler,
    random: rng.backoff,
  });
  const roomOf = (name: string): RoomRun => {
    const room = rooms.get(name);
    if (room === undefined) throw new Error(`no simulated room "${name}"`);
    return room;
  };

  const lambda = new LambdaModel(
    scheduler,
    {
      concurrency: params.lambdaConcurrency,
      reserved: contention.rooms,
      asyncQueueDelay: params.asyncQueueDelay,
      coldStartMs: params.coldStartMs,
      coldFraction: params.coldFraction,
      workerShare: cpuShare(params.memoryMb),
    },
    rng.lambda,
    async (job: FanoutJob, container: Container) => {
      // The worker handler: ChatService.fanOutJob, which first claims the job (one conditional PutItem).
      const room = roomOf(job.room);
      room.invocations += 1;
      await container.compute(params.postCpuUs);
      await scheduler.sleep(draw(rng.claims, params.writeLatency));
      const result = await fanOut(fanoutPorts(container, room), job.room, job.frame, {
        shard: job.shard,
        ...(job.exceptConnectionId !== undefined ? { exceptConnectionId: job.exceptConnectionId } : {}),
        ...pacing(job),
      });
      mergeResults(room.result, result);
    },
  );

  const send = async (room: RoomRun): Promise<void> => {
    const name = room.model.name;
    const container = room.sendContainer;
    const ports = fanoutPorts(container, room);
    const deps: DeliveryDeps = {
      ...ports,
      inlineMax: params.inlineMax,
      ...(params.rateBudget > 0 ? { callbackRateBudget: params.rateBudget } : {}),
      dispatcher: new SimDispatcher(scheduler, container, lambda, params.postCpuUs, params.invokeLatency, rng.lambda),
    };
    if (room.sentAtMs > 0) await scheduler.until(room.sentAtMs);
    // ChatService.send: the membership check, the message append (one write), the ack to the sender (one post,
    // taking a token), then the room read and delivery.
    if (!(await ports.connections.isMember(name, SENDER))) throw new Error('the simulated sender is not a member of the room');
    await container.compute(params.postCpuUs);
    await scheduler.sleep(draw(rng.store, params.writeLatency));
    await container.compute(params.postCpuUs);
    const half = draw(rng.network, params.postLatency) / 2;
    await scheduler.sleep(half);
    // Taken to be admitted (the model's one simplification of the ack); its token counts against the fan-out.
    bucket.take(scheduler.now());
    await scheduler.sleep(half);
    const info = await ports.connections.room(name);
    mergeResults(room.result, await deliver(deps, name, info, frameFor(name)));
    room.sendLambdaMs = scheduler.now() - room.sentAtMs;
  };
  await scheduler.run(Promise.all([...rooms.values()].map(send)));
  if (lambda.active > 0) throw new Error(`simulation stalled: ${lambda.active} worker invocations never finished`);
  for (const { job, error } of lambda.errors) roomOf(job.room).workerErrors.push(error);
  return { rooms: [...rooms.values()], lambda, events: scheduler.events };
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A room's deliveries, timed from its own send. */
function outcomeOf(room: RoomRun): RoomOutcome {
  const { ledger, model } = room;
  const histogram = newHistogram();
  let last = Number.NEGATIVE_INFINITY;
  for (const at of ledger.deliveredAt) {
    if (Number.isNaN(at)) continue;
    recordMs(histogram, at - room.sentAtMs);
    last = Math.max(last, at - room.sentAtMs);
  }
  const delivered = histogram.totalCount;
  let membersLeft = 0;
  for (let i = 0; i < model.size; i += 1) if (model.isMember(i)) membersLeft += 1;
  return {
    room: model.name,
    sentAtMs: room.sentAtMs,
    timeToLastRecipientMs: delivered > 0 ? last : null,
    deliveryMs: summarize(histogram),
    delivered,
    expected: model.size - model.gone.size,
    duplicates: ledger.duplicates,
    attempts: ledger.attempts,
    throttled: ledger.throttled,
    retries: ledger.retries,
    mostAttempts: ledger.mostAttempts,
    failures: room.result.failed.length + room.workerErrors.length,
    workerErrors: room.workerErrors.map(message),
    goneAnswers: ledger.goneAnswers,
    membersLeft,
    workers: room.invocations,
    sendLambdaMs: room.sendLambdaMs,
  };
}

/** Admitted posts a second between the first admission and the last of these ledgers; null with fewer than two. */
function admittedRate(ledgers: PostLedger[]): number | null {
  const admitted = ledgers.reduce((n, l) => n + l.admitted, 0);
  const withAdmissions = ledgers.filter((l) => l.admitted > 0);
  const span = Math.max(...withAdmissions.map((l) => l.lastAdmitMs)) - Math.min(...withAdmissions.map((l) => l.firstAdmitMs));
  return admitted >= 2 && span > 0 ? ((admitted - 1) * 1000) / span : null;
}

/** (posts that took a token - burst) / rps: no scheduling can admit the last of them sooner. */
const quotaFloorMs = (params: SimParams, ledgers: PostLedger[]): number =>
  (Math.max(0, ledgers.reduce((n, l) => n + l.admitted + l.goneAnswers, 0) - params.callbackBurst) * 1000) / params.callbackRps;

const workerStats = (lambda: LambdaModel, reserved: number) => ({
  invocations: lambda.invocations,
  cold: lambda.cold,
  peakConcurrent: lambda.invocations > 0 ? lambda.peakConcurrent - reserved : 0,
  maxDurationMs: lambda.maxDurationMs,
  maxCpuMs: lambda.maxCpuMs,
});

/**
 * Simulates one message sent to a room of `params.members`, running the domain's own deliver() in the send
 * Lambda and fanOut({ shard }) in each worker against the modelled services, in virtual time.
 */
export async function simulate(params: SimParams): Promise<SimResult> {
  const wallStart = performance.now();
  const { rooms, lambda, events } = await runRooms(params, { rooms: 1, staggerMs: 0 });
  const room = rooms[0] as RoomRun;
  const o = outcomeOf(room);
  return {
    params,
    timeToLastRecipientMs: o.timeToLastRecipientMs,
    deliveryMs: o.deliveryMs,
    delivered: o.delivered,
    expected: o.expected,
    duplicates: o.duplicates,
    attempts: o.attempts,
    throttled: o.throttled,
    retries: o.retries,
    failures: o.failures,
    workerErrors: o.workerErrors,
    goneAnswers: o.goneAnswers,
    membersLeft: o.membersLeft,
    dispatched: lambda.invocations > 0,
    workers: workerStats(lambda, 1),
    sendLambdaMs: o.sendLambdaMs,
    lastWorkerDoneMs: lambda.lastDoneMs,
    peakInFlightPosts: room.ledger.peakInFlight,
    achievedPostsPerSecond: admittedRate([room.ledger]),
    quotaFloorMs: quotaFloorMs(params, [room.ledger]),
    events,
    wallMs: performance.now() - wallStart,
  };
}

/**
 * Simulates `contention.rooms` rooms of `params.members` each receiving one message, sent `staggerMs` apart:
 * each room's send Lambda runs deliver() as in `simulate`, and every worker of every room draws on the one
 * account quota and Lambda concurrency. `send` paces each room's workers at the whole CALLBACK_RATE_BUDGET
 * (it cannot see the other rooms), so together they ask for a multiple of the quota and the bucket answers 429s.
 */
export async function simulateContention(params: SimParams, contention: Contention): Promise<ContentionResult> {
  if (!Number.isInteger(contention.rooms) || contention.rooms < 1) throw new RangeError('contention.rooms must be a positive integer');
  if (!(contention.staggerMs >= 0)) throw new RangeError('contention.staggerMs must be >= 0');
  const wallStart = performance.now();
  const { rooms, lambda, events } = await runRooms(params, contention);
  const outcomes = rooms.map(outcomeOf);
  const ledgers = rooms.map((r) => r.ledger);
  const sum = (key: 'delivered' | 'expected' | 'duplicates' | 'attempts' | 'throttled' | 'retries' | 'failures' | 'goneAnswers'): number =>
    outcomes.reduce((n, o) => n + o[key], 0);
  const lasts = outcomes.flatMap((o) => (o.timeToLastRecipientMs === null ? [] : [o.sentAtMs + o.timeToLastRecipientMs]));
  return {
    params,
    contention,
    rooms: outcomes,
    lastRecipientMs: lasts.length > 0 ? Math.max(...lasts) : null,
    delivered: sum('delivered'),
    expected: sum('expected'),
    lost: sum('expected') - sum('delivered'),
    duplicates: sum('duplicates'),
    attempts: sum('attempts'),
    throttled: sum('throttled'),
    retries: sum('retries'),
    mostAttempts: Math.max(...outcomes.map((o) => o.mostAttempts)),
    failures: sum('failures'),
    goneAnswers: sum('goneAnswers'),
    posts: ledgers.reduce((n, l) => n + l.admitted + l.goneAnswers, 0),
    achievedPostsPerSecond: admittedRate(ledgers),
    quotaFloorMs: quotaFloorMs(params, ledgers),
    workers: workerStats(lambda, contention.rooms),
    events,
    wallMs: performance.now() - wallStart,
  };
}
