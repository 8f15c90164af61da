import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../src/local/gateway.js';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';
import { openClient, silentLogger } from './helpers.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless-no-default.yml');
let gateway: Gateway;

beforeAll(async () => {
  const config = await loadServerlessConfig(FIXTURE, { stage: 'test' });
  gateway = await startGateway({ config, serverlessFile: FIXTURE, port: 0, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close();
});

describe('an API without $default, $connect or an authorizer', () => {
  it('accepts any connection and answers unmatched messages with AWS\'s "Forbidden" frame', async () => {
    const client = await openClient(`${gateway.wsUrl}/`);
    client.ws.send('{"action":"nope"}');
    const frame = await client.next();
    expect(frame).toMatch(
      /^\{"message": "Forbidden", "connectionId":"[A-Za-z0-9]{15}=", "requestId":"[A-Za-z0-9]{15}="\}$/,
    );

    client.ws.send('{"action":"echo"}');
    const { event } = await client.nextJson();
    expect(event.requestContext.connectionId).toBe(JSON.parse(frame).connectionId);
    expect(event.requestContext).not.toHaveProperty('authorizer');
    client.ws.close();
  });
});
