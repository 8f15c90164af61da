import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startFaultStack, type FaultStack } from '../faults/fault-stack.js';
import { Actor, emptyCounters, type ActorCounters, type SoakContext } from './actor.js';
import { runFaults, type FaultLog } from './faults.js';
import { analyse, type Analysis } from './figures.js';
import { readHistory } from './history-reader.js';
import { clientNow, emptyJournal, type Journal } from './journal.js';
import { seededRandom, type Random } from './random.js';

export interface SoakOptions {
  /** Fixes every random choice (actions, rooms, faults); print it so a run can be repeated. */
  seed: number;
  clients: number;
  rooms: number;
  /** Length of the chaos phase, after the clients' staggered start. */
  durationMs: number;
  /** Mean new messages per second in each room, over all its members. */
  ratePerRoom: number;
  /** Break the store through the proxy during the chaos phase. */
  faults: boolean;
  /** How long after its ack a message is given to reach every member (see Figures.lost). */
  settleMs: number;
  /** Progress lines; none by default. */
  log?: (line: string) => void;
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'seed'> = {
  clients: 200,
  rooms: 4,
  durationMs: 40_000,
  ratePerRoom: 3,
  faults: true,
  settleMs: 8_000,
};

export interface SoakResult {
  options: SoakOptions;
  analysis: Analysis;
  /** The raw record the analysis judged, for digging into a violation. */
  journal: Journal;
  faults: FaultLog;
  counters: ActorCounters;
  /** Actors still busy when the drain bound passed (their unfinished sends count as unacked). */
  undrained: number;
  elapsedMs: number;
}

/** Staggers the clients' first connections so the soak does not open with a handshake storm. */
const RAMP_PER_CLIENT_MS = 15;
/** Once the chaos ends, actors finish the action in hand (a send's retries at most); past this they are left. */
const DRAIN_MS = 30_000;

/**
 * A chaos soak against the real local stack with its store behind the fault proxy (fault-stack.ts): `clients`
 * simulated users in `rooms` rooms send, burst, reconnect, drop mid-send and leave and rejoin at random while
 * the store is cut or stalled now and then. When the chaos ends the store is restored, actors finish (bounded),
 * deliveries get `settleMs`, each room's history is read, and the journal is judged by `analyse` (figures.ts
 * defines every figure). Handlers log nothing: errors are the expected outcome of a fault.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const started = clientNow();
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  useCloudSdkTimeouts();
  const env = await startFaultStack();
  const journal = emptyJournal(options.settleMs);
  const counters = emptyCounters();
  const rooms = Array.from({ length: options.rooms }, (_, r) => `chaos-${r}`);
  const rampMs = options.clients * RAMP_PER_CLIENT_MS;
  const chaosEnd = clientNow() + rampMs + options.durationMs;
  const clock = {
    running: () => clientNow() < chaosEnd,
    pause: (ms: number) => sleep(Math.max(0, Math.min(ms, chaosEnd - clientNow()))),
  };
  const ctx: SoakContext = {
    wsUrl: env.gateway.wsUrl,
    journal,
    meanGapMs: (1000 * options.clients) / (options.rooms * options.ratePerRoom),
    ...clock,
    counters,
  };
  const actors = Array.from(
    { length: options.clients },
    (_, i) => new Actor(i, roomsOf(i, rooms, random), random.fork(), ctx),
  );
  try {
    log(
      `seed ${options.seed}: ${options.clients} clients in ${options.rooms} rooms for ${options.durationMs} ms${options.faults ? ', store faults on' : ''}`,
    );
    const faultRandom = random.fork();
    const faults = options.faults
      ? sleep(rampMs).then(() => runFaults(env.proxy, { meanGapMs: 4_000, maxOutageMs: 1_000 }, faultRandom, clock))
      : Promise.resolve({ cuts: 0, stalls: 0, outageMs: 0 });
    const crashes: unknown[] = [];
    const runs = actors.map((actor, i) =>
      sleep(i * RAMP_PER_CLIENT_MS)
        .then(() => actor.run())
        .catch((error: unknown) => void crashes.push(error)),
    );
    const faultLog = await faults;
    await sleep(Math.max(0, chaosEnd - clientNow()));
    log('chaos over: store restored, draining');
    const undrained = await settleWithin(runs, DRAIN_MS);
    // A crashed actor is a bug of the soak, not a finding: its missing activity would flatter the figures.
    if (crashes.length > 0) throw new Error(`${crashes.length} soak actors crashed`, { cause: crashes[0] });
    await sleep(options.settleMs);
    log('reading history');
    for (const room of rooms) journal.history.set(room, await readHistory(env.gateway.wsUrl, room));
    const analysis = analyse(journal);
    return {
      options,
      analysis,
      journal,
      faults: faultLog,
      counters,
      undrained,
      elapsedMs: Math.round(clientNow() - started),
    };
  } finally {
    await Promise.all(actors.map((actor) => actor.stop()));
    await disconnectsDone(env);
    await env.stop();
  }
}

/**
 * A stalled store costs each request in flight its SDK request timeout, and a message stored before a stall is
 * delivered only once its retries get through. Short timeouts keep that delay well inside the settle period after
 * an ack, so "lost" means lost rather than late. Set only where the caller has not.
 */
function useCloudSdkTimeouts(): void {
  process.env.SDK_CONNECT_TIMEOUT_MS ??= '1000';
  process.env.SDK_REQUEST_TIMEOUT_MS ??= '2000';
}

/** Every actor's first room spreads them evenly; about a third also join a second one. */
function roomsOf(index: number, rooms: string[], random: Random): string[] {
  const first = rooms[index % rooms.length]!;
  if (rooms.length < 2 || !random.chance(0.3)) return [first];
  return [first, random.pick(rooms.filter((room) => room !== first))];
}

/**
 * Waits (bounded) until the $disconnect handlers of the closed clients stopped changing the connections table:
 * the gateway gives them only a few seconds on close, and the store must not go away under them.
 */
async function disconnectsDone(env: FaultStack): Promise<void> {
  const count = async () =>
    (await env.db.send(new ScanCommand({ TableName: env.tables.connections, Select: 'COUNT' }))).Count ?? 0;
  const deadline = clientNow() + 20_000;
  let last = -1;
  let stableSince = clientNow();
  while (clientNow() < deadline) {
    const now = await count().catch(() => -1);
    if (now === 0) return;
    if (now !== last) [last, stableSince] = [now, clientNow()];
    else if (clientNow() - stableSince > 2_000) return;
    await sleep(250);
  }
}

/** Waits for the promises up to `ms`; resolves with how many were still pending. */
async function settleWithin(promises: Array<Promise<unknown>>, ms: number): Promise<number> {
  let pending = promises.length;
  const counted = promises.map((p) => p.finally(() => (pending -= 1)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(counted), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  return pending;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
