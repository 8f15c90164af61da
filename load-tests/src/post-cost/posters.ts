import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  ApiGatewayConnectionGateway,
  createManagementApiClient,
  createSignedPoster,
  SignedPostConnectionGateway,
} from '@chat/backend/adapters';
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

/** Fixed credentials, so no variant looks for a credential provider (in the cloud that is the Lambda role). */
const BENCH_CREDENTIALS = { accessKeyId: 'AKIDPOSTCOSTBENCH', secretAccessKey: 'post-cost-bench' };
const BENCH_CONFIG = { region: 'us-east-1', dynamoDbEndpoint: undefined } as const;

/**
 * What a fan-out worker runs per recipient with POST_CLIENT=sdk: the SDK adapter over the production client
 * settings (keep-alive, one attempt, cached middleware).
 */
export function sdkPoster(endpoint: string, frame: ServerFrame = BENCH_FRAME): Poster {
  const client = createManagementApiClient({ ...BENCH_CONFIG, managementEndpoint: endpoint }, endpoint, {
    credentials: BENCH_CREDENTIALS,
  });
  const gateway = new ApiGatewayConnectionGateway(client);
  return {
    post: (connectionId) => gateway.post(connectionId, frame),
    close: () => client.destroy(),
  };
}

/**
 * What a fan-out worker runs per recipient by default (POST_CLIENT=signed): the production gateway, its posts
 * signed and sent by createSignedPoster's poster, its DeleteConnection (unused here) on the SDK client.
 */
export function adapterPoster(endpoint: string, frame: ServerFrame = BENCH_FRAME): Poster {
  const config = { ...BENCH_CONFIG, managementEndpoint: endpoint };
  const poster = createSignedPoster(config, endpoint, { credentials: BENCH_CREDENTIALS });
  const client = createManagementApiClient(config, endpoint, { credentials: BENCH_CREDENTIALS });
  const gateway = new SignedPostConnectionGateway(poster, new ApiGatewayConnectionGateway(client));
  return {
    post: (connectionId) => gateway.post(connectionId, frame),
    close: () => {
      poster.destroy();
      client.destroy();
    },
  };
}

/** One POST of `body` to `/@connections/{id}` on a keep-alive agent; resolves on 200. */
function postOver(
  agent: Agent,
  url: URL,
  connectionId: string,
  headers: Record<string, string | number>,
  body: Buffer,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/@connections/${encodeURIComponent(connectionId)}`,
        headers,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`post answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The floor under the SDK: the same bytes as an unsigned HTTP/1.1 POST from node:http on a keep-alive agent,
 * so the difference between the two is what the SDK (middleware, SigV4, serde) adds per post.
 */
export function httpPoster(endpoint: string, frame: ServerFrame = BENCH_FRAME): Poster {
  const agent = new Agent({ keepAlive: true });
  const url = new URL(endpoint);
  return {
    post: (connectionId) => {
      const body = Buffer.from(JSON.stringify(frame), 'utf8');
      return postOver(
        agent,
        url,
        connectionId,
        { 'content-type': 'application/json', 'content-length': body.byteLength },
        body,
      );
    },
    close: () => agent.destroy(),
  };
}

type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Bytes): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (or its HMAC with a secret) from node:crypto, in the shape SignatureV4 expects. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: Bytes) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Bytes): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/**
 * What a post without the client's middleware stack would cost: the SDK's own SigV4 signer (the same headers
 * API Gateway checks) over a plain node:http request. Not what production runs; it prices the alternative.
 */
export function signedHttpPoster(endpoint: string, frame: ServerFrame = BENCH_FRAME): Poster {
  const agent = new Agent({ keepAlive: true });
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: 'us-east-1',
    credentials: BENCH_CREDENTIALS,
    sha256: NodeSha256,
  });
  return {
    post: async (connectionId) => {
      const body = Buffer.from(JSON.stringify(frame), 'utf8');
      const path = `/@connections/${encodeURIComponent(connectionId)}`;
      const signed = await signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path,
        query: {},
        headers: { host: url.host, 'content-type': 'application/json', 'content-length': String(body.byteLength) },
        body,
      });
      await postOver(agent, url, connectionId, signed.headers, body);
    },
    close: () => agent.destroy(),
  };
}
