import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError, type ProviderConnection } from '../../sdk/index.ts';
import { adminConnection, PINNED_SEARCH_PATH } from './admin.ts';
import { PG_CLIENT_DEFAULTS } from './settings.ts';

const pc = (secretData: Record<string, string> | undefined, settings: Record<string, string> = {}): ProviderConnection => ({
  name: 'pg', type: 'postgres', region: 'us-east-1', settings, ...(secretData ? { secretData } : {}),
});

describe('the admin connection of a postgres ProviderConfig', () => {
  it('reads a url, decoding the user and password', () => {
    const a = adminConnection(pc({ url: 'postgres://ad%40min:p%2Fw@db.example:6543/admin?sslmode=require' }));
    assert.deepEqual([a.config.host, a.config.port, a.config.user, a.config.password, a.config.database], ['db.example', 6543, 'ad@min', 'p/w', 'admin']);
    assert.deepEqual(a.config.ssl, { rejectUnauthorized: false });
    assert.deepEqual([a.publishedHost, a.publishedPort], ['db.example', 6543]);
  });

  it('reads separate keys, with defaults for port and database, and published overrides', () => {
    const a = adminConnection(pc({ host: '10.0.0.5', username: 'admin', password: 's3cr3t' }, { publishedHost: 'db.svc', publishedPort: '5433' }));
    assert.deepEqual([a.config.port, a.config.database, a.publishedHost, a.publishedPort], [5432, 'postgres', 'db.svc', 5433]);
  });

  it('a new password is a new pool (another fingerprint), without the fingerprint holding it', () => {
    const a = adminConnection(pc({ host: 'h', username: 'u', password: 'one' }));
    const b = adminConnection(pc({ host: 'h', username: 'u', password: 'two' }));
    assert.notEqual(a.fingerprint, b.fingerprint);
    assert.ok(!a.fingerprint.includes('one'));
  });

  it('pins the search_path in the startup packet, to pg_catalog then our own temporary schema', () => {
    const a = adminConnection(pc({ host: 'h', username: 'u', password: 'p' }));
    assert.equal(a.config.options, '-c search_path=pg_catalog,pg_temp');
    assert.equal(PINNED_SEARCH_PATH, 'pg_catalog, pg_temp');
  });

  it('sets every deadline and TCP keepalive by default: none is left to the server or the kernel', () => {
    const c = adminConnection(pc({ host: 'h', username: 'u', password: 'p' })).config;
    const d = PG_CLIENT_DEFAULTS;
    assert.deepEqual(
      [c.connectionTimeoutMillis, c.statement_timeout, c.query_timeout, c.lock_timeout, c.idle_in_transaction_session_timeout, c.keepAlive, c.keepAliveInitialDelayMillis],
      [d.connectTimeoutMs, d.statementTimeoutMs, d.statementTimeoutMs + d.queryMarginMs, d.lockTimeoutMs, d.idleInTransactionTimeoutMs, true, d.keepAliveDelayMs],
    );
    assert.ok(Number(c.query_timeout) > Number(c.statement_timeout), 'the server cancels first, with its own error');
  });

  it('takes each deadline from settings; the query timeout follows a longer statement timeout', () => {
    const settings = { connectTimeoutMs: '1500', statementTimeoutMs: '120000', lockTimeoutMs: '2000', idleInTransactionTimeoutMs: '5000', keepAliveDelayMs: '3000' };
    const c = adminConnection(pc({ host: 'h', username: 'u', password: 'p' }, settings)).config;
    assert.deepEqual(
      [c.connectionTimeoutMillis, c.statement_timeout, c.query_timeout, c.lock_timeout, c.idle_in_transaction_session_timeout, c.keepAliveInitialDelayMillis],
      [1500, 120_000, 130_000, 2000, 5000, 3000],
    );
    assert.equal(adminConnection(pc({ host: 'h', username: 'u', password: 'p' }, { queryTimeoutMs: '90000' })).config.query_timeout, 90_000);
  });

  it('a changed setting is a new pool', () => {
    const data = { host: 'h', username: 'u', password: 'p' };
    assert.notEqual(adminConnection(pc(data)).fingerprint, adminConnection(pc(data, { queryTimeoutMs: '90000' })).fingerprint);
  });

  const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const tls: { mode: string; ca: boolean; ssl: unknown; checksName: boolean | undefined }[] = [
    { mode: 'disable', ca: false, ssl: false, checksName: undefined },
    { mode: 'prefer', ca: false, ssl: false, checksName: undefined },
    { mode: 'require', ca: false, ssl: { rejectUnauthorized: false }, checksName: undefined },
    { mode: 'require', ca: true, ssl: { ca: CA, rejectUnauthorized: true }, checksName: false },
    { mode: 'verify-ca', ca: true, ssl: { ca: CA, rejectUnauthorized: true }, checksName: false },
    { mode: 'verify-ca', ca: false, ssl: { rejectUnauthorized: true }, checksName: false },
    { mode: 'verify-full', ca: true, ssl: { ca: CA, rejectUnauthorized: true }, checksName: true },
    { mode: 'verify-full', ca: false, ssl: { rejectUnauthorized: true }, checksName: true },
  ];
  for (const t of tls) {
    it(`sslmode ${t.mode}${t.ca ? ' with a CA' : ''}: ${t.checksName === undefined ? (t.ssl ? 'TLS, no check' : 'no TLS') : `the chain checked, the host name ${t.checksName ? 'too' : 'not'}`}`, () => {
      for (const where of ['secret', 'setting'] as const) {
        const data: Record<string, string> = { host: 'db.example', username: 'u', password: 'p', ...(where === 'secret' ? { sslmode: t.mode } : {}), ...(t.ca ? { 'ca.crt': CA } : {}) };
        const ssl = adminConnection(pc(data, where === 'setting' ? { sslmode: t.mode } : {})).config.ssl;
        if (!ssl || typeof ssl !== 'object') {
          assert.deepEqual(ssl, t.ssl);
          continue;
        }
        const { checkServerIdentity, ...rest } = ssl;
        assert.deepEqual(rest, t.ssl, where);
        // Node checks the host name unless checkServerIdentity says otherwise.
        if (t.checksName !== undefined) assert.equal(checkServerIdentity === undefined, t.checksName, where);
        if (checkServerIdentity) assert.equal(checkServerIdentity('db.example', {} as never), undefined);
      }
    });
  }

  it('takes the CA from settings.sslRootCert as from the Secret\'s ca.crt', () => {
    const ssl = adminConnection(pc({ host: 'h', username: 'u', password: 'p' }, { sslmode: 'verify-full', sslRootCert: CA })).config.ssl;
    assert.deepEqual(ssl, { ca: CA, rejectUnauthorized: true });
  });

  const bad: { reason: string; data: Record<string, string> | undefined; settings?: Record<string, string>; message: RegExp }[] = [
    { reason: 'no Secret (credentials not from a Secret)', data: undefined, message: /credentials\.source: Secret/ },
    { reason: 'a Secret with neither url nor host', data: { user: 'x' }, message: /neither url nor host/ },
    { reason: 'a url of another scheme', data: { url: 'mysql://u:p@h/db' }, message: /postgres:\/\// },
    { reason: 'a bad sslmode', data: { host: 'h', username: 'u', password: 'p', sslmode: 'maybe' }, message: /sslmode/ },
    { reason: 'a bad sslmode setting', data: { host: 'h', username: 'u', password: 'p' }, settings: { sslmode: 'maybe' }, message: /settings\.sslmode/ },
    { reason: 'an sslmode in the Secret the setting contradicts', data: { url: 'postgres://u:p@h/db?sslmode=verify-full' }, settings: { sslmode: 'disable' }, message: /verify-full.*disable/ },
    { reason: 'a CA with TLS off', data: { host: 'h', username: 'u', password: 'p', 'ca.crt': CA }, message: /sslmode/ },
    { reason: 'a ca.crt that is no PEM', data: { host: 'h', username: 'u', password: 'p', sslmode: 'verify-full', 'ca.crt': 'x' }, message: /ca\.crt/ },
    { reason: 'two different CAs', data: { host: 'h', username: 'u', password: 'p', sslmode: 'verify-full', 'ca.crt': CA }, settings: { sslRootCert: CA.replace('MIIB', 'MIIC') }, message: /differ/ },
    { reason: 'a deadline that is no number', data: { host: 'h', username: 'u', password: 'p' }, settings: { queryTimeoutMs: '5s' }, message: /settings\.queryTimeoutMs/ },
    { reason: 'a deadline of 0 (no deadline)', data: { host: 'h', username: 'u', password: 'p' }, settings: { connectTimeoutMs: '0' }, message: /settings\.connectTimeoutMs/ },
    { reason: 'a query timeout shorter than the statement timeout', data: { host: 'h', username: 'u', password: 'p' }, settings: { queryTimeoutMs: '1000', statementTimeoutMs: '2000' }, message: /at least/ },
    { reason: 'a bad publishedPort', data: { host: 'h', username: 'u', password: 'p' }, settings: { publishedPort: '70000' }, message: /publishedPort/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.reason} as ProviderConfigInvalid, never quoting the Secret`, () => {
      assert.throws(() => adminConnection(pc(c.data, c.settings)), (err: unknown) => err instanceof TerminalError && err.reason === 'ProviderConfigInvalid' && c.message.test(err.message) && !/\bp@|:p@/.test(err.message));
    });
  }
});
