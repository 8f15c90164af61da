import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';
import { startGateway, type Gateway } from '../../src/local/gateway.js';
import { useLocalStack } from '../support/local-stack.js';
import { FIXTURE, openClient, refusedStatus, silentLogger, type OpenClient } from './helpers.js';

/**
 * Route handlers in a worker thread (`routeWorkers`, LOCAL_ROUTE_WORKERS for npm start): the same events, results,
 * errors and timeouts as on the gateway's own thread.
 */
describe('route handlers in a worker thread, fixture API', () => {
  let gateway: Gateway;
  const clients: OpenClient[] = [];
  const connect = async (name = 'alice'): Promise<OpenClient> => {
    const client = await openClient(`${gateway.wsUrl}/?name=${name}`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
    gateway = await startGateway({ config, serverlessFile: FIXTURE, port: 0, logger: silentLogger, routeWorkers: 1 });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.ws.terminate();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('runs the route off the gateway thread with the Lambda environment and an AWS-shaped event', async () => {
    const client = await connect();
    client.ws.send('{"action":"echo","n":1}');
    const reply = await client.nextJson<{ event: any; context: any; env: Record<string, string>; threadId: number }>();
    expect(reply.threadId).not.toBe(0);
    expect(reply.event.requestContext).toMatchObject({ routeKey: 'echo', eventType: 'MESSAGE', stage: 'test' });
    expect(reply.event.body).toBe('{"action":"echo","n":1}');
    expect(reply.context.functionName).toBe('fixture-test-echo');
    expect(reply.env.FIXTURE_GREETING).toBe('hello-test');
  });

  it('answers a throwing route and a timed-out route with "Internal server error", and the connection stays open', async () => {
    const client = await connect();
    client.ws.send('{"action":"boom"}');
    expect(JSON.parse(await client.next())).toMatchObject({ message: 'Internal server error' });
    client.ws.send('{"action":"slow"}');
    expect(JSON.parse(await client.next())).toMatchObject({ message: 'Internal server error' });
    client.ws.send('{"action":"echo"}');
    expect((await client.nextJson<{ event: any }>()).event.requestContext.routeKey).toBe('echo');
  });

  it("keeps the authorizer's answers: 401 for Unauthorized, 403 for Deny, 500 for a crash", async () => {
    expect(await refusedStatus(`${gateway.wsUrl}/?name=unauthorized`)).toBe(401);
    expect(await refusedStatus(`${gateway.wsUrl}/?name=deny`)).toBe(403);
    expect(await refusedStatus(`${gateway.wsUrl}/?name=crash`)).toBe(500);
  });
});

describe('route handlers in a worker thread, the chat handlers', () => {
  const { clients } = useLocalStack({ routeWorkers: 1 });

  it('joins, sends and delivers to the room, and answers bad input with an error frame', async () => {
    const room = `rw-${process.pid}`;
    const [alice, bob] = await Promise.all([clients.open('name=alice'), clients.open('name=bob')]);
    await alice.join(room);
    await bob.join(room);
    alice.send({ action: 'send', room, text: 'from a worker thread', clientMsgId: 'rw-1' });
    expect(await alice.waitFor('ack', (a) => a.clientMsgId === 'rw-1')).toMatchObject({ clientMsgId: 'rw-1' });
    expect(await bob.waitFor('message')).toMatchObject({
      room,
      text: 'from a worker thread',
      sender: { name: 'alice' },
    });
    bob.send({ action: 'send', room, text: '' });
    expect(await bob.waitFor('error')).toMatchObject({ code: 'bad_request', action: 'send' });
    await bob.roundTrip();
  });
});
