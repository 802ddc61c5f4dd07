import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError, type ProviderConnection } from '../sdk/index.ts';
import { adminConnection } from './admin.ts';

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

  const bad: { reason: string; data: Record<string, string> | undefined; message: RegExp }[] = [
    { reason: 'no Secret (credentials not from a Secret)', data: undefined, message: /credentials\.source: Secret/ },
    { reason: 'a Secret with neither url nor host', data: { user: 'x' }, message: /neither url nor host/ },
    { reason: 'a url of another scheme', data: { url: 'mysql://u:p@h/db' }, message: /postgres:\/\// },
    { reason: 'a bad sslmode', data: { host: 'h', username: 'u', password: 'p', sslmode: 'maybe' }, message: /sslmode/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.reason} as ProviderConfigInvalid, never quoting the Secret`, () => {
      assert.throws(() => adminConnection(pc(c.data)), (err: unknown) => err instanceof TerminalError && err.reason === 'ProviderConfigInvalid' && c.message.test(err.message) && !/\bp@|:p@/.test(err.message));
    });
  }
});
