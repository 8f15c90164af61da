import { Agent, request } from 'node:http';
import { ApiGatewayConnectionGateway, createManagementApiClient } from '@chat/backend/adapters';
import type { ServerFrame } from '@chat/backend/protocol';

/** One way of delivering a frame to a connection over the management API. */
export interface Poster {
  post(connectionId: string): Promise<void>;
  close(): void;
}

/** A message frame of a typical size (a 100-character text), as fan-out posts it. */
export const BENCH_FRAME: ServerFrame = {
  type: 'message',
  room: 'bench',
  id: '00001764547200000-a1b2c3d4e5f6',
  ts: 1_764_547_200_000,
  sender: { userId: 'guest-0123456789abcdef', name: 'alice' },
  text: 'x'.repeat(100),
  clientMsgId: 'c-0123456789',
};

/**
 * What a fan-out worker runs per recipient: the production adapter over the production client settings
 * (keep-alive, one attempt, cached middleware), signing with fixed credentials so nothing looks for a
 * credential provider (in the cloud that is the Lambda role).
 */
export function sdkPoster(endpoint: string, frame: ServerFrame = BENCH_FRAME): Poster {
  const client = createManagementApiClient({ region: 'us-east-1', dynamoDbEndpoint: undefined, managementEndpoint: endpoint }, endpoint, {
    credentials: { accessKeyId: 'AKIDPOSTCOSTBENCH', secretAccessKey: 'post-cost-bench' },
  });
  const gateway = new ApiGatewayConnectionGateway(client);
  return {
    post: (connectionId) => gateway.post(connectionId, frame),
    close: () => client.destroy(),
  };
}

/**
 * The floor under the SDK: the same bytes as an unsigned HTTP/1.1 POST from node:http on a keep-alive agent,
 * so the difference between the two is what the SDK (middleware, SigV4, serde) adds per post.
 */
export function httpPoster(endpoint: string, frame: ServerFrame = BENCH_FRAME): Poster {
  const agent = new Agent({ keepAlive: true });
  const url = new URL(endpoint);
  return {
    post: (connectionId) =>
      new Promise<void>((resolve, reject) => {
        const body = Buffer.from(JSON.stringify(frame), 'utf8');
        const req = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: `/@connections/${encodeURIComponent(connectionId)}`,
            headers: { 'content-type': 'application/json', 'content-length': body.byteLength },
          },
          (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`post answered ${res.statusCode}`))));
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
