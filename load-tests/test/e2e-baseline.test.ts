import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/args.js';
import { startBaselineServer, type BaselineServer } from '../src/bench/baseline-server.js';
import { runScenario } from '../src/generator/generator.js';
import { runLoadTest } from '../src/load-test.js';
import { buildReport } from '../src/report/report.js';
import { writeJsonReport } from '../src/report/report-json.js';
import { contractReportSchema } from '../src/report/report-schema.js';

/** Small, bounded scenario: 20 connections, 2 rooms, 2 senders x 5 messages = 10 messages, <= a few seconds. */
const SMALL = [
  '-c',
  '20',
  '-r',
  '2',
  '-m',
  '5',
  '--rate',
  '20',
  '--workers',
  '2',
  '--drain',
  '5',
  '--connect-timeout',
  '5',
  '-q',
];

describe('end to end against the baseline server', () => {
  let server: BaselineServer;
  let dir: string;
  beforeAll(async () => {
    server = await startBaselineServer({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'load-test-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every message to every member of its room, measured across two worker threads', async () => {
    // Prepare
    const { scenario } = parseCliArgs(['--url', server.url, ...SMALL, '--no-baseline']);
    // Act
    const result = await runScenario(server.url, scenario);
    const report = buildReport(result);
    // Assess
    expect(report.connections).toMatchObject({ attempted: 20, opened: 20, failed: 0, joined: 20 });
    expect(report.messages).toMatchObject({ planned: 10, sent: 10, acked: 10, complete: 10, lost: 0 });
    // Each room has 10 members, sender included: 10 messages x 10 members.
    expect(report.deliveries).toMatchObject({ expected: 100, received: 100, missing: 0, extra: 0, misrouted: 0 });
    expect(report.fanoutMs.count).toBe(100);
    expect(report.lastRecipientMs.count).toBe(10);
    expect(report.connectMs.count).toBe(20);
    expect(report.lastRecipientMs.p50).toBeGreaterThanOrEqual(0);
    expect(report.errors.invalidFrames).toBe(0);
    expect(report.generator.workers).toBe(2);
    expect(report.frames.inUnits).toBe(20 + 10 + 100); // joined + acks + deliveries
    expect(contractReportSchema.safeParse(report).success).toBe(true);
  });

  it('sends the warm-up messages first and leaves them out of every figure', async () => {
    // Prepare: 3 warm-up messages per sender before the 5 measured ones.
    const { scenario } = parseCliArgs(['--url', server.url, ...SMALL, '--warmup', '3', '--no-baseline']);
    // Act
    const result = await runScenario(server.url, scenario);
    const report = buildReport(result);
    // Assess: the measured figures are those of the run without warm-up...
    expect(report.messages).toMatchObject({ planned: 10, sent: 10, acked: 10, complete: 10, lost: 0 });
    expect(report.deliveries).toMatchObject({ expected: 100, received: 100, missing: 0, extra: 0, foreign: 0 });
    expect(report.fanoutMs.count).toBe(100);
    expect(report.lastRecipientMs.count).toBe(10);
    // ...while 2 senders x 3 warm-up messages reached their rooms of 10 and were counted apart.
    expect(report.deliveries.warmup).toBe(60);
    expect(report.framesByType.message).toBe(160);
    expect(report.run.phasesMs.warmup).toBeGreaterThan(0);
    expect(report.run.scenario.warmupMessages).toBe(3);
  });

  it('counts refused handshakes by HTTP status and never sends', async () => {
    // A control character in the name breaks NAME_PATTERN: the baseline refuses with 400, as the contract says.
    const { scenario } = parseCliArgs(['--url', server.url, ...SMALL, '-c', '4', '--no-baseline']);
    const result = await runScenario(server.url, { ...scenario, namePrefix: 'bad\u0001' });
    expect(result.connections).toMatchObject({ attempted: 4, opened: 0, failed: 4 });
    expect(result.errors.http).toEqual({ '400': 4 });
    expect(result.messages).toMatchObject({ sent: 0, skipped: 10 });
  });

  it('lets another member of the room send when the planned sender failed', async () => {
    // Prepare: connection 0, the only sender, is refused with 403; the five others join.
    const refusing = await startBaselineServer({ refuse: (name) => name === 'lt-0' });
    try {
      const { scenario } = parseCliArgs([
        '--url',
        refusing.url,
        ...SMALL,
        '-c',
        '6',
        '-r',
        '1',
        '-s',
        '1',
        '--workers',
        '1',
        '--no-baseline',
      ]);
      // Act
      const result = await runScenario(refusing.url, scenario);
      // Assess
      expect(result.connections).toMatchObject({ opened: 5, failed: 1, joined: 5 });
      expect(result.errors.http).toEqual({ '403': 1 });
      expect(result.messages).toMatchObject({ planned: 5, sent: 5, substituted: 5, skipped: 0 });
      expect(result.deliveries).toMatchObject({ expected: 25, received: 25, missing: 0 });
    } finally {
      await refusing.close();
    }
  });

  it('skips frame types it does not know (a newer server) but counts a broken known frame as invalid', async () => {
    // Prepare: every joiner also gets a frame of an unknown type and a `message` frame missing its fields.
    const newer = await startBaselineServer({
      afterJoined: ['{"type":"reaction","room":"r","emoji":"+1"}', '{"type":"message","room":"r"}'],
    });
    try {
      const { scenario } = parseCliArgs(['--url', newer.url, ...SMALL, '-c', '4', '-r', '1', '--no-baseline']);
      // Act
      const result = await runScenario(newer.url, scenario);
      // Assess: the run is complete; the unknown type is counted by type, only the broken frame is an error.
      expect(result.deliveries).toMatchObject({ missing: 0, extra: 0 });
      expect(result.messages).toMatchObject({ lost: 0 });
      expect(result.framesByType['reaction']).toBe(4);
      expect(result.errors.invalidFrames).toBe(4);
    } finally {
      await newer.close();
    }
  });

  it('reports lost deliveries and server closes when the server dies mid-run', async () => {
    // Prepare: a server whose members get no fan-out after the first message, then which goes away.
    const dying = await startBaselineServer();
    const { scenario } = parseCliArgs(['--url', dying.url, ...SMALL, '--rate', '10', '--drain', '1', '--no-baseline']);
    let killed = false;
    // Act: stop the server as soon as the first message went out.
    const result = await runScenario(dying.url, scenario, {
      progressIntervalMs: 20,
      onProgress: (p) => {
        if (!killed && p.sent > 0) {
          killed = true;
          void dying.close();
        }
      },
    });
    // Assess: nothing is hidden, everything adds up.
    expect(killed).toBe(true);
    expect(result.connections.closedEarly).toBeGreaterThan(0);
    expect(Object.keys(result.errors.closes).length).toBeGreaterThan(0);
    expect(result.messages.sent + result.messages.skipped).toBe(result.messages.planned);
    expect(result.messages.skipped).toBeGreaterThan(0);
    expect(result.deliveries.expected - result.deliveries.received).toBe(result.deliveries.missing);
    expect(result.messages.complete + result.messages.incomplete).toBe(result.messages.sent);
    expect(contractReportSchema.safeParse(buildReport(result)).success).toBe(true);
  });

  it('runs baseline then target in one invocation and reports the ratios', async () => {
    // The target server lives in this process too, so --server-pid is this pid (Linux only).
    const pid = process.platform === 'linux' ? ['--server-pid', String(process.pid)] : [];
    const options = parseCliArgs(['--url', server.url, ...SMALL, '--baseline', ...pid]);
    const runs: string[] = [];
    const report = await runLoadTest(options, { onRunStart: (which) => runs.push(which) });
    expect(runs).toEqual(['baseline', 'target']);
    expect(report.baseline?.deliveries).toMatchObject({ expected: 100, received: 100 });
    expect(report.vsBaseline).toBeDefined();
    for (const r of Object.values(report.vsBaseline!)) expect(r === null || (Number.isFinite(r) && r >= 0)).toBe(true);
    if (process.platform === 'linux') {
      // CPU over 100 deliveries is a few ticks at most: only its presence and shape are asserted.
      expect(report.server).toMatchObject({ pid: process.pid, scope: 'process' });
      expect(report.baseline?.server).toMatchObject({ pid: process.pid, scope: 'main-thread' });
      expect(report.server!.cpuMs).toBeGreaterThanOrEqual(0);
    }
    const file = join(dir, 'report.json');
    await writeJsonReport(file, report);
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(contractReportSchema.parse(written)).toMatchObject({ deliveries: { expected: 100, received: 100 } });
  });
});
