import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of the embedded store that a test can cut and restore: cutting destroys every open
 * socket (the SDK sees ECONNRESET, as when a store node or the network goes away) and resets new ones until
 * restored. Wires act on the first request whose bytes match a pattern, which is how a test stops or freezes
 * the store between two writes of one operation.
 */
export interface StoreProxy {
  endpoint: string;
  cut(): void;
  /** Keeps accepting connections and requests but answers none, like a store behind a black-holed route. */
  stall(): void;
  restore(): void;
  /** Resolves once a request matching `pattern` was about to be forwarded and the store was cut instead. */
  cutWhen(pattern: RegExp): Promise<void>;
  /** Holds the next matching request back (it has not happened) until `release()`. */
  holdRequestWhen(pattern: RegExp): Promise<Hold>;
  /** Lets the next matching request happen but holds its response back until `release()`: the caller is frozen after it. */
  holdResponseWhen(pattern: RegExp): Promise<Hold>;
  /** Requests forwarded so far, by DynamoDB operation (from X-Amz-Target). */
  operations(): Record<string, number>;
  /** Requests forwarded so far, all operations together. */
  calls(): number;
  close(): Promise<void>;
}

export interface Hold {
  release(): void;
}

type Wire = { pattern: RegExp; kind: 'cut' | 'request' | 'response'; fire: (hold: Hold) => void };

export async function startStoreProxy(upstream: { host: string; port: number }): Promise<StoreProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  let stalled = false;
  const wires: Wire[] = [];
  const operations: Record<string, number> = Object.create(null) as Record<string, number>;

  const cut = () => {
    down = true;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const store = connect(upstream.port, upstream.host);
    sockets.add(client).add(store);
    // Bytes of the request in flight on this socket; a response means the next bytes start a new request.
    let request = '';
    /** Bytes held back in either direction while a hold is on. */
    let heldRequest: Buffer[] | undefined;
    let heldResponse: Buffer[] | undefined;
    /** Whether the next bytes from the client start a request (its headers come first, in one chunk). */
    let atRequestStart = true;
    const hold = (target: Buffer[], flush: (chunk: Buffer) => void, clear: () => void): Hold => ({
      release: () => {
        clear();
        for (const chunk of target) flush(chunk);
      },
    });

    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (heldRequest) {
        heldRequest.push(chunk);
        return;
      }
      if (atRequestStart) {
        const operation = /x-amz-target:\s*DynamoDB_\d+\.(\w+)/i.exec(chunk.toString('latin1'))?.[1] ?? 'unknown';
        operations[operation] = (operations[operation] ?? 0) + 1;
        atRequestStart = false;
      }
      if (wires.length > 0) request += chunk.toString('latin1');
      const index = wires.findIndex((wire) => wire.pattern.test(request));
      const wire = index >= 0 ? wires.splice(index, 1)[0] : undefined;
      if (wire?.kind === 'cut') {
        cut();
        wire.fire({ release: () => undefined });
        return;
      }
      if (wire?.kind === 'request') {
        const buffer = [chunk];
        heldRequest = buffer;
        wire.fire(
          hold(
            buffer,
            (c) => store.write(c),
            () => (heldRequest = undefined),
          ),
        );
        return;
      }
      if (wire?.kind === 'response') {
        const buffer: Buffer[] = [];
        heldResponse = buffer;
        wire.fire(
          hold(
            buffer,
            (c) => client.write(c),
            () => (heldResponse = undefined),
          ),
        );
      }
      store.write(chunk);
    });
    store.on('data', (chunk: Buffer) => {
      request = '';
      atRequestStart = true;
      if (heldResponse) heldResponse.push(chunk);
      else client.write(chunk);
    });
    const drop = () => {
      client.destroy();
      store.destroy();
      sockets.delete(client);
      sockets.delete(store);
    };
    client.on('error', drop).on('close', drop);
    store.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const arm = <T>(pattern: RegExp, kind: Wire['kind'], map: (hold: Hold) => T) =>
    new Promise<T>((resolve) => wires.push({ pattern, kind, fire: (hold) => resolve(map(hold)) }));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut,
    stall: () => {
      stalled = true;
    },
    restore: () => {
      down = false;
      stalled = false;
    },
    cutWhen: (pattern) => arm(pattern, 'cut', () => undefined),
    holdRequestWhen: (pattern) => arm(pattern, 'request', (hold) => hold),
    holdResponseWhen: (pattern) => arm(pattern, 'response', (hold) => hold),
    operations: () => ({ ...operations }),
    calls: () => Object.values(operations).reduce((sum, n) => sum + n, 0),
    close: () =>
      new Promise<void>((resolve) => {
        wires.length = 0;
        cut();
        server.close(() => resolve());
      }),
  };
}
