import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from '../../sdk/index.ts';
import { desiredDatabase, diffDatabase, ownershipOf, privilegesOf, type ObservedRole, type ObservedState } from './state.ts';

const OURS = 'mooring/ns/app';
const desired = desiredDatabase('app', parseSpec('Database', { providerConfigRef: { name: 'pg' }, postgres: { connectionLimit: 10, extensions: ['citext'], schemas: ['reports'], readOnlyRole: 'app_ro' } }));
const plain = { superuser: false, createRole: false, createDb: false, replication: false, bypassRls: false, memberOf: [] };
const converged = (): ObservedState => ({
  database: { owner: 'app', connectionLimit: 10, mark: OURS, extensions: ['plpgsql', 'citext'], schemas: { reports: 'app' }, readOnlyGrants: { connect: true, usage: true, defaults: true, tables: true } },
  role: { name: 'app', canLogin: true, connectionLimit: 10, mark: OURS, ...plain },
  readOnlyRole: { name: 'app_ro', canLogin: false, connectionLimit: -1, mark: OURS, ...plain },
});

describe('postgres state', () => {
  it('the role defaults to the database name', () => {
    assert.equal(desiredDatabase('orders', parseSpec('Database', { providerConfigRef: { name: 'pg' } })).role, 'orders');
  });

  const drift: { reason: string; change: (s: ObservedState) => void; path: string }[] = [
    { reason: 'a dropped role', change: (s) => (s.role = undefined), path: 'username' },
    { reason: 'a changed owner', change: (s) => (s.database!.owner = 'postgres'), path: 'owner' },
    { reason: 'a role that cannot log in', change: (s) => (s.role!.canLogin = false), path: 'username.login' },
    { reason: 'a changed connection limit', change: (s) => (s.database!.connectionLimit = -1), path: 'postgres.connectionLimit' },
    { reason: 'a dropped extension', change: (s) => (s.database!.extensions = ['plpgsql']), path: 'postgres.extensions' },
    { reason: 'a dropped read-only role', change: (s) => (s.readOnlyRole = undefined), path: 'postgres.readOnlyRole' },
    { reason: 'a login role made superuser', change: (s) => (s.role!.superuser = true), path: 'username.privileges' },
    { reason: 'a read-only role granted pg_write_server_files', change: (s) => (s.readOnlyRole!.memberOf = ['pg_write_server_files']), path: 'postgres.readOnlyRole.privileges' },
    { reason: 'a dropped schema', change: (s) => (s.database!.schemas = {}), path: 'postgres.schemas' },
    { reason: 'a schema handed to another role', change: (s) => (s.database!.schemas = { reports: 'someone' }), path: 'postgres.schemas' },
    { reason: 'a revoked grant', change: (s) => (s.database!.readOnlyGrants!.tables = false), path: 'postgres.readOnlyRole.grants' },
  ];
  it('finds nothing on a converged database', () => assert.deepEqual(diffDatabase(desired, converged()), []));
  for (const c of drift) {
    it(`finds ${c.reason}`, () => {
      const state = converged();
      c.change(state);
      assert.deepEqual(diffDatabase(desired, state).map((d) => d.path), [c.path]);
    });
  }

  it('names every attribute and membership that makes a role privileged, and none for a plain login', () => {
    const role: ObservedRole = converged().role!;
    assert.deepEqual(privilegesOf(role), []);
    const all = { ...role, superuser: true, replication: true, bypassRls: true, createRole: true, createDb: true, memberOf: ['pg_read_all_data', 'team_b'] };
    assert.deepEqual(privilegesOf(all), ['SUPERUSER', 'REPLICATION', 'BYPASSRLS', 'CREATEROLE', 'CREATEDB', 'member of pg_read_all_data', 'member of team_b']);
    for (const attribute of ['superuser', 'replication', 'bypassRls', 'createRole', 'createDb'] as const) {
      assert.equal(privilegesOf({ ...role, [attribute]: true }).length, 1, attribute);
    }
  });

  const marks: { reason: string; change: (s: ObservedState) => void; expect: string | undefined }[] = [
    { reason: 'all ours', change: () => undefined, expect: OURS },
    { reason: 'our database with its role dropped', change: (s) => (s.role = undefined), expect: OURS },
    { reason: 'a role of that name owned by another resource', change: (s) => (s.role!.mark = 'mooring/other/x'), expect: 'mooring/other/x' },
    { reason: 'a foreign unmarked role of that name', change: (s) => (s.role!.mark = undefined), expect: undefined },
    { reason: 'an unmarked database', change: (s) => (s.database!.mark = undefined), expect: undefined },
    { reason: "someone else's database", change: (s) => (s.database!.mark = 'prod/ns/app'), expect: 'prod/ns/app' },
  ];
  for (const c of marks) {
    it(`reports the mark for ${c.reason}`, () => {
      const state = converged();
      c.change(state);
      assert.equal(ownershipOf(state, OURS), c.expect);
    });
  }
});
