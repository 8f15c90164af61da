import { GoneException } from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiGatewayConnectionGateway } from '../../src/adapters/apigw/connection-gateway.js';
import { createManagementApiClient } from '../../src/adapters/aws-clients.js';
import { ConnectionGoneError, GatewayError, ThrottledError } from '../../src/domain/errors.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import type { ServerFrame } from '../../src/protocol/index.js';
import { errorReply, ManagementServer } from '../support/management-server.js';

/** An id shaped like API Gateway's (base64, with '='), which must survive the SDK's path encoding. */
const CONNECTION_ID = 'L0SM9cOFvHcCIhw=';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(options: { maxPostBytes?: number } = {}) {
  const server = await new ManagementServer({ stagePath: '/dev', ...options }).start();
  const client = createManagementApiClient(
    {
      region: 'us-east-1',
      dynamoDbEndpoint: undefined,
      managementEndpoint: server.endpoint,
    },
    server.endpoint,
    { credentials: LOCAL_CREDENTIALS, maxAttempts: 1 },
  );
  cleanups.push(async () => {
    client.destroy();
    await server.stop();
  });
  return { server, gateway: new ApiGatewayConnectionGateway(client) };
}

describe('ApiGatewayConnectionGateway over real HTTP', () => {
  it('turns the SDK GoneException of a 410 into ConnectionGoneError, keeping the SDK error as cause', async () => {
    // Prepare: the server knows no connection, so it answers 410 + x-amzn-ErrorType: GoneException
    const { gateway } = await setup();
    // Act
    const error = await gateway.post(CONNECTION_ID, { type: 'pong' }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ConnectionGoneError);
    expect(error).toMatchObject({ connectionId: CONNECTION_ID });
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(GoneException);
    expect(cause).toMatchObject({ $metadata: { httpStatusCode: 410 } });
    expect((cause as { statusCode?: unknown }).statusCode).toBeUndefined(); // the SDK v2 habit that breaks
  });

  it('POSTs exactly the JSON of the frame to /{stage}/@connections/{id}', async () => {
    const { server, gateway } = await setup();
    server.open(CONNECTION_ID);
    const frame: ServerFrame = { type: 'typing', room: 'lobby', user: { userId: 'u-1', name: 'Zoë 🚀' } };

    await gateway.post(CONNECTION_ID, frame);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(decodeURIComponent(request?.url ?? '')).toBe(`/dev/@connections/${CONNECTION_ID}`);
    expect(request?.body.equals(Buffer.from(JSON.stringify(frame), 'utf8'))).toBe(true);
  });

  it('reuses one keep-alive socket for sequential posts', async () => {
    const { server, gateway } = await setup();
    server.open(CONNECTION_ID);

    for (let i = 0; i < 5; i += 1) await gateway.post(CONNECTION_ID, { type: 'pong' });

    expect(server.received(CONNECTION_ID)).toHaveLength(5);
    expect(server.sockets).toBe(1);
  });

  it('does not queue concurrent posts behind a socket cap (queueing would count against the connect timeout)', async () => {
    const { server, gateway } = await setup();
    const ids = Array.from({ length: 12 }, (_, i) => `conn-${i}`);
    for (const id of ids) server.open(id);

    await Promise.all(ids.map((id) => gateway.post(id, { type: 'pong' })));

    expect(server.requests).toHaveLength(12);
    expect(server.sockets).toBeGreaterThan(3);
  });

  it.each([
    [500, 'InternalServerErrorException'],
    [403, 'ForbiddenException'],
    [429, 'LimitExceededException'],
  ])('turns HTTP %i %s into a GatewayError with the status, not a gone connection', async (status, type) => {
    const { server, gateway } = await setup();
    server.open(CONNECTION_ID);
    server.respondNext(errorReply(status, type));

    const error = await gateway.post(CONNECTION_ID, { type: 'pong' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ connectionId: CONNECTION_ID, statusCode: status });
    expect((error as Error).cause).toMatchObject({ name: type });
    // Only throttling is worth a backoff and a retry.
    expect(error instanceof ThrottledError).toBe(status === 429);
  });

  it.each([
    [429, 'TooManyRequestsException'],
    [429, 'LimitExceededException'],
  ])('turns HTTP %i %s into ThrottledError, and makes one attempt only (the domain retries)', async (status, type) => {
    const { server } = await setup();
    server.open(CONNECTION_ID);
    server.respondNext(errorReply(status, type));
    // The production client, not setup()'s: its own settings decide the number of attempts.
    const client = createManagementApiClient(
      { region: 'us-east-1', dynamoDbEndpoint: undefined, managementEndpoint: server.endpoint },
      server.endpoint,
      {
        credentials: LOCAL_CREDENTIALS,
      },
    );
    cleanups.push(async () => client.destroy());

    const error = await new ApiGatewayConnectionGateway(client)
      .post(CONNECTION_ID, { type: 'pong' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ThrottledError);
    expect(server.requests).toHaveLength(1);
  });

  it('close sends DELETE to the connection and treats 410 as already closed', async () => {
    const { server, gateway } = await setup();
    server.open(CONNECTION_ID);

    await gateway.close(CONNECTION_ID);
    await gateway.close(CONNECTION_ID);

    expect(server.requests.map((r) => [r.method, decodeURIComponent(r.url)])).toEqual([
      ['DELETE', `/dev/@connections/${CONNECTION_ID}`],
      ['DELETE', `/dev/@connections/${CONNECTION_ID}`],
    ]);
  });

  it('close reports other failures as GatewayError', async () => {
    const { server, gateway } = await setup();
    server.respondNext(errorReply(403, 'ForbiddenException'));

    await expect(gateway.close(CONNECTION_ID)).rejects.toMatchObject({ name: 'GatewayError', statusCode: 403 });
  });
});
