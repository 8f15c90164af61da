import net from 'node:net';

/**
 * A TCP proxy between the browser and the local gateway, so a test can make the server misbehave the way
 * networks and servers do: `hang` keeps every connection open but silent (a hung server or a black-holed
 * network: nothing is refused, nothing answers), `down` resets every connection and each new one (the server is
 * gone), `pass` forwards again. The upstream port can change, which is how a restarted stack is swapped in.
 */
export class TcpProxy {
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly pairs = new Set<{ client: net.Socket; upstream?: net.Socket }>();
  private mode: 'pass' | 'hang' | 'down' = 'pass';

  constructor(private upstreamPort: number) {}

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  pass(upstreamPort = this.upstreamPort): void {
    this.upstreamPort = upstreamPort;
    // Connections held silent meanwhile are reset, as a server that comes back has forgotten them.
    if (this.mode === 'hang') this.resetAll();
    this.mode = 'pass';
  }

  hang(): void {
    this.mode = 'hang';
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  down(): void {
    this.mode = 'down';
    this.resetAll();
  }

  async close(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private resetAll(): void {
    for (const pair of this.pairs) {
      pair.client.resetAndDestroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'down') return void client.resetAndDestroy();
    const pair: { client: net.Socket; upstream?: net.Socket } = { client };
    this.pairs.add(pair);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    if (this.mode === 'hang') return void client.pause();
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
