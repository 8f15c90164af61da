import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiGatewayConnectionGateway } from '../../src/adapters/apigw/connection-gateway.js';
import {
  CredentialCache,
  ManagementApiError,
  ManagementApiTimeoutError,
  SignedPostConnectionGateway,
  type CredentialProvider,
} from '../../src/adapters/apigw/signed-post.js';
import type { SigningCredentials } from '../../src/adapters/apigw/sigv4.js';
import { createManagementApiClient, createSignedPoster } from '../../src/adapters/aws-clients.js';
import { ConnectionGoneError, GatewayError, ThrottledError } from '../../src/domain/errors.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import type { ServerFrame } from '../../src/protocol/index.js';
import { errorReply, ManagementServer, type RecordedRequest } from '../support/management-server.js';
import { amzDateToDate, referenceHeaders } from '../support/reference-signer.js';

/** An id shaped like API Gateway's (base64, with '='), which must survive the path encoding. */
const CONNECTION_ID = 'L0SM9cOFvHcCIhw=';
const REGION = 'eu-west-1';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  vi.unstubAllEnvs();
});

function config(endpoint: string) {
  return { region: REGION, dynamoDbEndpoint: undefined, managementEndpoint: endpoint, sdkTimeouts: undefined };
}

/** The signed-post gateway against `endpoint`, its DeleteConnection on an SDK client. */
function signedGateway(
  endpoint: string,
  options: { credentials?: SigningCredentials | CredentialProvider; requestTimeoutMs?: number } = {},
) {
  const poster = createSignedPoster(config(endpoint), endpoint, {
    credentials: LOCAL_CREDENTIALS,
    ...options,
  });
  const client = createManagementApiClient(config(endpoint), endpoint, { credentials: LOCAL_CREDENTIALS });
  cleanups.push(() => {
    poster.destroy();
    client.destroy();
  });
  return new SignedPostConnectionGateway(poster, new ApiGatewayConnectionGateway(client));
}

async function setup(options: { maxPostBytes?: number } = {}) {
  const server = await new ManagementServer({ stagePath: '/dev', ...options }).start();
  cleanups.push(() => server.stop());
  return { server, gateway: signedGateway(server.endpoint) };
}

/** What the SDK's signer makes of the recorded request, signing exactly the headers the request says it signed. */
async function expectedAuthorization(request: RecordedRequest, credentials: SigningCredentials): Promise<string> {
  const authorization = String(request.headers.authorization);
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const headers = Object.fromEntries(signedNames.map((name) => [name, String(request.headers[name])]));
  const reference = await referenceHeaders(
    { method: request.method, host: headers.host ?? '', path: request.url, headers, body: request.body },
    credentials,
    { region: REGION, service: 'execute-api' },
    amzDateToDate(headers['x-amz-date'] ?? ''),
  );
  return reference.authorization ?? '';
}

/** A server on 127.0.0.1 that reads requests and never answers them. */
async function silentServer(): Promise<string> {
  const server: Server = createServer((req) => req.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('SignedPostConnectionGateway over real HTTP', () => {
  it.each([
    [CONNECTION_ID, '/dev/@connections/L0SM9cOFvHcCIhw%3D'],
    ["odd!'()*~ é/x", '/dev/@connections/odd%21%27%28%29%2A~%20%C3%A9%2Fx'],
  ])('sends the request the SDK sends for id %s: same method, path, body and content type', async (id, path) => {
    // Prepare: both adapters post the same frame to the same server
    const { server, gateway } = await setup();
    server.open(id);
    const client = createManagementApiClient(config(server.endpoint), server.endpoint, {
      credentials: LOCAL_CREDENTIALS,
    });
    cleanups.push(() => client.destroy());
    const frame: ServerFrame = { type: 'typing', room: 'lobby', user: { userId: 'u-1', name: 'Zoë 🚀' } };
    // Act
    await gateway.post(id, frame);
    await new ApiGatewayConnectionGateway(client).post(id, frame);
    // Assess
    const [ours, sdk] = server.requests;
    expect(ours?.method).toBe(sdk?.method);
    expect(ours?.url).toBe(sdk?.url);
    expect(ours?.url).toBe(path);
    expect(ours?.headers['content-type']).toBe(sdk?.headers['content-type']);
    expect(ours?.body.equals(Buffer.from(JSON.stringify(frame), 'utf8'))).toBe(true);
    expect(ours?.body.equals(sdk?.body ?? Buffer.alloc(0))).toBe(true);
    expect(server.received(id)).toHaveLength(2);
  });

  it('signs with SigV4 for execute-api in the region, as the SDK signer would sign the request received', async () => {
    const { server } = await setup();
    server.open(CONNECTION_ID);
    const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/key+1', sessionToken: 'FwoGZX//token=' };
    const gateway = signedGateway(server.endpoint, { credentials });

    await gateway.post(CONNECTION_ID, { type: 'pong' });

    const [request] = server.requests;
    const authorization = String(request?.headers.authorization);
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(authorization).toBe(await expectedAuthorization(request!, credentials));
  });

  it('takes its credentials from the SDK default chain (the environment, as in Lambda) when none are given', async () => {
    const { server } = await setup();
    server.open(CONNECTION_ID);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'env-token');
    const poster = createSignedPoster(config(server.endpoint), server.endpoint);
    const client = createManagementApiClient(config(server.endpoint), server.endpoint);
    cleanups.push(() => {
      poster.destroy();
      client.destroy();
    });

    await new SignedPostConnectionGateway(poster, new ApiGatewayConnectionGateway(client)).post(CONNECTION_ID, {
      type: 'pong',
    });

    const [request] = server.requests;
    expect(String(request?.headers.authorization)).toContain('Credential=AKIDFROMENV/');
    expect(request?.headers['x-amz-security-token']).toBe('env-token');
    expect(String(request?.headers.authorization)).toBe(
      await expectedAuthorization(request!, {
        accessKeyId: 'AKIDFROMENV',
        secretAccessKey: 'env-secret',
        sessionToken: 'env-token',
      }),
    );
  });

  it('asks the provider again for credentials about to expire, and not for fresh ones', async () => {
    const { server } = await setup();
    server.open(CONNECTION_ID);
    const issued = [
      { accessKeyId: 'OLD', secretAccessKey: 's1', expiration: new Date(Date.now() + 60_000) },
      { accessKeyId: 'NEW', secretAccessKey: 's2', expiration: new Date(Date.now() + 3_600_000) },
    ];
    let calls = 0;
    const provider = () => Promise.resolve(issued[Math.min(calls++, issued.length - 1)]!);
    const gateway = signedGateway(server.endpoint, { credentials: provider });

    for (let i = 0; i < 4; i += 1) await gateway.post(CONNECTION_ID, { type: 'pong' });

    const keys = server.requests.map((r) => /Credential=(\w+)\//.exec(String(r.headers.authorization))?.[1]);
    expect(keys).toEqual(['OLD', 'NEW', 'NEW', 'NEW']);
    expect(calls).toBe(2);
  });

  it('reuses one keep-alive socket for sequential posts, and opens more for concurrent ones (no socket cap)', async () => {
    const { server, gateway } = await setup();
    server.open(CONNECTION_ID);
    const ids = Array.from({ length: 12 }, (_, i) => `conn-${i}`);
    for (const id of ids) server.open(id);

    for (let i = 0; i < 5; i += 1) await gateway.post(CONNECTION_ID, { type: 'pong' });
    const sequentialSockets = server.sockets;
    await Promise.all(ids.map((id) => gateway.post(id, { type: 'pong' })));

    expect(sequentialSockets).toBe(1);
    expect(server.requests).toHaveLength(17);
    expect(server.sockets).toBeGreaterThan(3);
  });

  it.each([
    ['GoneException', { 'x-amzn-ErrorType': 'GoneException', 'Content-Type': 'application/json' }],
    [
      'GoneException with a namespace',
      { 'x-amzn-ErrorType': 'GoneException:http://internal.amazon.com/coral/com.amazon.coral.service/' },
    ],
    ['the status alone', {}],
  ])('turns a 410 (%s) into ConnectionGoneError naming the connection', async (_name, headers) => {
    const { server, gateway } = await setup();
    server.respondNext({ status: 410, headers, body: JSON.stringify({ message: null }) });

    const error = await gateway.post(CONNECTION_ID, { type: 'pong' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConnectionGoneError);
    expect(error).toMatchObject({ connectionId: CONNECTION_ID });
    expect((error as Error).cause).toBeInstanceOf(ManagementApiError);
    expect((error as Error).cause).toMatchObject({ $metadata: { httpStatusCode: 410 } });
  });

  it.each([
    [429, 'LimitExceededException'],
    [429, 'TooManyRequestsException'],
  ])('turns HTTP %i %s into ThrottledError after one attempt (the domain retries)', async (status, type) => {
    const { server, gateway } = await setup();
    server.open(CONNECTION_ID);
    server.respondNext(errorReply(status, type));

    const error = await gateway.post(CONNECTION_ID, { type: 'pong' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as Error).cause).toMatchObject({ name: type, $metadata: { httpStatusCode: status } });
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [500, 'InternalServerErrorException'],
    [503, 'ServiceUnavailableException'],
    [403, 'ForbiddenException'],
  ])('turns HTTP %i %s into a GatewayError with the status, not gone and not throttled', async (status, type) => {
    const { server, gateway } = await setup();
    server.open(CONNECTION_ID);
    server.respondNext({
      status,
      headers: { 'x-amzn-ErrorType': type },
      body: JSON.stringify({ message: 'Forbidden by policy' }),
    });

    const error = await gateway.post(CONNECTION_ID, { type: 'pong' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ connectionId: CONNECTION_ID, statusCode: status });
    expect(error).not.toBeInstanceOf(ThrottledError);
    expect((error as Error).cause).toMatchObject({ name: type, message: 'Forbidden by policy' });
    expect(server.requests).toHaveLength(1);
  });

  it('gives up on a server that never answers after the request timeout: a GatewayError without a status', async () => {
    const endpoint = await silentServer();
    const gateway = signedGateway(endpoint, { requestTimeoutMs: 200 });

    const error = await gateway.post(CONNECTION_ID, { type: 'pong' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).statusCode).toBeUndefined();
    expect((error as Error).cause).toBeInstanceOf(ManagementApiTimeoutError);
  });

  it('does not fail a post whose answer arrived while the event loop was blocked past the timeout', async () => {
    // Prepare: a server in another process (this one is about to block), and a kept-alive socket to it.
    const server = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.end()); })
          .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => void server.kill());
    const [port] = (await once(server.stdout, 'data')) as [Buffer];
    const gateway = signedGateway(`http://127.0.0.1:${String(port).trim()}`, { requestTimeoutMs: 100 });
    await gateway.post(CONNECTION_ID, { type: 'pong' });
    // Act: the answer comes within milliseconds, but this process is busy for 400 ms.
    const posted = gateway.post(CONNECTION_ID, { type: 'pong' }).then(
      () => 'delivered',
      (e: unknown) => e,
    );
    // Blocked right after the request went out, outside the timers phase (as by an I/O callback): the answer comes
    // meanwhile, and the next loop turn starts with the due timers, the socket's timeout among them.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const busyUntil = Date.now() + 400;
        while (Date.now() < busyUntil); // blocks the event loop, as a starved container would
        resolve();
      }),
    );
    // Assess: the timer is due before the answer is read; the post still counts as delivered (no retry, no duplicate).
    expect(await posted).toBe('delivered');
  });

  it('reports a refused connection as a GatewayError without a status (transient: the domain retries it)', async () => {
    const endpoint = await silentServer();
    // Stop the server, keep its port: nothing listens there any more.
    await cleanups.pop()?.();
    const gateway = signedGateway(endpoint);

    const error = await gateway.post(CONNECTION_ID, { type: 'pong' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).statusCode).toBeUndefined();
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('fails a request node:http refuses to build (a line break in the session token) as a GatewayError', async () => {
    const { server } = await setup();
    server.open(CONNECTION_ID);
    const gateway = signedGateway(server.endpoint, {
      credentials: { accessKeyId: 'A', secretAccessKey: 's', sessionToken: 'bad\r\ntoken' },
    });

    const error = await gateway.post(CONNECTION_ID, { type: 'pong' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GatewayError);
    expect((error as Error).cause).toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(server.requests).toHaveLength(0);
  });

  it('closes with DeleteConnection on the SDK client, a 410 counting as already closed', async () => {
    const { server, gateway } = await setup();
    server.open(CONNECTION_ID);

    await gateway.close(CONNECTION_ID);
    await gateway.close(CONNECTION_ID);

    expect(
      server.requests.map((r) => [r.method, r.url, String(r.headers['user-agent']).startsWith('aws-sdk-js')]),
    ).toEqual([
      ['DELETE', '/dev/@connections/L0SM9cOFvHcCIhw%3D', true],
      ['DELETE', '/dev/@connections/L0SM9cOFvHcCIhw%3D', true],
    ]);
  });
});

describe('CredentialCache', () => {
  it('keeps credentials without an expiry, and those expiring in more than 5 minutes, until then', async () => {
    const now = Date.UTC(2026, 0, 1);
    const cache = new CredentialCache(() =>
      Promise.resolve({ accessKeyId: 'A', secretAccessKey: 's', expiration: new Date(now + 10 * 60_000) }),
    );
    expect(cache.usable(now)).toBeUndefined();

    await cache.resolve();

    expect(cache.usable(now)?.accessKeyId).toBe('A');
    expect(cache.usable(now + 4 * 60_000)?.accessKeyId).toBe('A');
    expect(cache.usable(now + 5 * 60_000 + 1)).toBeUndefined();
  });
});
