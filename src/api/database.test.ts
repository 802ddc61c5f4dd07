import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DATABASE_CONNECTION_SECRET, DatabaseSpec, defaultDatabaseName, type DatabaseSpecInput } from './database.ts';

const base = { providerConfigRef: { name: 'pg' } };
const spec = (extra: Partial<DatabaseSpecInput>): DatabaseSpecInput => ({ ...base, ...extra });

describe('DatabaseSpec', () => {
  const good: { reason: string; input: DatabaseSpecInput }[] = [
    { reason: 'only the ProviderConfig is required', input: base },
    { reason: 'a postgres database with everything', input: spec({ externalName: 'orders', username: 'orders_app', postgres: { connectionLimit: 20, extensions: ['pgcrypto', 'citext'], readOnlyRole: 'orders_ro', terminateConnectionsOnDelete: true } }) },
    { reason: 'an RDS instance', input: spec({ rds: { engine: 'postgres', engineVersion: '16.4', instanceClass: 'db.t3.micro', securityGroupIds: ['sg-0123456789abcdef0'], tags: { team: 'a' } } }) },
    { reason: 'a 63-byte identifier', input: spec({ externalName: 'a'.repeat(63) }) },
  ];
  for (const { reason, input } of good) {
    it(`accepts: ${reason}`, () => {
      const result = DatabaseSpec.safeParse(input);
      assert.ok(result.success, JSON.stringify(result.error?.issues));
    });
  }

  // Names trying SQL injection never parse, so they never reach SQL (the CRD refuses them too).
  const bad: { reason: string; input: unknown; path: string }[] = [
    { reason: 'a quote ending the identifier', input: spec({ externalName: 'x"; DROP DATABASE postgres; --' }), path: 'externalName' },
    { reason: 'a statement in the role name', input: spec({ username: "a'; ALTER ROLE postgres PASSWORD 'x" }), path: 'username' },
    { reason: 'uppercase (would need quoting to keep its case)', input: spec({ externalName: 'Orders' }), path: 'externalName' },
    { reason: 'a leading digit', input: spec({ externalName: '1db' }), path: 'externalName' },
    { reason: 'a hyphen', input: spec({ username: 'a-b' }), path: 'username' },
    { reason: '64 bytes', input: spec({ externalName: 'a'.repeat(64) }), path: 'externalName' },
    { reason: 'a non-ASCII letter', input: spec({ externalName: 'café' }), path: 'externalName' },
    { reason: 'a template database', input: spec({ externalName: 'template1' }), path: 'externalName' },
    { reason: 'the server database', input: spec({ externalName: 'postgres' }), path: 'externalName' },
    { reason: 'a pg_ role', input: spec({ username: 'pg_monitor' }), path: 'username' },
    { reason: 'the public pseudo-role', input: spec({ username: 'public' }), path: 'username' },
    { reason: 'a read-only role with a quote', input: spec({ postgres: { readOnlyRole: 'ro"' } }), path: 'postgres.readOnlyRole' },
    { reason: 'an extension off the allow-list', input: spec({ postgres: { extensions: ['plpython3u' as 'citext'] } }), path: 'postgres.extensions.0' },
    { reason: 'an extension twice', input: spec({ postgres: { extensions: ['citext', 'citext'] } }), path: 'postgres.extensions' },
    { reason: 'both provider blocks', input: spec({ postgres: {}, rds: {} }), path: '' },
    { reason: 'a security group that is not an id', input: spec({ rds: { securityGroupIds: ['default'] } }), path: 'rds.securityGroupIds.0' },
    { reason: 'the ownership tag', input: spec({ rds: { tags: { 'mooring.dev/owner': 'me' } } }), path: 'rds.tags' },
  ];
  for (const { reason, input, path } of bad) {
    it(`refuses: ${reason}`, () => {
      const result = DatabaseSpec.safeParse(input);
      assert.ok(!result.success, 'parsed');
      assert.ok(result.error.issues.some((i) => i.path.join('.') === path), JSON.stringify(result.error.issues));
    });
  }

  it('fills the defaults of a provider block', () => {
    const parsed = DatabaseSpec.parse(spec({ postgres: {}, writeConnectionSecretToRef: { name: 'db' } }));
    assert.deepEqual(parsed.postgres, { connectionLimit: -1, extensions: [], terminateConnectionsOnDelete: false });
    const rds = DatabaseSpec.parse(spec({ rds: {} })).rds!;
    assert.equal(rds.engine, 'postgres');
    assert.equal(rds.skipFinalSnapshot, false);
    assert.equal(rds.manageMasterUserPassword, false);
  });
});

describe('Database naming and credentials', () => {
  it('turns metadata.name into an identifier', () => {
    assert.equal(defaultDatabaseName('orders-db.v2'), 'orders_db_v2');
  });

  it('generates a password unless RDS manages it', () => {
    assert.equal(DATABASE_CONNECTION_SECRET.defaultName?.('orders'), 'orders-connection');
    assert.deepEqual(DATABASE_CONNECTION_SECRET.generatedKeys?.(DatabaseSpec.parse(base)), ['password']);
    assert.deepEqual(DATABASE_CONNECTION_SECRET.generatedKeys?.(DatabaseSpec.parse(spec({ rds: { manageMasterUserPassword: true } }))), []);
  });
});
