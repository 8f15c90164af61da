import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../src/handlers/lib/logger.js';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { publishFanout, sizeBucket } from '../../src/handlers/lib/metrics.js';
import { loggingObserver } from '../../src/handlers/lib/observer.js';
import type { FanoutJob } from '../../src/domain/ports.js';

const job: FanoutJob = {
  room: 'big',
  shard: 3,
  jobId: 'm-1',
  frame: { type: 'typing', room: 'big', user: { userId: 'u', name: 'U' } },
  startAfter: 'c-9',
  handOns: 2,
  retry: [{ connectionId: 'c-1', user: { userId: 'u1', name: 'U1' }, joinedAt: 1 }],
};

describe('loggingObserver: every ChatEvent as one structured log line', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs what was worked around as a warning, with the room, shard and error', () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const failure = { connectionId: 'c-1', error: new Error('403') };
    // Act
    loggingObserver.observe({
      type: 'fanoutProblems',
      room: 'r',
      result: { delivered: 1, gone: [], failed: [failure], throttled: 0 },
    });
    loggingObserver.observe({ type: 'dispatchFailed', job, error: new Error('Invoke failed') });
    loggingObserver.observe({ type: 'afterReplyFailed', action: 'join', error: new Error('store down') });
    // Assess
    expect(warn.mock.calls).toEqual([
      ['fan-out deliveries failed', { room: 'r', failed: 1, firstError: 'Error: 403' }],
      [
        'fan-out job sent inline: the worker could not be invoked',
        { room: 'big', shard: 3, error: 'Error: Invoke failed' },
      ],
      ['work after the reply failed; the reply stands', { action: 'join', error: 'Error: store down' }],
    ]);
  });

  it('logs a shard it could not hand on as an error, with where the shard stopped', () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);

    loggingObserver.observe({ type: 'unfinishedJob', job, error: new Error('Invoke denied') });

    expect(error.mock.calls).toEqual([
      [
        'fan-out worker out of time could not hand on the rest of its shard: the job fails, to the failure queue',
        { room: 'big', shard: 3, startAfter: 'c-9', handOns: 2, retry: 1, error: 'Error: Invoke denied' },
      ],
    ]);
  });
});

describe('fan-out metrics (embedded metric format)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('buckets fan-outs by recipients', () => {
    expect([1, 10, 11, 100, 101, 1000, 1001, 10_000, 10_001, 250_000].map(sizeBucket)).toEqual([
      '1-10',
      '1-10',
      '11-100',
      '11-100',
      '101-1000',
      '101-1000',
      '1001-10000',
      '1001-10000',
      '10001+',
      '10001+',
    ]);
  });

  it('writes deliveries, gone, throttled and duration with the room-size bucket as one EMF line, none for an empty room', () => {
    // Prepare: EMF goes straight to stdout.
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // Tests run with metrics disabled (vitest.config.ts); this one checks what a Lambda writes.
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const into = new Metrics({ namespace: 'test-ns', serviceName: 'chat' });
    const gone = { room: 'r', shard: 0, joinedAt: 1, connectionId: 'c', user: { userId: 'u', name: 'U' }, rooms: [] };
    // Act
    publishFanout(into, { delivered: 40, gone: [gone], failed: [], throttled: 3 }, 87);
    publishFanout(into, { delivered: 0, gone: [], failed: [], throttled: 0 }, 1);
    // Assess
    const emf = lines.map((line) => JSON.parse(line));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ roomSize: '11-100', Deliveries: 40, Gone: 1, Throttled: 3, FanoutDuration: 87 });
    expect(emf[0]._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'test-ns',
      Dimensions: [expect.arrayContaining(['service', 'roomSize'])],
    });
  });
});
