import type { ScenarioOptions } from '../args.js';
import type { CpuSample, CpuSummary } from '../cpu/cpu-monitor.js';
import type { CpuMeter } from '../cpu/proc-cpu.js';
import type { Histogram } from '../stats.js';
import type { ErrorCounts, WorkerResult } from './messages.js';

export type Phase = 'connect' | 'warmup' | 'send' | 'drain' | 'finish';

export interface Progress {
  phase: Phase;
  elapsedMs: number;
  attempted: number;
  opened: number;
  failed: number;
  joined: number;
  sent: number;
  plannedMessages: number;
  received: number;
  expected: number;
  errors: number;
  cpu: CpuSample;
}

export interface RunHooks {
  onProgress?: (progress: Progress) => void;
  onWarning?: (warning: string) => void;
  /** How often onProgress fires and CPU is sampled. */
  progressIntervalMs?: number;
  /** The server's CPU meter, read at the start of the send phase and at the end of the drain phase. */
  serverCpu?: CpuMeter;
}

/** CPU the server used from the start of the send phase to the end of the drain phase. */
export interface ServerCpuResult {
  pid: number;
  scope: CpuMeter['scope'];
  cpuMs: number;
  /** The main thread's part of cpuMs, when the meter tells it. */
  mainThreadCpuMs?: number;
  resolutionMs: number;
  notes: string[];
}

/** Everything one scenario run measured, merged over workers; reports are computed from this. */
export interface ScenarioResult {
  url: string;
  runId: string;
  scenario: ScenarioOptions;
  startedAt: string;
  durationMs: number;
  phasesMs: Record<Exclude<Phase, 'finish'>, number>;
  connections: {
    attempted: number;
    opened: number;
    failed: number;
    joined: number;
    joinFailed: number;
    closedEarly: number;
  };
  messages: {
    planned: number;
    sent: number;
    skipped: number;
    /** Sent by another member of the room because the planned sender had failed. */
    substituted: number;
    acked: number;
    rejected: number;
    /** Received by every member expected at send time. */
    complete: number;
    /** Sent, but some expected member never got it. */
    incomplete: number;
    /** Sent, and nobody got it. */
    lost: number;
  };
  deliveries: {
    expected: number;
    received: number;
    missing: number;
    extra: number;
    foreign: number;
    misrouted: number;
    /** message frames of the warm-up messages (ScenarioOptions.warmupMessages), in no other figure. */
    warmup: number;
  };
  histograms: {
    connect: Histogram;
    join: Histogram;
    fanout: Histogram;
    lastRecipient: Histogram;
    ack: Histogram;
    sendLag: Histogram;
  };
  /** Room sizes at send time, for the cost model (sum over sent messages). */
  expectedRecipientsTotal: number;
  errors: ErrorCounts;
  framesByType: Record<string, number>;
  frames: WorkerResult['frames'];
  connectedMs: number;
  generator: CpuSummary & { workers: number; cores: number; drainTimedOut: boolean };
  /** Only with a CpuMeter (RunHooks.serverCpu). */
  server?: ServerCpuResult;
}
