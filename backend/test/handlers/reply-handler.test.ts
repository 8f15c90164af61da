import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocketEvent } from '../../src/apigw/events.js';
import { useLocalStack } from '../support/local-stack.js';

/*
 * ping's replyHandler against the local gateway's real @connections API. The stack exports the Lambda environment
 * into this process, so the handler module is imported inside the tests, after it started.
 */
const file = useLocalStack({});

function eventFor(connectionId: string, body: string): WebSocketEvent {
  const { host, port } = new URL(file.stack.managementUrl);
  return {
    requestContext: {
      routeKey: 'ping',
      eventType: 'MESSAGE',
      connectionId,
      domainName: `${host.split(':')[0]}:${port}`,
      stage: 'local',
      requestTimeEpoch: Date.now(),
    } as WebSocketEvent['requestContext'],
    body,
    isBase64Encoded: false,
  };
}

describe('replyHandler (ping)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers 200 and logs nothing when the caller left before its pong (a heartbeat racing a reconnect)', async () => {
    const { handler } = await import('../../src/handlers/ping.js');
    const { logger } = await import('../../src/handlers/lib/logger.js');
    const error = vi.spyOn(logger, 'error');
    expect(await handler(eventFor('gone-connection', '{"action":"ping"}'))).toEqual({ statusCode: 200 });
    expect(await handler(eventFor('gone-connection', '{"action":"ping","extra":'))).toEqual({ statusCode: 200 });
    expect(error).not.toHaveBeenCalled();
  });

  it('answers a live caller with pong through the local gateway', async () => {
    const client = await file.clients.open('name=pinger');
    client.send('{"action":"ping"}');
    expect(await client.waitFor('pong')).toEqual({ type: 'pong' });
  });
});
