import { afterEach } from 'vitest';
import { ApiGatewayConnectionGateway } from '../../src/adapters/apigw/connection-gateway.js';
import { createManagementApiClient } from '../../src/adapters/aws-clients.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { registerConnectionGatewayContract } from '../contracts/connection-gateway.contract.js';
import { ManagementServer } from '../support/management-server.js';
import { MemoryGateway } from '../support/memory-gateway.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

registerConnectionGatewayContract('memory', async () => {
  const gateway = new MemoryGateway();
  return {
    gateway,
    open: () => undefined,
    drop: (id) => gateway.markGone(id),
    received: (id) => gateway.framesFor(id),
  };
});

registerConnectionGatewayContract('API Gateway SDK over HTTP', async () => {
  const server = await new ManagementServer({ stagePath: '/dev' }).start();
  const client = createManagementApiClient(
    { region: 'us-east-1', dynamoDbEndpoint: undefined, managementEndpoint: server.endpoint },
    server.endpoint,
    { credentials: LOCAL_CREDENTIALS, maxAttempts: 1 },
  );
  cleanups.push(async () => {
    client.destroy();
    await server.stop();
  });
  return {
    gateway: new ApiGatewayConnectionGateway(client),
    open: (id) => server.open(id),
    drop: (id) => server.drop(id),
    received: (id) => server.received(id).map((body) => JSON.parse(body)),
  };
});
