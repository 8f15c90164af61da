import {
  DEFAULT_RETRY,
  deliver,
  emptyFanoutResult,
  fanOut,
  mergeResults,
  pacing,
  type DeliveryDeps,
  type FanoutJob,
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
  retry: DEFAULT_RETRY,
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

const ROOM = 'sim-room';
/** The sender is the room's first member, and receives its own message like everybody else. */
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

/**
 * Simulates one message sent to a room of `params.members`, running the domain's own deliver() in the send
 * Lambda and fanOut({ shard }) in each worker against the modelled services, in virtual time.
 */
export async function simulate(params: SimParams): Promise<SimResult> {
  const wallStart = performance.now();
  const scheduler = new VirtualScheduler({ maxEvents: params.maxEvents, maxVirtualMs: params.maxVirtualMs });
  // One stream per purpose, so a parameter that changes the number of draws of one kind leaves the others be.
  const rng = {
    setup: seededRandom(params.seed, 0),
    network: seededRandom(params.seed, 1),
    store: seededRandom(params.seed, 2),
    lambda: seededRandom(params.seed, 3),
    backoff: seededRandom(params.seed, 4),
  };
  const room = new RoomModel({
    name: ROOM,
    members: params.members,
    shardSize: params.shardSize,
    gone: pickGone(params.members, params.goneFraction, rng.setup),
  });
  const bucket = new TokenBucket(params.callbackRps, params.callbackBurst);
  const ledger = new PostLedger(params.members);
  const times: ServiceTimes = {
    sdkCallCpuUs: params.postCpuUs,
    postLatency: params.postLatency,
    queryLatency: params.queryLatency,
    writeLatency: params.writeLatency,
  };
  const frame = frameFor(ROOM);
  const fanoutPorts = (container: Container) => ({
    connections: new SimConnectionStore(scheduler, container, room, times, rng.store),
    gateway: new SimGateway(scheduler, container, room, bucket, ledger, times, rng.network),
    concurrency: params.concurrency,
    retry: params.retry,
    timers: scheduler,
    clock: scheduler,
    random: rng.backoff,
  });

  const fromWorkers = emptyFanoutResult();
  const lambda = new LambdaModel(
    scheduler,
    {
      concurrency: params.lambdaConcurrency,
      asyncQueueDelay: params.asyncQueueDelay,
      coldStartMs: params.coldStartMs,
      coldFraction: params.coldFraction,
      workerShare: cpuShare(params.memoryMb),
    },
    rng.lambda,
    async (job: FanoutJob, container: Container) => {
      // The worker handler: ChatService.fanOutJob.
      const result = await fanOut(fanoutPorts(container), job.room, job.frame, {
        shard: job.shard,
        ...(job.exceptConnectionId !== undefined ? { exceptConnectionId: job.exceptConnectionId } : {}),
        ...pacing(job),
      });
      mergeResults(fromWorkers, result);
    },
  );

  const sendContainer = new Container(scheduler, cpuShare(params.sendMemoryMb));
  const sendPorts = fanoutPorts(sendContainer);
  const deps: DeliveryDeps = {
    ...sendPorts,
    inlineMax: params.inlineMax,
    ...(params.rateBudget > 0 ? { callbackRateBudget: params.rateBudget } : {}),
    dispatcher: new SimDispatcher(scheduler, sendContainer, lambda, params.postCpuUs, params.invokeLatency, rng.lambda),
  };
  let sendLambdaMs = 0;
  const inline = await scheduler.run(
    (async () => {
      // ChatService.send: the membership check and the room read at once, the message append (one write),
      // the ack to the sender (one post, taking a token), then delivery.
      const [member, info] = await Promise.all([sendPorts.connections.isMember(ROOM, SENDER), sendPorts.connections.room(ROOM)]);
      if (!member) throw new Error('the simulated sender is not a member of the room');
      await sendContainer.compute(params.postCpuUs);
      await scheduler.sleep(draw(rng.store, params.writeLatency));
      await sendContainer.compute(params.postCpuUs);
      const half = draw(rng.network, params.postLatency) / 2;
      await scheduler.sleep(half);
      // The account's bucket is full this early, so the ack is admitted; its token counts against the fan-out.
      bucket.take(scheduler.now());
      await scheduler.sleep(half);
      const result = await deliver(deps, ROOM, info, frame);
      sendLambdaMs = scheduler.now();
      return result;
    })(),
  );
  if (lambda.active > 0) throw new Error(`simulation stalled: ${lambda.active} worker invocations never finished`);
  const all = mergeResults(mergeResults(emptyFanoutResult(), inline), fromWorkers);

  const histogram = newHistogram();
  let last = Number.NEGATIVE_INFINITY;
  for (const at of ledger.deliveredAt) {
    if (Number.isNaN(at)) continue;
    recordMs(histogram, at);
    last = Math.max(last, at);
  }
  const delivered = histogram.totalCount;
  const span = ledger.lastAdmitMs - ledger.firstAdmitMs;
  let membersLeft = 0;
  for (let i = 0; i < params.members; i += 1) if (room.isMember(i)) membersLeft += 1;
  return {
    params,
    timeToLastRecipientMs: delivered > 0 ? last : null,
    deliveryMs: summarize(histogram),
    delivered,
    expected: params.members - room.gone.size,
    duplicates: ledger.duplicates,
    attempts: ledger.attempts,
    throttled: ledger.throttled,
    retries: ledger.retries,
    failures: all.failed.length + lambda.errors.length,
    workerErrors: lambda.errors.map((e) => (e instanceof Error ? e.message : String(e))),
    goneAnswers: ledger.goneAnswers,
    membersLeft,
    dispatched: lambda.invocations > 0,
    workers: {
      invocations: lambda.invocations,
      cold: lambda.cold,
      peakConcurrent: lambda.invocations > 0 ? lambda.peakConcurrent - 1 : 0,
      maxDurationMs: lambda.maxDurationMs,
      maxCpuMs: lambda.maxCpuMs,
    },
    sendLambdaMs,
    lastWorkerDoneMs: lambda.lastDoneMs,
    peakInFlightPosts: ledger.peakInFlight,
    achievedPostsPerSecond: ledger.admitted >= 2 && span > 0 ? ((ledger.admitted - 1) * 1000) / span : null,
    quotaFloorMs: (Math.max(0, ledger.admitted + ledger.goneAnswers - params.callbackBurst) * 1000) / params.callbackRps,
    events: scheduler.events,
    wallMs: performance.now() - wallStart,
  };
}
