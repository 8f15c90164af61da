import { afterEach, describe, expect, it } from 'vitest';
import { ApiGatewayConnectionGateway } from '../../src/adapters/apigw/connection-gateway.js';
import { SignedPostConnectionGateway } from '../../src/adapters/apigw/signed-post.js';
import { createManagementApiClient, createSignedPoster } from '../../src/adapters/aws-clients.js';
import { PayloadTooLargeError } from '../../src/domain/errors.js';
import type { ConnectionGateway } from '../../src/domain/ports.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { MAX_FRAME_BYTES, type ServerFrame } from '../../src/protocol/index.js';
import { registerConnectionGatewayContract } from '../contracts/connection-gateway.contract.js';
import { LocalConnectionsApi } from '../support/local-connections-api.js';
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

/** The two production adapters (POST_CLIENT=sdk and =signed) against one endpoint, with the local identity. */
const ADAPTERS: Record<string, (endpoint: string) => { gateway: ConnectionGateway; destroy(): void }> = {
  'SDK adapter': (endpoint) => {
    const client = createManagementApiClient(
      { region: 'us-east-1', dynamoDbEndpoint: undefined, managementEndpoint: endpoint },
      endpoint,
      { credentials: LOCAL_CREDENTIALS, maxAttempts: 1 },
    );
    return { gateway: new ApiGatewayConnectionGateway(client), destroy: () => client.destroy() };
  },
  'signed-post adapter': (endpoint) => {
    const config = { region: 'us-east-1', dynamoDbEndpoint: undefined, managementEndpoint: endpoint };
    const client = createManagementApiClient(config, endpoint, { credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const poster = createSignedPoster(config, endpoint, { credentials: LOCAL_CREDENTIALS });
    return {
      gateway: new SignedPostConnectionGateway(poster, new ApiGatewayConnectionGateway(client)),
      destroy: () => {
        poster.destroy();
        client.destroy();
      },
    };
  },
};

for (const [name, build] of Object.entries(ADAPTERS)) {
  registerConnectionGatewayContract(`${name} on the local gateway's @connections API, real ws clients`, async () => {
    const api = await new LocalConnectionsApi().start();
    const adapter = build(api.endpoint);
    cleanups.push(async () => {
      adapter.destroy();
      await api.stop();
    });
    return {
      gateway: adapter.gateway,
      open: (id) => api.open(id),
      drop: (id) => api.drop(id),
      received: (id) => api.received(id),
    };
  });

  registerConnectionGatewayContract(`${name} over HTTP to a stage path`, async () => {
    const server = await new ManagementServer({ stagePath: '/dev' }).start();
    const adapter = build(server.endpoint);
    cleanups.push(async () => {
      adapter.destroy();
      await server.stop();
    });
    return {
      gateway: adapter.gateway,
      open: (id) => server.open(id),
      drop: (id) => server.drop(id),
      received: (id) => server.received(id).map((body) => JSON.parse(body) as never),
    };
  });
}

/** Where the two adapters must agree beyond the contract: one serialization per fan-out, frames too large. */
for (const [name, build] of Object.entries(ADAPTERS)) {
  describe(`${name}: frame bytes`, () => {
    const CONNECTION_ID = 'L0SM9cOFvHcCIhw=';
    async function setup(options: { maxPostBytes?: number } = {}) {
      const server = await new ManagementServer({ stagePath: '/dev', ...options }).start();
      const adapter = build(server.endpoint);
      cleanups.push(async () => {
        adapter.destroy();
        await server.stop();
      });
      server.open(CONNECTION_ID);
      return { server, gateway: adapter.gateway };
    }

    it('serializes a frame once however many connections it is posted to (a fan-out), each getting the same bytes', async () => {
      const { server, gateway } = await setup();
      const ids = ['a=', 'b=', 'c='];
      for (const id of ids) server.open(id);
      let serialized = 0;
      const frame = { type: 'pong', toJSON: () => ((serialized += 1), { type: 'pong' }) } as unknown as ServerFrame;

      await Promise.all(ids.map((id) => gateway.post(id, frame)));

      expect(serialized).toBe(1);
      expect(server.requests.map((r) => r.body.toString())).toEqual(ids.map(() => '{"type":"pong"}'));
    });

    it('turns a 413 from the API into PayloadTooLargeError, keeping the API error as cause', async () => {
      const { gateway } = await setup({ maxPostBytes: 64 });

      const error = await gateway
        .post(CONNECTION_ID, { type: 'error', code: 'internal', message: 'x'.repeat(100) })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect((error as Error).cause).toMatchObject({
        name: 'PayloadTooLargeException',
        $metadata: { httpStatusCode: 413 },
      });
    });

    it('refuses a frame over 128 KB without a request', async () => {
      const { server, gateway } = await setup();
      // Under the limit in characters, over it in UTF-8 bytes: the limit is on bytes.
      const text = '€'.repeat(Math.ceil(MAX_FRAME_BYTES / 3) + 1);

      const error = await gateway
        .post(CONNECTION_ID, { type: 'error', code: 'internal', message: text })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect((error as PayloadTooLargeError).bytes).toBeGreaterThan(MAX_FRAME_BYTES);
      expect(server.requests).toHaveLength(0);
    });
  });
}
