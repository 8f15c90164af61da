import type { ScenarioOptions } from '../args.js';
import type { SharedBuffers } from './shared-state.js';

/** Everything a worker needs to play its share of the scenario; passed as workerData. */
export interface WorkerInit {
  workerIndex: number;
  workerCount: number;
  url: string;
  runId: string;
  scenario: ScenarioOptions;
  originNs: bigint;
  shared: SharedBuffers;
}

/** Main -> worker: phase starts, at a time on the shared clock so every worker keeps one schedule. */
export type ToWorker =
  | { type: 'connect'; startAtMs: number }
  | { type: 'warmup'; startAtMs: number }
  | { type: 'send'; startAtMs: number }
  | { type: 'finish' };

export interface ErrorCounts {
  /** Error frames by contract code. */
  frames: Record<string, number>;
  /** API Gateway's own error frames ("Internal server error", "Forbidden", ...) by message. */
  gateway: Record<string, number>;
  /** Refused handshakes by HTTP status. */
  http: Record<string, number>;
  /** Socket-level failures by errno code or message (ECONNREFUSED, handshake timeout, ...). */
  network: Record<string, number>;
  /** Server-initiated closes of joined connections by close code. */
  closes: Record<string, number>;
  /** "joined" never arrived within --connect-timeout. */
  joinTimeouts: number;
  /** Frames that failed the protocol's zod schemas. */
  invalidFrames: number;
  /** First few invalid frames, truncated, to make a schema mismatch diagnosable. */
  invalidSamples: string[];
}

/** Nothing counted yet: what each worker starts from and what the main thread merges into. */
export function emptyErrorCounts(): ErrorCounts {
  return {
    frames: {},
    gateway: {},
    http: {},
    network: {},
    closes: {},
    joinTimeouts: 0,
    invalidFrames: 0,
    invalidSamples: [],
  };
}

/** Frames and bytes each way; units are API Gateway's 32 KB metering units. */
export interface FrameCounts {
  in: number;
  out: number;
  inBytes: number;
  outBytes: number;
  inUnits: number;
  outUnits: number;
}

export function emptyFrameCounts(): FrameCounts {
  return { in: 0, out: 0, inBytes: 0, outBytes: 0, inUnits: 0, outUnits: 0 };
}

export interface WorkerResult {
  type: 'result';
  workerIndex: number;
  histograms: { connect: string; join: string; fanout: string; ack: string; sendLag: string };
  /** Latest receipt time per message seen by this worker; 0 = none. Transferred, not copied. */
  lastReceiptMs: Float64Array;
  errors: ErrorCounts;
  /** Frames received by type. */
  framesByType: Record<string, number>;
  /** message frames for clientMsgIds of other clients or runs (ignored for latency). */
  foreignMessages: number;
  /** message frames of this run's warm-up messages (left out of every figure but this one). */
  warmupReceipts: number;
  /** message frames of this run delivered to a connection not in that room. */
  misrouted: number;
  acks: number;
  /** Sends refused by an error frame carrying their clientMsgId. */
  rejected: number;
  /** Planned sends skipped because no connection of the sender's room was joined in this worker. */
  skippedSends: number;
  /** Sends made by another member of the room because the planned sender had failed. */
  substitutedSends: number;
  frames: FrameCounts;
  /** Sum over connections of open -> close time. */
  connectedMs: number;
}

export type FromWorker =
  | { type: 'ready'; workerIndex: number }
  | { type: 'connected'; workerIndex: number }
  | { type: 'warmed'; workerIndex: number }
  | { type: 'sent'; workerIndex: number }
  | WorkerResult;
