import path from 'node:path';
import {
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  type InvokeCommandInput,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { startGateway, type Gateway } from '../../src/local/gateway.js';
import { resolveFunction } from '../../src/local/invoke-api.js';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';
import { startBarrier, type Barrier } from './barrier.js';
import { eventually, openClient } from './helpers.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');

let gateway: Gateway;
let lambda: LambdaClient;
let barrier: Barrier;
const errors: string[] = [];

beforeAll(async () => {
  const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
  barrier = await startBarrier();
  gateway = await startGateway({
    config,
    serverlessFile: FIXTURE,
    port: 0,
    // In-process Event invocations here; async-workers.test.ts covers the worker threads.
    asyncWorkers: 0,
    logger: { info() {}, warn() {}, error: (message) => errors.push(message) },
  });
  lambda = new LambdaClient({
    endpoint: gateway.managementUrl,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  lambda?.destroy();
  await gateway?.close();
  await barrier?.close();
});

const invoke = (input: InvokeCommandInput) => lambda.send(new InvokeCommand(input));
const payloadOf = (output: { Payload?: Uint8Array }) => JSON.parse(Buffer.from(output.Payload!).toString('utf8'));
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('Lambda Invoke API with the real LambdaClient', () => {
  it('RequestResponse returns the handler result with a Lambda context for the deployed function', async () => {
    const output = await invoke({ FunctionName: 'fixture-test-worker', Payload: json({ hello: 'world' }) });
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    expect(output.ExecutedVersion).toBe('$LATEST');
    const result = payloadOf(output);
    expect(result.event).toEqual({ hello: 'world' });
    expect(result.context).toMatchObject({
      awsRequestId: output.$metadata.requestId,
      functionName: 'fixture-test-worker',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fixture-test-worker',
      // The function's own memorySize and timeout (3 s), not the provider's 256 MB / 1 s.
      memoryLimitInMB: '512',
    });
    expect(result.context.remaining).toBeGreaterThan(1_000);
    expect(result.context.remaining).toBeLessThanOrEqual(3_000);
    expect(result.env).toEqual({ LAMBDA_ENDPOINT: gateway.managementUrl, FIXTURE_GREETING: 'hello-test' });
    expect(process.env.LAMBDA_ENDPOINT).toBe(gateway.managementUrl);
  });

  it.each([
    ['the serverless.yml key', 'worker'],
    ['an ARN with a qualifier', 'arn:aws:lambda:us-east-1:123456789012:function:fixture-test-worker:$LATEST'],
    ['a partial ARN', '123456789012:function:fixture-test-worker'],
  ])('accepts %s as FunctionName', async (_form, FunctionName) => {
    const output = await invoke({
      FunctionName,
      Payload: json({ n: 1 }),
      Qualifier: FunctionName.includes('$LATEST') ? undefined : '$LATEST',
    });
    expect(output.StatusCode).toBe(200);
    expect(payloadOf(output).context.functionName).toBe('fixture-test-worker');
  });

  it('passes an empty payload as {} and returns null for a handler that returns nothing', async () => {
    expect(payloadOf(await invoke({ FunctionName: 'worker' })).event).toEqual({});
    expect(payloadOf(await invoke({ FunctionName: 'nothing' }))).toBeNull();
  });

  it('reports a handler error as 200 with FunctionError Unhandled and the runtime error payload', async () => {
    const output = await invoke({ FunctionName: 'fails' });
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(payloadOf(output)).toMatchObject({ errorType: 'FixtureError', errorMessage: 'function exploded' });
  });

  it('reports a timeout as Sandbox.Timedout', async () => {
    // misbehave.slow takes 1.5 s; the fixture's provider timeout is 1 s.
    const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
    expect(config.functions.get('slow')?.timeoutSeconds).toBe(1);
    const output = await invoke({ FunctionName: 'slow' });
    expect(output.FunctionError).toBe('Unhandled');
    expect(payloadOf(output)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${output.$metadata.requestId} Error: Task timed out after 1.00 seconds`,
    });
  });

  it('DryRun answers 204 without running the function', async () => {
    const before = payloadOf(await invoke({ FunctionName: 'worker' })).invocations as number;
    const output = await invoke({ FunctionName: 'worker', InvocationType: 'DryRun' });
    expect(output.StatusCode).toBe(204);
    expect(payloadOf(await invoke({ FunctionName: 'worker' })).invocations).toBe(before + 1);
  });

  it('raises ResourceNotFoundException (404) for an unknown function', async () => {
    const error = await invoke({ FunctionName: 'fixture-test-missing' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    expect((error as Error).message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:123456789012:function:fixture-test-missing',
    );
  });

  it.each([
    ['an ARN', 'arn:aws:lambda:us-east-1:123456789012:function:fixture-test-missing', ''],
    ['an ARN with a qualifier', 'arn:aws:lambda:us-east-1:123456789012:function:fixture-test-missing:live', ':live'],
    ['a partial ARN', '123456789012:function:fixture-test-missing', ''],
    ['a name with a qualifier', 'fixture-test-missing:7', ':7'],
  ])('names the missing function once when FunctionName is %s', async (_form, FunctionName, qualifier) => {
    const error = await invoke({ FunctionName }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toBe(
      `Function not found: arn:aws:lambda:us-east-1:123456789012:function:fixture-test-missing${qualifier}`,
    );
  });

  it('refuses an Event payload over 256 KB with RequestEntityTooLargeException (413); RequestResponse allows it', async () => {
    const big = json({ data: 'x'.repeat(256 * 1024) });
    const error = await invoke({ FunctionName: 'worker', InvocationType: 'Event', Payload: big }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('RequestEntityTooLargeException');
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(413);
    expect((error as Error).message).toBe(
      `${big.length} byte payload is too large for the Event invocation type (limit 262144 bytes)`,
    );

    const output = await invoke({ FunctionName: 'worker', Payload: big });
    expect(payloadOf(output).event.data).toHaveLength(256 * 1024);
  });

  it('refuses a RequestResponse payload over 6 MB', async () => {
    const error = await invoke({ FunctionName: 'worker', Payload: json({ data: 'x'.repeat(6 * 1024 * 1024) }) }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('RequestEntityTooLargeException');
    expect((error as Error).message).toBe(
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
  });

  it('reports a RequestResponse result over 6 MB as Function.ResponseSizeTooLarge, like the Node.js runtime', async () => {
    // The request stays under 6 MB; the worker function returns it with its context, which takes it over.
    const Payload = json({ data: 'x'.repeat(6 * 1024 * 1024 - 100) });
    expect(Payload.length).toBeLessThanOrEqual(6 * 1024 * 1024);
    const output = await invoke({ FunctionName: 'worker', Payload });
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(payloadOf(output)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('returns a result of up to 6,291,556 bytes, 100 more than a request may carry, and refuses one byte more', async () => {
    const limit = 6 * 1024 * 1024 + 100;
    const fits = await invoke({ FunctionName: 'sized', Payload: json({ bytes: limit }) });
    expect(fits.FunctionError).toBeUndefined();
    expect(fits.Payload?.length).toBe(limit);
    const over = await invoke({ FunctionName: 'sized', Payload: json({ bytes: limit + 1 }) });
    expect(over.FunctionError).toBe('Unhandled');
    expect(payloadOf(over).errorType).toBe('Function.ResponseSizeTooLarge');
  });

  it('serves the RequestResponse Invoke a route makes while every route slot is taken (routes and invoked functions do not share slots)', async () => {
    // More routes at once than the runtime runs (32), each waiting on a function it invokes: were the invoked
    // function queued behind the routes, none of them would get a slot before the routes time out (1 s).
    const calls = 40;
    const client = await openClient(`${gateway.wsUrl}/?name=nester`);
    try {
      for (let i = 0; i < calls; i += 1) client.ws.send(JSON.stringify({ action: 'nested', tag: `call-${i}` }));
      const replies: string[] = [];
      for (let i = 0; i < calls; i += 1) {
        const frame = await client.nextJson<{ nested?: string }>();
        replies.push(frame.nested ?? JSON.stringify(frame)); // an error frame (a timed-out route) shows as itself
      }
      expect(replies.sort()).toEqual(Array.from({ length: calls }, (_, i) => `call-${i}`).sort());
    } finally {
      client.ws.terminate();
    }
  });

  it('Event answers 202 with an empty body and runs the handler in the background (in-process with asyncWorkers: 0)', async () => {
    const output = await invoke({
      FunctionName: 'report',
      InvocationType: 'Event',
      Payload: json({ url: barrier.url, tag: 'in-process' }),
    });
    expect(output.StatusCode).toBe(202);
    expect(output.Payload?.length ?? 0).toBe(0);
    const report = await eventually(() => barrier.arrived.find((r) => r.tag === 'in-process'), 'the Event invocation');
    expect(report).toMatchObject({
      thread: '0',
      requestId: output.$metadata.requestId,
      functionName: 'fixture-test-report',
    });
    expect(Number(report.remaining)).toBeGreaterThan(1_000);
    expect(Number(report.remaining)).toBeLessThanOrEqual(5_000);
    barrier.release();
    await eventually(() => barrier.done.find((r) => r.tag === 'in-process'), 'the Event invocation to finish');
  });

  it('logs a failed Event invocation through the gateway logger (no retries)', async () => {
    const output = await invoke({ FunctionName: 'fails', InvocationType: 'Event' });
    const logged = await eventually(
      () => errors.find((message) => message.includes(output.$metadata.requestId!)),
      'the logged failure',
    );
    expect(logged).toContain('fails');
  });
});

describe('Invoke API over plain HTTP', () => {
  it('answers 404 ResourceNotFoundException with the AWS error headers', async () => {
    const res = await fetch(`${gateway.managementUrl}/2015-03-31/functions/nope/invocations`, {
      method: 'POST',
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await res.json()).toMatchObject({ Type: 'User' });
  });

  it('answers 400 InvalidRequestContentException for a body that is not JSON', async () => {
    const res = await fetch(`${gateway.managementUrl}/2015-03-31/functions/worker/invocations`, {
      method: 'POST',
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
  });
});

describe('resolveFunction', () => {
  const functions = new Map([['worker', { functionName: 'worker', handler: 'h.handler' }]]);
  const resolve = (name: string) => resolveFunction(name, { functions, service: 'svc', stage: 'dev' })?.functionName;

  it.each([
    'worker',
    'svc-dev-worker',
    'svc-dev-worker:prod',
    '123456789012:function:svc-dev-worker',
    'arn:aws:lambda:eu-west-1:123456789012:function:svc-dev-worker:7',
    'arn:aws-cn:lambda:cn-north-1:123456789012:function:worker',
  ])('%s -> worker', (name) => {
    expect(resolve(name)).toBe('worker');
  });

  it.each(['svc-other-worker', 'svc-dev-', 'arn:aws:lambda:us-east-1:123456789012:function:', 'a:b:c'])(
    '%s -> not found',
    (name) => {
      expect(resolve(name)).toBeUndefined();
    },
  );
});
