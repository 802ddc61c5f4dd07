// The AWS API emulator: moto's server, S3 + Route 53 + RDS on one loopback endpoint.
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { Server } from './process.ts';

export interface Emulator {
  server: Server;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** moto accepts any credentials; these are the conventional ones for emulators. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export async function startMoto(binary: string, dir: string, port?: number): Promise<Emulator> {
  const p = port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${p}`;
  const server = new Server({
    name: 'moto',
    command: binary,
    args: ['-H', '127.0.0.1', '-p', String(p)],
    logFile: join(dir, 'moto.log'),
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false', PYTHONUNBUFFERED: '1' },
  });
  await server.waitReady(async () => (await fetch(`${endpoint}/moto-api/data.json`)).ok, 60_000);
  return { server, endpoint, region: 'us-east-1', ...EMULATOR_CREDENTIALS };
}

/** Forgets every resource in the emulator (between tests that own the whole emulator). */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
}
