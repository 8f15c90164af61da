import WebSocket from 'ws';
import { monotonicClock } from '../generator/clock.js';
import { connectDueMs, guestName, sourceAddressOf } from '../generator/plan.js';
import { runSchedule } from '../generator/schedule.js';
import { bump } from '../generator/worker-measures.js';
import { connectionUrl } from '../generator/target.js';
import { tokenFor } from '../generator/tokens.js';
import type { CpuMeter } from '../cpu/proc-cpu.js';
import { newHistogram, recordMs, summarize, type LatencySummary } from '../stats.js';

/** What one handshake run opens, and how fast. */
export interface HandshakeOptions {
  url: string;
  connections: number;
  /** New connections per second, on a fixed schedule from the first: an open-loop ramp, as a surge of users is. */
  ratePerSecond: number;
  connectTimeoutMs: number;
  /** JWT mode: connection i connects with `?token=<tokens[i mod n]>`; guest mode (`?name=`) when absent. */
  tokens?: string[];
  namePrefix: string;
  /** 0 = let the OS pick; N = bind connection i to 127.0.0.(1 + i mod N). */
  sourceIps: number;
}

export interface HandshakeResult {
  url: string;
  connections: number;
  offeredPerSecond: number;
  opened: number;
  /** Handshakes answered with an HTTP status instead of an upgrade, by status. */
  refused: Record<string, number>;
  /** Sockets that failed before an answer (timeouts included), by error code. */
  network: Record<string, number>;
  /** From each attempt to its `open`: the authorizer, `$connect` and any queueing at the target. */
  handshakeMs: LatencySummary;
  /** How late the generator started attempts: a generator that could not keep its own schedule says so. */
  scheduleLagMs: LatencySummary;
  /** From the first open to the last. */
  spanMs: number;
  /**
   * Opens per second between the first open and the last: the rate the target accepted, which a constant
   * handshake latency does not change but a queue at the target lowers.
   */
  acceptedPerSecond: number;
  /**
   * Every handshake opened and the target accepted them at 95% of the offered rate or more: a target that queues
   * handshakes ends its span late and falls short, however few connections it refuses.
   */
  keptUp: boolean;
  /** The target's CPU from the start to the last answer (a local target with --server-pid). */
  server?: { pid: number; cpuMs: number; cpuMsPerHandshake: number };
}

/** Share of the offered rate a target must accept to have kept up: room for jitter, none for a growing queue. */
export const KEPT_UP_SHARE = 0.95;

/**
 * Opens `connections` WebSockets on a fixed schedule and times each handshake (authorizer and `$connect` on API
 * Gateway), holding every socket open until the last has its answer, then closing them all (bounded). No joins and
 * no messages: this measures what a surge of new connections costs the target, apart from what they do next.
 */
export async function runHandshakes(options: HandshakeOptions, serverCpu?: CpuMeter): Promise<HandshakeResult> {
  const clock = monotonicClock();
  const [handshakes, lag] = [newHistogram(), newHistogram()];
  const refused: Record<string, number> = {};
  const network: Record<string, number> = {};
  const sockets: WebSocket[] = [];
  let [opened, answered, firstOpenAt, lastOpenAt] = [0, 0, 0, 0];
  const start = clock.now() + 50;
  const due = Array.from({ length: options.connections }, (_, i) => connectDueMs(start, i, options.ratePerSecond));
  const cpuAtStart = serverCpu?.read();
  const allAnswered = new Promise<void>((resolve) => {
    const answer = (): void => {
      answered += 1;
      if (answered === options.connections) resolve();
    };
    const open = (i: number): void => {
      const url = connectionUrl(options.url, {
        name: guestName(options.namePrefix, i),
        token: tokenFor(options.tokens, i),
      });
      const startedAt = clock.now();
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        handshakeTimeout: options.connectTimeoutMs,
        ...(options.sourceIps > 0 ? { localAddress: sourceAddressOf(i, options.sourceIps), family: 4 } : {}),
      });
      sockets.push(ws);
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        outcome();
        answer();
      };
      ws.on('open', () =>
        settle(() => {
          lastOpenAt = clock.now();
          if (opened === 0) firstOpenAt = lastOpenAt;
          opened += 1;
          recordMs(handshakes, lastOpenAt - startedAt);
        }),
      );
      ws.on('unexpected-response', (request, response) => {
        settle(() => bump(refused, String(response.statusCode ?? 'unknown')));
        response.resume();
        request.destroy();
      });
      ws.on('error', (error: NodeJS.ErrnoException) => settle(() => bump(network, error.code ?? error.message)));
    };
    void runSchedule(clock, due, open, (lateMs) => recordMs(lag, lateMs));
  });
  await allAnswered;
  const cpuMs = cpuAtStart === undefined ? undefined : serverCpu!.read() - cpuAtStart;
  await closeAll(sockets, options.connectTimeoutMs);
  const spanMs = lastOpenAt - firstOpenAt;
  const acceptedPerSecond = opened > 1 ? ((opened - 1) * 1000) / Math.max(spanMs, 0.001) : 0;
  const allOpened = opened === options.connections;
  return {
    url: options.url,
    connections: options.connections,
    offeredPerSecond: options.ratePerSecond,
    opened,
    refused,
    network,
    handshakeMs: summarize(handshakes),
    scheduleLagMs: summarize(lag),
    spanMs,
    acceptedPerSecond,
    keptUp: allOpened && (opened === 1 || acceptedPerSecond >= KEPT_UP_SHARE * options.ratePerSecond),
    ...(cpuMs === undefined
      ? {}
      : { server: { pid: serverCpu!.pid, cpuMs, cpuMsPerHandshake: cpuMs / Math.max(opened, 1) } }),
  };
}

/** Closes every socket and waits for the closes, at most `timeoutMs`, then cuts what is left. */
async function closeAll(sockets: WebSocket[], timeoutMs: number): Promise<void> {
  const closed = sockets.map(
    (ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'handshakes done');
        else ws.terminate();
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}
