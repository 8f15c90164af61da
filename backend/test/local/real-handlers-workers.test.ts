import { describe, expect, it } from 'vitest';
import { lambdaRequestId } from '../../src/local/ids.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '../../src/local/serverless-config.js';
import { WorkerPool } from '../../src/local/worker-pool.js';
import { useLocalStack } from '../support/local-stack.js';
import { eventually } from './helpers.js';

/**
 * The real backend/src/handlers (ESM TypeScript importing `.js` specifiers) in invocation worker threads, where
 * the test runner's and tsx's --import hooks do not reach: the thread registers tsx itself.
 */
const { clients, log } = useLocalStack({
  stage: 'workers',
  // Every room with more than one member is fanned out by `fanout` Event invocations, one per member shard.
  params: { fanoutInlineMax: '1', membershipShardSize: '1', logLevel: 'WARN' },
  asyncWorkers: 2,
});

describe('real handlers in worker threads', () => {
  it('every serverless.yml function loads in a worker thread', async () => {
    const config = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage: 'workers' });
    expect(config.functions.get('fanout')).toMatchObject({
      handler: 'backend/src/handlers/fanout.handler',
      timeoutSeconds: 120,
    });
    const pool = new WorkerPool({
      size: 1,
      init: {
        runtime: {
          serverlessFile: DEFAULT_SERVERLESS_FILE,
          service: config.service,
          stage: config.stage,
          region: config.region,
          accountId: '123456789012',
          memorySize: config.lambda.memorySize,
          timeoutSeconds: config.lambda.timeoutSeconds,
        },
        concurrency: 4,
      },
      onLog: (message) => log.errors.push(message),
    });
    try {
      for (const fn of config.functions.values()) {
        // A missing export is only reported once the module (and everything it imports) has loaded.
        const probe = { ...fn, handler: fn.handler.replace(/\.[^.]+$/, '.__probe') };
        await expect(pool.run(probe, {}, lambdaRequestId()), fn.functionName).rejects.toThrow(
          /does not export a function named "__probe"/,
        );
      }
    } finally {
      await pool.close();
    }
  });

  it('a large-room send is delivered to every member by fanout invocations', async () => {
    const room = `big-${process.pid}`;
    const members = await Promise.all(['alice', 'bob', 'carol'].map((name) => clients.open(`name=${name}`)));
    for (const member of members) await member.join(room);
    const [alice] = members;
    alice!.send({ action: 'send', room, text: 'to everyone', clientMsgId: 'big-1' });
    await alice!.waitFor('ack');
    for (const member of members) {
      const message = await member.waitFor('message', (m) => m.clientMsgId === 'big-1');
      expect(message.text).toBe('to everyone');
    }
    // Through the workers, not the inline fallback: one fanout invocation per shard of one member.
    const done = () => log.fanoutInvocationsDone();
    await eventually(() => (done() >= 3 ? true : undefined), 'three fanout invocations');
    expect(done()).toBe(3);
    expect(log.errors).toEqual([]);
  });
});
