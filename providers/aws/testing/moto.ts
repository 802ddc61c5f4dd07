// The AWS emulator for this provider's tests: the run's shared one (MOORING_TEST_AWS_ENDPOINT, set
// by the test runner), or else a moto_server of our own on a free loopback port, stopped after.
//
// Our own server runs under a small sh watchdog that reads our stdin: when this process ends in
// any way (even SIGKILL) the pipe closes, `read` returns, and the watchdog kills moto. Nothing leaks.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Moto {
  endpoint: string;
  /** True when this helper started the server (so resetting it disturbs no one else). */
  owned: boolean;
  stop(): Promise<void>;
}

function motoBinary(): string {
  const root = process.env.MOORING_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mooring');
  return join(root, 'moto-5.2.5', 'venv', 'bin', 'moto_server');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const WATCHDOG = '"$0" "$@" & child=$!; trap \'kill $child 2>/dev/null; exit 0\' TERM; read -r _; kill $child 2>/dev/null; wait $child';

export async function useMoto(): Promise<Moto> {
  const shared = process.env.MOORING_TEST_AWS_ENDPOINT;
  if (shared) return { endpoint: shared.replace(/\/$/, ''), owned: false, stop: async () => undefined };

  const binary = motoBinary();
  if (!existsSync(binary)) throw new Error(`moto_server not found at ${binary}; run npm run setup, or set MOORING_TEST_AWS_ENDPOINT`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, binary, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false', PYTHONUNBUFFERED: '1' },
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let done = false;
  void exited.then(() => (done = true));
  const stop = async () => {
    child.stdin?.end();
    await Promise.race([exited, sleep(5000)]);
    if (!done) child.kill('SIGKILL');
  };

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (done) throw new Error(`moto_server exited during start-up:\n${log}`);
    const ok = await fetch(`${endpoint}/moto-api/data.json`).then((r) => r.ok, () => false);
    if (ok) return { endpoint, owned: true, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`moto_server was not ready on ${endpoint} after 30 s:\n${log}`);
}

/** Forgets every resource; only for a server this process owns. */
export async function resetMoto(moto: Moto): Promise<void> {
  if (!moto.owned) throw new Error('refusing to reset a shared emulator: other test files use it');
  const res = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
}
