import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Raw request path, as the SDK encoded it. */
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A stand-in for API Gateway's @connections API on 127.0.0.1 and a free port: live connection ids get
 * 200/204, anything else 410 with x-amzn-ErrorType GoneException (the header the SDK maps to GoneException),
 * bodies over `maxPostBytes` 413. `respondNext` forces one answer, for status codes the fake never gives.
 */
export class ManagementServer {
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted, to observe keep-alive reuse. */
  sockets = 0;
  private readonly live = new Set<string>();
  private readonly delivered = new Map<string, string[]>();
  private readonly canned: CannedResponse[] = [];
  private server: Server | undefined;
  endpoint = '';

  constructor(private readonly options: { stagePath?: string; maxPostBytes?: number } = {}) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', () => {
      this.sockets += 1;
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${this.options.stagePath ?? ''}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  open(connectionId: string): void {
    this.live.add(connectionId);
  }

  drop(connectionId: string): void {
    this.live.delete(connectionId);
  }

  /** Bodies posted to a connection, as text, in arrival order. */
  received(connectionId: string): string[] {
    return this.delivered.get(connectionId) ?? [];
  }

  respondNext(response: CannedResponse): void {
    this.canned.push(response);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      this.requests.push({ method: req.method ?? '', url, headers: req.headers, body });
      const canned = this.canned.shift();
      if (canned !== undefined) return reply(res, canned);
      const match = /^(?:\/[^/]+)?\/(?:@|%40)connections\/([^/?]+)$/.exec(url);
      const id = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
      if (id === undefined) return reply(res, errorReply(404, 'NotFoundException'));
      if (!this.live.has(id)) return reply(res, errorReply(410, 'GoneException'));
      if (req.method === 'DELETE') {
        this.live.delete(id);
        return reply(res, { status: 204 });
      }
      if (body.length > (this.options.maxPostBytes ?? 128 * 1024))
        return reply(res, errorReply(413, 'PayloadTooLargeException'));
      const list = this.delivered.get(id) ?? [];
      list.push(body.toString('utf8'));
      this.delivered.set(id, list);
      return reply(res, { status: 200 });
    });
  }
}

/** An error the way API Gateway sends it: the SDK picks the exception class from x-amzn-ErrorType. */
export function errorReply(status: number, errorType: string): CannedResponse {
  return {
    status,
    headers: { 'x-amzn-ErrorType': errorType, 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: null }),
  };
}

function reply(res: ServerResponse, response: CannedResponse): void {
  const body = response.body ?? '';
  res.writeHead(response.status, { ...response.headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
