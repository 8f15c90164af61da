import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LambdaRuntime } from '../../src/local/lambda-runtime.js';
import { openClient, withTimeout, type OpenClient } from '../local/helpers.js';
import { startFaultStack, type FaultStack } from './fault-stack.js';

/*
 * The store stops answering instead of refusing (a black-holed route, a partition): requests hang until the
 * SDK's timeouts. The contract still promises an `internal` error frame, so the SDK's budget (attempts x
 * request timeout + backoff) must end before the Lambda / 29 s integration timeout; otherwise the client gets
 * API Gateway's generic "Endpoint request timed out" frame instead, and in AWS the Lambda is killed before it
 * can post anything. Raw frames here, because that generic frame is not one of ours.
 */
const LAMBDA_TIMEOUT_MS = 29_000;
// Regression: with 3 attempts x 10 s request timeout the generic frame came at ~29.5 s, ours at ~36 s.
let env: FaultStack;
let client: OpenClient | undefined;
/** Passes through; lets the test wait until every handler invoked so far has finished. */
const invokeSpy = vi.spyOn(LambdaRuntime.prototype, 'invoke');
const handlersIdle = () => Promise.allSettled(invokeSpy.mock.results.map((result) => result.value));

beforeAll(async () => {
  // The cloud's SDK timeouts (config.ts defaults), not the longer ones the local runtime sets for its shared
  // event loop: the question is whether the AWS budget fits in the Lambda timeout.
  const cloud = loadConfig({ CONNECTIONS_TABLE: '-', MEMBERSHIPS_TABLE: '-', MESSAGES_TABLE: '-' }).sdkTimeouts;
  process.env.SDK_CONNECT_TIMEOUT_MS = String(cloud.connectMs);
  process.env.SDK_REQUEST_TIMEOUT_MS = String(cloud.requestMs);
  env = await startFaultStack();
});
afterAll(async () => {
  client?.ws.terminate();
  await env?.stop();
  invokeSpy.mockRestore();
});

describe('a store that stops answering', () => {
  it(
    'answers a send with an internal error echoing the clientMsgId before the Lambda timeout',
    async () => {
      client = await openClient(`${env.gateway.wsUrl}/?name=alice`);
      client.ws.send(JSON.stringify({ action: 'join', room: 'stall' }));
      expect(await client.nextJson()).toMatchObject({ type: 'joined' });
      // join announces the newcomer after its answer: let that finish before the store hangs.
      await withTimeout(handlersIdle(), 'the join handler to finish');

      env.proxy.stall();
      client.ws.send(JSON.stringify({ action: 'send', room: 'stall', text: 'hello?', clientMsgId: 'stall-1' }));
      // Ours echoes the clientMsgId; API Gateway's generic frame has no `type`.
      const answer = await withTimeout(
        new Promise<Record<string, unknown>>((resolve) =>
          client!.ws.on('message', (data) => {
            const frame = JSON.parse(data.toString()) as Record<string, unknown>;
            if (frame.clientMsgId === 'stall-1' || frame.type === undefined) resolve(frame);
          }),
        ),
        'the answer to a send while the store hangs',
        LAMBDA_TIMEOUT_MS,
      );
      expect(answer).toMatchObject({ type: 'error', code: 'internal', action: 'send', clientMsgId: 'stall-1' });
    },
    LAMBDA_TIMEOUT_MS + 10_000,
  );

  it(
    'answers `internal` after the ack, still before the Lambda timeout, when the store hangs during the fan-out',
    async () => {
      env.proxy.restore();
      await withTimeout(handlersIdle(), "the first test's handlers to finish", LAMBDA_TIMEOUT_MS);
      const sender = await openClient(`${env.gateway.wsUrl}/?name=bob`);
      client = sender;
      sender.ws.send(JSON.stringify({ action: 'join', room: 'stall-2' }));
      expect(await sender.nextJson()).toMatchObject({ type: 'joined' });
      await withTimeout(handlersIdle(), 'the join handler to finish');

      // The send's members Query (after it stored the message, beside the ack) is held, and the store hangs from then on.
      const membersQuery = env.proxy.holdRequestWhen(/Query[\s\S]*"S":"stall-2#0"/);
      const frames: Array<Record<string, unknown>> = [];
      // Ours (`internal`) or API Gateway's generic frame (no `type`), after the ack that came before the store hung.
      const answered = new Promise<void>((resolve) =>
        sender.ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as Record<string, unknown>;
          frames.push(frame);
          if (frame.type === 'error' || frame.type === undefined) resolve();
        }),
      );
      const started = Date.now();
      sender.ws.send(JSON.stringify({ action: 'send', room: 'stall-2', text: 'then silence', clientMsgId: 'stall-2' }));
      await withTimeout(membersQuery, "the send's members Query");
      env.proxy.stall();
      await withTimeout(answered, 'the answer after the ack', LAMBDA_TIMEOUT_MS);
      expect(frames.map((f) => f.type)).toEqual(['ack', 'error']);
      expect(frames[1]).toMatchObject({ code: 'internal', action: 'send', clientMsgId: 'stall-2' });
      expect(Date.now() - started).toBeLessThan(LAMBDA_TIMEOUT_MS);
    },
    LAMBDA_TIMEOUT_MS * 2 + 10_000,
  );
});
