// TLS to the admin connection on the real PostgreSQL 15: the stack's server is given a certificate
// for `localhost` signed by a throwaway CA (ALTER SYSTEM, on a stack of this file's own), and the
// ProviderConfig's sslmode and CA decide what the adapter accepts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { adminConnection } from '../../providers/postgres/admin.ts';
import { classifyPgError } from '../../providers/postgres/classify.ts';
import type { ProviderConnection } from '../../sdk/index.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['postgres'], { own: true });
const dir = mkdtempSync(join(tmpdir(), 'mooring-pg-tls-'));
const pem = (name: string) => readFileSync(join(dir, name), 'utf8');
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

before(async () => {
  const server = (await stack.ready()).postgres!;
  // A CA, a second unrelated one, and a server certificate for `localhost` only (not 127.0.0.1) signed by the first.
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.crt`);
  }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  execFileSync('sh', ['-c', 'printf "subjectAltName=DNS:localhost\\n" > san.ext'], { cwd: dir });
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.crt');
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'server.key'), 0o600);
  if (userInfo().uid === 0) {
    // The server runs as the postgres user, which must own its key.
    const [, , uid, gid] = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).split(':');
    chownSync(join(dir, 'server.key'), Number(uid), Number(gid));
  }
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`ALTER SYSTEM SET ssl_cert_file = ${pg.escapeLiteral(join(dir, 'server.crt'))}`);
    await admin.query(`ALTER SYSTEM SET ssl_key_file = ${pg.escapeLiteral(join(dir, 'server.key'))}`);
    await admin.query('ALTER SYSTEM SET ssl = on');
    await admin.query('SELECT pg_reload_conf()');
  } finally {
    await admin.end();
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const connection = (host: string, sslmode: string, ca?: string): ProviderConnection => {
  const { port, user, password } = stack().postgres!;
  return { name: 'tls', type: 'postgres', region: '', settings: { sslmode }, secretData: { host, port: String(port), username: user, password, ...(ca ? { 'ca.crt': ca } : {}) } };
};

/** Connects as the adapter would; resolves to whether the session is encrypted, or the typed error's reason. */
async function tryAdmin(c: ProviderConnection): Promise<boolean | string> {
  const client = new pg.Client(adminConnection(c).config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()')).rows[0]!.ssl;
  } catch (err) {
    return classifyPgError(err, 'connect').reason;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('TLS to the admin connection', () => {
  it('verify-full with the CA: encrypted, to the name the certificate holds', async () => {
    assert.equal(await tryAdmin(connection('localhost', 'verify-full', pem('ca.crt'))), true);
  });

  it('verify-full refuses a host name the certificate does not hold; verify-ca accepts it', async () => {
    assert.equal(await tryAdmin(connection('127.0.0.1', 'verify-full', pem('ca.crt'))), 'ProviderError');
    assert.equal(await tryAdmin(connection('127.0.0.1', 'verify-ca', pem('ca.crt'))), true);
  });

  it('verify-full and verify-ca refuse a certificate another CA signed', async () => {
    assert.equal(await tryAdmin(connection('localhost', 'verify-full', pem('other-ca.crt'))), 'ProviderError');
    assert.equal(await tryAdmin(connection('localhost', 'verify-ca', pem('other-ca.crt'))), 'ProviderError');
  });

  it('require encrypts without checking; disable does not encrypt', async () => {
    assert.equal(await tryAdmin(connection('127.0.0.1', 'require')), true);
    assert.equal(await tryAdmin(connection('127.0.0.1', 'disable')), false);
  });
});
