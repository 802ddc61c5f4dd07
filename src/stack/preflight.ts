// Checks of the machine before the stack is built or started. Each failure names what is missing
// and how to get it, because a newcomer's first run should never end in a bare stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { EnvironmentError } from './environment-error.ts';

// Its own module, so `mooring run` (whose main.ts catches it) need not load child_process.
export { EnvironmentError };

/** Compares dotted versions numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function versionOf(cmd: string, args: string[], pattern: RegExp): string | undefined {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.error || res.status !== 0) return undefined;
  return pattern.exec(`${res.stdout}${res.stderr}`)?.[1];
}

export function checkGo(minimum: string): void {
  const version = versionOf('go', ['version'], /go(\d+\.\d+(?:\.\d+)?)/);
  if (!version) {
    throw new EnvironmentError(
      'Go is not on PATH; it is needed once, to build kube-apiserver and etcd from source.',
      `install Go ${minimum} or newer (Debian: apt-get install golang-go, if new enough; or put an existing Go's bin folder on PATH).`,
    );
  }
  if (compareVersions(version, minimum) < 0) {
    throw new EnvironmentError(
      `Go ${version} is too old; the pinned Kubernetes release needs Go ${minimum} or newer.`,
      `install Go ${minimum}+ and put it first on PATH (GOTOOLCHAIN=local is used, so Go will not fetch a toolchain itself).`,
    );
  }
}

export function checkPython(): void {
  const version = versionOf('python3', ['--version'], /Python (\d+\.\d+\.\d+)/);
  if (!version) {
    throw new EnvironmentError(
      'python3 is not on PATH; it runs the AWS API emulator (moto).',
      'install Python 3.9 or newer with venv support (Debian: apt-get install python3 python3-venv).',
    );
  }
  const venv = spawnSync('python3', ['-c', 'import venv, ensurepip'], { encoding: 'utf8' });
  if (venv.status !== 0) {
    throw new EnvironmentError(
      'python3 has no venv/ensurepip module; the emulator is installed into a virtualenv.',
      'install it (Debian: apt-get install python3-venv).',
    );
  }
}

/** Fails when the folder's file system has less than `needBytes` free. */
export function checkDisk(dir: string, needBytes: number, purpose: string): void {
  mkdirSync(dir, { recursive: true });
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  if (free < needBytes) {
    const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
    throw new EnvironmentError(
      `Only ${gib(free)} free under ${dir}; ${purpose} needs about ${gib(needBytes)}.`,
      'free some disk space, or point MOORING_CACHE (and TMPDIR) at a larger disk.',
    );
  }
}

export function checkPostgres(binDir: string): void {
  if (!existsSync(`${binDir}/postgres`) || !existsSync(`${binDir}/initdb`)) {
    throw new EnvironmentError(
      `PostgreSQL server binaries are missing (${binDir}/postgres).`,
      'install them: apt-get update && apt-get install -y postgresql-15 (npm run setup does this itself when run as root).',
    );
  }
}

export function checkPdns(server: string, schema: string): void {
  const missing = [server, schema].filter((f) => !existsSync(f));
  if (missing.length) {
    throw new EnvironmentError(
      `PowerDNS Authoritative or its sqlite3 backend is missing (${missing.join(', ')}).`,
      'install them: apt-get update && apt-get install -y pdns-server pdns-backend-sqlite3 (npm run setup does this itself when run as root).',
    );
  }
}

/** Fails with a clear message when a fixed port asked for is already taken. */
export async function checkPortFree(port: number, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new EnvironmentError(
            `Port ${port} on 127.0.0.1 is already taken by another process.`,
            `stop that process (find it with: ss -ltnp 'sport = :${port}') or choose another port with ${flag}.`,
          ),
        );
      } else reject(err);
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
