// etcd for the local control plane: one member, loopback only, fsync off (throwaway data).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { Server } from './process.ts';

export interface Etcd {
  server: Server;
  url: string;
}

export async function startEtcd(binary: string, dir: string): Promise<Etcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  mkdirSync(join(dir, 'etcd'), { recursive: true });
  const server = new Server({
    name: 'etcd',
    command: binary,
    args: [
      '--name=default', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync=true', '--log-level=warn',
    ],
    logFile: join(dir, 'etcd.log'),
  });
  await server.waitReady(async () => {
    const res = await fetch(`${url}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  }, 30_000);
  return { server, url };
}
