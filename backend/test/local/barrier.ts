import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the `report` fixture function tells the barrier about its invocation. */
export type Report = Record<
  'tag' | 'thread' | 'invocations' | 'requestId' | 'functionName' | 'remaining' | 'lambdaEndpoint' | 'greeting',
  string
>;

export interface Barrier {
  url: string;
  /** Invocations that reached the barrier, held or not. */
  arrived: Report[];
  /** Invocations that got past it and finished. */
  done: Report[];
  /** Answers every held arrival, and lets later ones straight through. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server that holds the `report` fixture's first request until release(): Event invocations run in
 * other threads, so the test observes them (how many at once, in which thread, with what context) over sockets.
 */
export async function startBarrier(): Promise<Barrier> {
  const arrived: Report[] = [];
  const done: Report[] = [];
  const held: Array<() => void> = [];
  let open = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://barrier');
    const report = Object.fromEntries(url.searchParams) as Report;
    const answer = () => res.end('ok');
    if (url.pathname === '/done') {
      done.push(report);
      answer();
    } else {
      arrived.push(report);
      if (open) answer();
      else held.push(answer);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const release = () => {
    open = true;
    for (const answer of held.splice(0)) answer();
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived,
    done,
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
