import WebSocket from 'ws';

/** A real `ws` client of the local gateway that keeps the type of every frame it got, in order. */
export class FrameLog {
  readonly types: string[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      let type = 'unparsable';
      try {
        type = String((JSON.parse(data.toString('utf8')) as { type?: unknown }).type);
      } catch {
        // Kept as "unparsable": a waiter for a real type then times out with the list of what came.
      }
      this.types.push(type);
      for (const waiter of this.waiters) waiter();
    });
  }

  /** Opens `url` (handshake bounded by `limitMs`); a refused handshake rejects with its status. */
  static open(url: string, limitMs: number): Promise<FrameLog> {
    const ws = new WebSocket(url, { handshakeTimeout: limitMs });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new FrameLog(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`${url}: handshake refused ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Resolves once a frame of `type` arrived at index `from` or later; rejects after `limitMs`. */
  waitFor(type: string, from: number, limitMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.types.slice(from).includes(type)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no "${type}" frame within ${limitMs} ms (got ${JSON.stringify(this.types.slice(from))})`));
      }, limitMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.ws.close(1000);
  }
}
