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
    { reason: 'postgres schemas with a read-only role', input: spec({ postgres: { schemas: ['app', 'reports_2024'], readOnlyRole: 'app_ro' } }) },
    { reason: 'RDS Multi-AZ, parameter group, backup and maintenance windows', input: spec({ rds: { multiAZ: true, parameterGroupName: 'pg16-tuned', backupRetentionDays: 14, backupWindow: '03:00-03:30', maintenanceWindow: 'sun:05:00-sun:05:30' } }) },
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
    { reason: 'the public schema (every role uses it: no login may own it)', input: spec({ postgres: { schemas: ['public'] } }), path: 'postgres.schemas.0' },
    { reason: 'pg_catalog', input: spec({ postgres: { schemas: ['pg_catalog'] } }), path: 'postgres.schemas.0' },
    { reason: 'any pg_ schema', input: spec({ postgres: { schemas: ['pg_toast_x'] } }), path: 'postgres.schemas.0' },
    { reason: 'information_schema', input: spec({ postgres: { schemas: ['information_schema'] } }), path: 'postgres.schemas.0' },
    { reason: 'a schema name with a quote', input: spec({ postgres: { schemas: ['a"; DROP SCHEMA public; --'] } }), path: 'postgres.schemas.0' },
    { reason: 'a schema twice', input: spec({ postgres: { schemas: ['app', 'app'] } }), path: 'postgres.schemas' },
    { reason: 'a backup window that is no window', input: spec({ rds: { backupWindow: '3am-4am' } }), path: 'rds.backupWindow' },
    { reason: 'a maintenance window without days', input: spec({ rds: { maintenanceWindow: '05:00-05:30' } }), path: 'rds.maintenanceWindow' },
    { reason: 'a parameter group name with a slash', input: spec({ rds: { parameterGroupName: 'a/b' } }), path: 'rds.parameterGroupName' },
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
    assert.deepEqual(parsed.postgres, { connectionLimit: -1, extensions: [], schemas: [], terminateConnectionsOnDelete: false });
    const rds = DatabaseSpec.parse(spec({ rds: {} })).rds!;
    assert.equal(rds.engine, 'postgres');
    assert.equal(rds.skipFinalSnapshot, false);
    assert.equal(rds.manageMasterUserPassword, false);
    assert.equal(rds.multiAZ, false);
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
