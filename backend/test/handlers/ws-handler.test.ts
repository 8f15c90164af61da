import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocketEvent } from '../../src/apigw/events.js';
import { ConnectionGoneError } from '../../src/domain/errors.js';
import { useLocalStack } from '../support/local-stack.js';

/*
 * The message routes' wrapper against the local gateway's real @connections API and the test store. The stack
 * exports the Lambda environment into this process, so handler modules are imported inside the tests, after it
 * started. A caller "gone" here is a connection $connect stored that the gateway does not hold: its replies get 410.
 */
const connected: string[] = [];
const file = useLocalStack({
  onInvoke: (functionName, event) => {
    if (functionName === 'connect') connected.push((event as WebSocketEvent).requestContext.connectionId);
  },
});

function eventFor(connectionId: string, routeKey: string, body?: string): WebSocketEvent {
  const { host, port } = new URL(file.stack.managementUrl);
  return {
    requestContext: {
      routeKey,
      eventType: routeKey === '$connect' ? 'CONNECT' : 'MESSAGE',
      connectionId,
      connectedAt: Date.now(),
      domainName: `${host.split(':')[0]}:${port}`,
      stage: 'local',
      requestTimeEpoch: Date.now(),
      authorizer: { principalId: `guest:${connectionId}`, userId: `guest:${connectionId}`, name: connectionId },
    } as WebSocketEvent['requestContext'],
    body,
    isBase64Encoded: false,
  };
}

describe('wsHandler: the caller left while its route ran', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers 200 without an error log for every route that replies to its caller', async () => {
    const { logger } = await import('../../src/handlers/lib/logger.js');
    const error = vi.spyOn(logger, 'error');
    const info = vi.spyOn(logger, 'info');
    const connect = (await import('../../src/handlers/connect.js')).handler;
    const routes = {
      join: (await import('../../src/handlers/join.js')).handler,
      send: (await import('../../src/handlers/send.js')).handler,
      history: (await import('../../src/handlers/history.js')).handler,
      leave: (await import('../../src/handlers/leave.js')).handler,
    };
    const caller = 'leftEarly00001=';
    expect(await connect(eventFor(caller, '$connect'))).toEqual({ statusCode: 200 });

    // send last: its fan-out reaches the caller too, and that 410 removes the caller's connection from the store.
    const steps = [
      ['join', '{"action":"join","room":"gone-caller"}'],
      ['history', '{"action":"history","room":"gone-caller"}'],
      ['leave', '{"action":"leave","room":"gone-caller"}'],
      ['join', '{"action":"join","room":"gone-caller"}'],
      ['send', '{"action":"send","room":"gone-caller","text":"hello","clientMsgId":"m-1"}'],
    ] as const;
    for (const [action, body] of steps) {
      const result = await routes[action](eventFor(caller, action, body));
      expect({ action, result }).toEqual({ action, result: { statusCode: 200 } });
    }
    expect(error).not.toHaveBeenCalled();
    // Each reply found nobody; send's lost ack is the sender's departure, which ChatService.send already expects.
    const departures = info.mock.calls.filter(([message]) => message === 'caller left before its reply');
    expect(departures.map(([, fields]) => (fields as { action: string }).action)).toEqual([
      'join',
      'history',
      'leave',
      'join',
    ]);
  });

  it('still logs and reports any other failure, including the departure of a connection other than the caller', async () => {
    const { logger } = await import('../../src/handlers/lib/logger.js');
    const { wsHandler } = await import('../../src/handlers/lib/ws-handler.js');
    // Expected here: kept out of the test output.
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const client = await file.clients.open('name=stays');
    const caller = connected.at(-1)!;
    const handler = wsHandler('ping', async () => {
      throw new ConnectionGoneError('someone-else');
    });

    expect(await handler(eventFor(caller, 'ping', '{"action":"ping"}'))).toEqual({ statusCode: 200 });
    expect(await client.waitFor('error')).toMatchObject({ type: 'error', code: 'internal', action: 'ping' });
    expect(error).toHaveBeenCalledWith('route failed', expect.objectContaining({ action: 'ping' }));
  });
});
