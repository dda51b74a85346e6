import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of an emulator that can be shut like a network outage: every open
 * connection is cut and new ones are refused until it opens again. Chaos puts one in front
 * of the Firestore emulator so that, while it restarts, no client can write anything the
 * snapshot taken for the restart would miss.
 */
export class TcpGate {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private shut = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<string> {
    this.server = createServer((client) => {
      if (this.shut) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return `127.0.0.1:${this.port}`;
  }

  /** Cuts every connection and refuses new ones. */
  close(): void {
    this.shut = true;
    for (const s of this.sockets) s.destroy();
  }

  open(): void {
    this.shut = false;
  }

  async stop(): Promise<void> {
    this.close();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}
