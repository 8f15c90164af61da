import type { ScenarioResult } from '../../src/generator/scenario-result.js';
import { emptyHistograms } from '../../src/generator/merge.js';
import { recordMs } from '../../src/stats.js';

/** A result as the generator would produce it, with latencies drawn from `fanout` (ms). */
export function fakeResult(fanout: number[], overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  const h = emptyHistograms();
  for (const v of fanout) recordMs(h.fanout, v);
  recordMs(h.lastRecipient, Math.max(...fanout));
  recordMs(h.connect, 3);
  return {
    url: 'ws://127.0.0.1:3001/?token=secret',
    runId: 'abc123',
    scenario: {
      connections: 4,
      rooms: 1,
      senders: 1,
      messagesPerSender: 1,
      warmupMessages: 0,
      ratePerSender: 1,
      rampPerSecond: 400,
      textSize: 64,
      connectTimeoutMs: 1000,
      drainTimeoutMs: 1000,
      workers: 1,
      sourceIps: 1,
      namePrefix: 'lt',
      roomPrefix: 'lt',
      tokens: ['secret'],
    },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234.5,
    phasesMs: { connect: 10, warmup: 0, send: 20, drain: 30 },
    connections: { attempted: 5, opened: 4, failed: 1, joined: 4, joinFailed: 0, closedEarly: 0 },
    messages: {
      planned: 1,
      sent: 1,
      skipped: 0,
      substituted: 0,
      acked: 1,
      rejected: 0,
      complete: 0,
      incomplete: 1,
      lost: 0,
    },
    deliveries: {
      expected: 4,
      received: fanout.length,
      missing: 4 - fanout.length,
      extra: 0,
      foreign: 0,
      warmup: 0,
      misrouted: 0,
    },
    histograms: h,
    expectedRecipientsTotal: 4,
    errors: {
      frames: { rate_limited: 2 },
      gateway: { 'Internal server error': 1 },
      http: { '403': 1 },
      network: {},
      closes: {},
      joinTimeouts: 0,
      invalidFrames: 0,
      invalidSamples: [],
    },
    framesByType: { message: fanout.length },
    frames: { in: 10, out: 5, inBytes: 1000, outBytes: 500, inUnits: 10, outUnits: 5 },
    connectedMs: 4000,
    generator: {
      peakProcessCpu: 0.2,
      peakWorkerElu: 0.3,
      meanWorkerElu: 0.1,
      saturated: false,
      warnings: [],
      workers: 1,
      cores: 2,
      drainTimedOut: true,
    },
    ...overrides,
  };
}
