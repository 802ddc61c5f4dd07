// /metrics, /healthz and /readyz on --bind-address. Liveness means the event loop answers;
// readiness means the caches have synced (and, with leader election, leadership is known), so a
// rollout never counts a replica that is still listing as ready.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { http } from '../runtime/node-http.ts';

export interface HttpOptions {
  /** `host:port` or `:port` (all interfaces). */
  bindAddress: string;
  registry: Registry;
  /** Undefined when ready, else why not (shown in the response body). */
  notReady: () => string | undefined;
  log: Logger;
}

export interface HttpEndpoint {
  /** `http://host:port`, with the port actually bound (for `:0`). */
  url: string;
  close(): Promise<void>;
}

export function parseBindAddress(bindAddress: string): { host: string | undefined; port: number } {
  const colon = bindAddress.lastIndexOf(':');
  const host = bindAddress.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host: host || undefined, port: Number(bindAddress.slice(colon + 1)) };
}

export async function startHttp(options: HttpOptions): Promise<HttpEndpoint> {
  const server: Server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    if (path === '/healthz') return send(200, 'ok\n');
    if (path === '/readyz') {
      const why = options.notReady();
      return why ? send(503, `not ready: ${why}\n`) : send(200, 'ok\n');
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => send(200, text, options.registry.contentType),
        (err: unknown) => {
          options.log.error({ err }, 'collecting metrics failed');
          send(500, 'collecting metrics failed\n');
        },
      );
      return;
    }
    send(404, 'not found: try /metrics, /healthz or /readyz\n');
  });
  const { host, port } = parseBindAddress(options.bindAddress);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
