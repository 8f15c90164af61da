import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PayloadTooLargeError } from '../../domain/errors.js';
import type { ConnectionGateway } from '../../domain/ports.js';
import { MAX_FRAME_BYTES, type ServerFrame } from '../../protocol/index.js';
import { toGatewayError } from './connection-gateway.js';
import { encoded, payloadHashOf, type EncodedFrame } from './frame-encoding.js';
import { Deadlines, type Deadline } from './post-deadlines.js';
import { escapeUri, SigV4Signer, type SigningCredentials } from './sigv4.js';

/** Resolves the identity to sign with; the SDK's providers (defaultProvider) memoize and refresh it themselves. */
export type CredentialProvider = () => Promise<SigningCredentials>;

export interface SignedPosterOptions {
  /** The management endpoint: `https://{domainName}/{stage}` in AWS, `http://127.0.0.1:{port}` locally. */
  endpoint: string;
  /** The region the API is in, which SigV4 signs for. */
  region: string;
  credentials: CredentialProvider | SigningCredentials;
  /** A post not answered this long after it started (connecting included) fails as a retryable GatewayError. */
  requestTimeoutMs: number;
}

/** PostToConnection's body is the data as is; the SDK sends it as application/octet-stream too. */
const CONTENT_TYPE = 'application/octet-stream';
/** One object for every post, so the signer keeps the canonical headers it derived from it. */
const SIGNED_HEADERS = { 'content-type': CONTENT_TYPE } as const;

/** Credentials are resolved again this long before they expire, as the SDK's providers treat them. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * The identity posts are signed with, kept between posts and asked of the provider again only when it is about to
 * expire: a fan-out signs thousands of posts per second and most identities (a Lambda role's) never change.
 */
export class CredentialCache {
  private current: SigningCredentials | undefined;

  constructor(private readonly provider: CredentialProvider) {}

  /** The credentials to sign with now, or undefined when resolve() must be awaited first. */
  usable(now = Date.now()): SigningCredentials | undefined {
    const current = this.current;
    if (current?.expiration !== undefined && current.expiration.getTime() - now < REFRESH_BEFORE_EXPIRY_MS)
      return undefined;
    return current;
  }

  async resolve(): Promise<SigningCredentials> {
    this.current = await this.provider();
    return this.current;
  }
}

/** At most this much of an error answer is read: its message is a sentence, the rest is not needed. */
const MAX_ERROR_BODY = 16 * 1024;

/**
 * A non-2xx answer of the @connections API, shaped like the SDK's exceptions (name from `x-amzn-ErrorType`,
 * `$metadata.httpStatusCode`), so isGone, isThrottled and toGatewayError classify both clients' errors alike.
 */
export class ManagementApiError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId: string | undefined };

  constructor(name: string, status: number, message: string, requestId: string | undefined) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status, requestId };
  }
}

/** No answer within the request timeout; no status, so fan-out treats it as transient. */
export class ManagementApiTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`@connections request timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * PostToConnection as one SigV4-signed HTTP request on a keep-alive agent, without the SDK client around it:
 * fan-out makes one post per recipient, and the client's middleware, endpoint resolution and serde cost several
 * times the request itself (docs/PERFORMANCE.md). The request is the SDK's: same path, body and content type.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
export class SignedPoster {
  private readonly signer: SigV4Signer;
  private readonly credentials: CredentialCache;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly target: Pick<RequestOptions, 'hostname' | 'port'>;
  private readonly host: string;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly deadlines: Deadlines;

  constructor(options: SignedPosterOptions) {
    const url = new URL(options.endpoint);
    const https = url.protocol === 'https:';
    if (!https && url.protocol !== 'http:') throw new Error(`management endpoint must be http(s): ${options.endpoint}`);
    this.timeoutMs = options.requestTimeoutMs;
    this.deadlines = new Deadlines(this.timeoutMs);
    // No maxSockets: concurrency is bounded by fan-out, and a queue inside the agent would count against the timeout.
    // No timeout either: Deadlines times the posts out. Idle kept-alive sockets stay until the server closes them or
    // its Keep-Alive hint says (node:http honours it), so a fan-out seconds after the last does not connect again.
    const agentOptions = { keepAlive: true };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = https ? httpsRequest : httpRequest;
    this.target = { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || undefined };
    this.host = url.host;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.signer = new SigV4Signer(options.region, 'execute-api');
    const { credentials } = options;
    this.credentials = new CredentialCache(
      typeof credentials === 'function' ? credentials : () => Promise.resolve(credentials),
    );
  }

  /**
   * Resolves on 2xx. Rejects with the SDK adapter's typed errors (toGatewayError) for an error answer, a socket
   * error or a timeout, so the gateway needs no second promise per post to translate them.
   */
  post(connectionId: string, frame: EncodedFrame): Promise<void> {
    const credentials = this.credentials.usable();
    return credentials !== undefined
      ? this.request(connectionId, frame, credentials)
      : this.credentials.resolve().then(
          (resolved) => this.request(connectionId, frame, resolved),
          (error: unknown) => Promise.reject(toGatewayError(connectionId, error)),
        );
  }

  private request(connectionId: string, frame: EncodedFrame, credentials: SigningCredentials): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const post = new PendingPost(this.deadlines, this.timeoutMs, connectionId, resolve, reject);
      this.deadlines.add(post);
      try {
        const path = `${this.basePath}/@connections/${escapeUri(connectionId)}`;
        // Raw name/value pairs: node:http writes them as they are, without its per-header bookkeeping.
        const headers = ['host', this.host, 'content-type', CONTENT_TYPE, 'content-length', frame.length];
        this.signer.appendHeaders(
          headers,
          { method: 'POST', host: this.host, path, headers: SIGNED_HEADERS, payloadHash: payloadHashOf(frame) },
          credentials,
        );
        post.req = this.send(
          { hostname: this.target.hostname, port: this.target.port, agent: this.agent, method: 'POST', path, headers },
          (res) => post.answer(res),
        );
        post.req.once('error', (error: unknown) => post.fail(error));
        post.req.end(frame.data);
      } catch (error) {
        // A request node:http refuses to build (an invalid header value) fails like any other post.
        post.fail(error);
      }
    });
  }

  /** Closes the kept-alive sockets. */
  destroy(): void {
    this.agent.destroy();
  }
}

/**
 * One post in flight: its promise, its answer and its deadline. A class, so a post allocates one object and no
 * closures of its own: the deployed bundles keep function names (esbuild keepNames), which names every closure a
 * post would create with a property definition of its own, a cost a fan-out would pay per recipient.
 */
class PendingPost implements Deadline {
  readonly startedAt = Date.now();
  req: ClientRequest | undefined;
  private answered = false;
  private settled = false;
  private expired = false;

  constructor(
    private readonly deadlines: Deadlines,
    private readonly timeoutMs: number,
    private readonly connectionId: string,
    private readonly resolve: () => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  answer(res: IncomingMessage): void {
    this.answered = true;
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      res.once('end', () => this.succeed());
      res.resume();
    } else {
      errorOf(res, status).then(
        (error) => this.fail(error),
        (error: unknown) => this.fail(error),
      );
    }
  }

  fail(error: unknown): void {
    this.settle();
    this.reject(toGatewayError(this.connectionId, error));
  }

  /**
   * After the event loop was blocked (a CPU-starved container, a long GC), due timers run before the I/O that arrived
   * meanwhile: the answer is checked for once more (setImmediate runs after I/O) before giving up, or a post that got
   * through would be failed, retried and delivered twice.
   */
  expire(): void {
    if (this.expired) return;
    const answeredBefore = this.answered;
    setImmediate(() => {
      if (this.settled || (this.answered && !answeredBefore)) return;
      this.expired = true;
      this.req?.destroy(new ManagementApiTimeoutError(this.timeoutMs));
    });
  }

  private succeed(): void {
    this.settle();
    this.resolve();
  }

  private settle(): void {
    this.settled = true;
    this.deadlines.delete(this);
  }
}

/** The error an answer describes: its x-amzn-ErrorType (minus any `:namespace` suffix) and message. */
function errorOf(res: IncomingMessage, status: number): Promise<ManagementApiError> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < MAX_ERROR_BODY) body += chunk;
    });
    res.once('error', reject);
    res.once('end', () => {
      const parsed = parseErrorBody(body);
      const header = res.headers['x-amzn-errortype'];
      const name = (typeof header === 'string' ? header : parsed.type)?.split(':')[0] || `HTTP${status}Error`;
      const requestId = res.headers['x-amzn-requestid'];
      resolve(
        new ManagementApiError(
          name,
          status,
          parsed.message ?? `@connections answered ${status}`,
          typeof requestId === 'string' ? requestId : undefined,
        ),
      );
    });
  });
}

function parseErrorBody(body: string): { type?: string; message?: string } {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null) return {};
    const fields = value as Record<string, unknown>;
    const text = (key: string): string | undefined => (typeof fields[key] === 'string' ? fields[key] : undefined);
    return { type: text('__type') ?? text('code'), message: text('message') ?? text('Message') };
  } catch {
    return {};
  }
}

/**
 * ConnectionGateway whose posts are signed HTTP requests (SignedPoster) and whose other calls (DeleteConnection)
 * stay on the SDK adapter. Errors are the SDK adapter's: ConnectionGoneError on 410, ThrottledError on 429,
 * PayloadTooLargeError on 413, GatewayError with the status otherwise and without one for network and timeouts.
 */
export class SignedPostConnectionGateway implements ConnectionGateway {
  constructor(
    private readonly poster: SignedPoster,
    private readonly sdk: ConnectionGateway,
  ) {}

  /** Oversized frames are refused before the call: API Gateway would answer 413 after a full upload. */
  post(connectionId: string, frame: ServerFrame): Promise<void> {
    const encoding = encoded(frame);
    if (encoding.data.byteLength > MAX_FRAME_BYTES)
      return Promise.reject(new PayloadTooLargeError(connectionId, encoding.data.byteLength));
    return this.poster.post(connectionId, encoding);
  }

  close(connectionId: string): Promise<void> {
    return this.sdk.close(connectionId);
  }
}
