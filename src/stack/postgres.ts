// A throwaway PostgreSQL cluster: initdb in the stack's folder, loopback only, fsync off. initdb
// refuses to run as root, so as root it runs as the postgres user.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.ts';
import { freePort } from './ports.ts';
import { Server } from './process.ts';

export interface Postgres {
  server: Server;
  host: string;
  port: number;
  user: string;
  password: string;
  /** Admin connection URL (superuser). */
  url: string;
}

// runuser lives in sbin, which a non-login root shell (CI, cron, a trimmed PATH) may not search.
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p)) ?? 'runuser';

function asPostgresUser(binary: string, args: string[]): [string, string[]] {
  return userInfo().uid === 0 ? [RUNUSER, ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

/** The postgres user's ids when we are root (initdb and postgres must run as it), else undefined. */
function postgresIds(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const [, , uid, gid] = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(binDir: string, stackDir: string, port?: number): Promise<Postgres> {
  const dir = join(stackDir, 'postgres');
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'pgdata');
  const sockets = join(dir, 'pgsock');
  const pwfile = join(dir, 'pgpass');
  const password = randomBytes(12).toString('hex');
  mkdirSync(sockets, { recursive: true });
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  const ids = postgresIds();
  if (ids) {
    chownSync(dir, ids.uid, ids.gid);
    chownSync(sockets, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  const [initCmd, initArgs] = asPostgresUser(join(binDir, 'initdb'), [
    '-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=trust', '--no-sync', '-E', 'UTF8', '--locale=C',
  ]);
  await run(initCmd, initArgs);
  const p = port ?? (await freePort());
  const [cmd, args] = asPostgresUser(join(binDir, 'postgres'), [
    '-D', data, '-p', String(p), '-k', sockets, '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ]);
  const server = new Server({ name: 'postgres', command: cmd, args, logFile: join(stackDir, 'postgres.log') });
  await server.waitReady(async () => {
    await run(join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(p)]);
    return true;
  }, 30_000);
  const url = `postgres://postgres:${password}@127.0.0.1:${p}/postgres`;
  return { server, host: '127.0.0.1', port: p, user: 'postgres', password, url };
}
