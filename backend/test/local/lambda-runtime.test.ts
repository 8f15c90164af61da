import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LambdaRuntime } from '../../src/local/lambda-runtime.js';

const serverlessFile = path.join(import.meta.dirname, 'fixtures/serverless.yml');
const spec = { functionName: 'gated', handler: 'handlers/gated.handler' };

describe('LambdaRuntime concurrency', () => {
  it('runs at most maxConcurrency invocations at once and queues the rest in order', async () => {
    const fixture = (await import(
      pathToFileURL(path.join(import.meta.dirname, 'fixtures/handlers/gated.ts')).href
    )) as typeof import('./fixtures/handlers/gated.js');
    const runtime = new LambdaRuntime({
      serverlessFile,
      service: 's',
      stage: 'test',
      region: 'us-east-1',
      accountId: '123456789012',
      memorySize: 128,
      timeoutSeconds: 5,
      maxConcurrency: 3,
    });
    const calls = Array.from({ length: 10 }, () => runtime.invoke(spec, {}));
    for (let i = 0; i < 50 && fixture.state.started < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fixture.state.started).toBe(3);
    expect(fixture.state.running).toBe(3);
    fixture.state.open();
    await expect(Promise.all(calls)).resolves.toHaveLength(10);
    expect(fixture.state.started).toBe(10);
    expect(fixture.state.peak).toBe(3);
  });
});
