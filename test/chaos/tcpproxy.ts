// A TCP pass-through in front of the apiserver, so the chaos run can break the operator's watch
// streams (and every other connection) at will without restarting anything. TLS goes through
// untouched: the apiserver's certificate names 127.0.0.1, which this proxy listens on too.
// In front of the emulator and PostgreSQL it counts connections: the other tenant's configs reach
// them only through one, so any connection there is a use of a config the run was not granted.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpProxy {
  port = 0;
  /** Client connections accepted since the start (or the last resetCount): who used the target at all. */
  accepted = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      this.accepted++;
      const upstream = connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
        // A reset on either side ends both; errors are the point here, not news.
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  /** Cuts every open connection (watches included); returns how many client connections it cut. */
  cut(): number {
    const n = this.sockets.size / 2;
    for (const s of this.sockets) s.destroy();
    return Math.ceil(n);
  }

  resetCount(): void {
    this.accepted = 0;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
