import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of the embedded store that a test can cut and restore: cutting destroys every open
 * socket (the SDK sees ECONNRESET, as when a store node or the network goes away) and resets new ones until
 * restored. `cutWhen` trips on the first request whose bytes match, before any of its body reaches the store,
 * which is how a test stops the store between two writes of one operation.
 */
export interface StoreProxy {
  endpoint: string;
  isCut(): boolean;
  cut(): void;
  restore(): void;
  /** Resolves once a request matching `pattern` was about to be forwarded and the store was cut instead. */
  cutWhen(pattern: RegExp): Promise<void>;
  /**
   * Lets the next request matching `pattern` reach the store but holds its response back until `release()`:
   * the write has happened, and the caller is frozen right after it.
   */
  holdWhen(pattern: RegExp): Promise<{ release(): void }>;
  close(): Promise<void>;
}

export async function startStoreProxy(upstream: { host: string; port: number }): Promise<StoreProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  let tripwire: { pattern: RegExp; tripped: () => void } | undefined;
  let holdwire: { pattern: RegExp; held: (hold: { release(): void }) => void } | undefined;

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
    /** Response bytes held back while this socket's request is frozen. */
    let held: Buffer[] | undefined;
    client.on('data', (chunk: Buffer) => {
      if (tripwire || holdwire) request += chunk.toString('latin1');
      if (holdwire?.pattern.test(request)) {
        const { held: onHeld } = holdwire;
        holdwire = undefined;
        const buffer: Buffer[] = [];
        held = buffer;
        onHeld({
          release: () => {
            held = undefined;
            for (const part of buffer) client.write(part);
          },
        });
      }
      if (tripwire?.pattern.test(request)) {
        const { tripped } = tripwire;
        tripwire = undefined;
        cut();
        tripped();
        return;
      }
      store.write(chunk);
    });
    store.on('data', (chunk: Buffer) => {
      request = '';
      if (held) held.push(chunk);
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
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    isCut: () => down,
    cut,
    restore: () => {
      down = false;
    },
    cutWhen: (pattern) => new Promise<void>((resolve) => (tripwire = { pattern, tripped: resolve })),
    holdWhen: (pattern) => new Promise((resolve) => (holdwire = { pattern, held: resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
