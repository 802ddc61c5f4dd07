// Schemas and the read-only role's default privileges on the stack's PostgreSQL, through the
// adapter. The login creates a table in its schema after the Database is Ready: the read-only role
// reads it (default privileges) and cannot write it. A tenant naming a schema another role owns in
// its database gets NotOwned and the schema stays that role's; a reserved name never reaches SQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresDatabaseConnector } from '../../providers/postgres/index.ts';
import { settle } from '../../sdk/conformance/drive.ts';
import { TerminalError, type DatabaseSpec, type ManagedResource, type ProviderConnection } from '../../sdk/index.ts';
import { DatabaseSpec as DatabaseSchema } from '../../src/api/database.ts';
import { useStack } from '../support/stack.ts';

const connector = new PostgresDatabaseConnector();
let admin: pg.Pool | undefined;
after(async () => {
  await connector.close();
  await admin?.end();
});
const stack = useStack(['postgres']);
const suffix = randomBytes(3).toString('hex');

describe('postgres schemas and the read-only role', () => {
  let url: string;
  let connection: ProviderConnection;
  before(async () => {
    url = (await stack.ready()).postgres!.url;
    connection = { name: 'schemas-pg', type: 'postgres', region: 'local', settings: {}, secretData: { url } };
    admin = new pg.Pool({ connectionString: url, max: 2 });
  });
  const resource = (name: string, postgres: Record<string, unknown>): ManagedResource<DatabaseSpec> => ({
    kind: 'Database', namespace: 'schemas', name, uid: `uid-${name}`, generation: 1, externalName: name, ownershipMark: `test/schemas/${name}`,
    connectionSecret: { password: `pw-${name}-0123456789` },
    spec: DatabaseSchema.parse({ providerConfigRef: { name: 'schemas-pg' }, postgres }),
  });
  /** A client in `db` as `user` (the superuser when no password is given). */
  const as = async <T>(db: string, fn: (c: pg.Client) => Promise<T>, login?: { user: string; password: string }): Promise<T> => {
    const u = new URL(url);
    u.pathname = `/${db}`;
    if (login) [u.username, u.password] = [login.user, login.password];
    const client = new pg.Client({ connectionString: u.toString() });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };

  it('creates the schemas owned by the login; the read-only role reads tables the login makes later, and writes none', async () => {
    const name = `sch_${suffix}`;
    const ro = `sch_ro_${suffix}`;
    const r = resource(name, { schemas: ['app', 'reports'], readOnlyRole: ro });
    const client = await connector.connect(connection);
    await client.create(r);
    const made = await settle(client, r, 30_000);
    assert.deepEqual([made.exists, made.upToDate, made.diff], [true, true, undefined]);
    const owners = await as(name, async (c) => (await c.query<{ s: string }>("SELECT nspname || '=' || pg_get_userbyid(nspowner) AS s FROM pg_namespace WHERE nspname IN ('app', 'reports') ORDER BY 1")).rows.map((x) => x.s));
    assert.deepEqual(owners, [`app=${name}`, `reports=${name}`]);
    // The tenant's login makes a table after the fact; a login in the read-only role reads it.
    const login = { user: name, password: `pw-${name}-0123456789` };
    await as(name, (c) => c.query('CREATE TABLE app.orders (id int); INSERT INTO app.orders VALUES (1)'), login);
    const reader = `sch_reader_${suffix}`;
    await admin!.query(`CREATE ROLE ${pg.escapeIdentifier(reader)} LOGIN PASSWORD 'reader-pw' IN ROLE ${pg.escapeIdentifier(ro)}`);
    try {
      const rows = await as(name, async (c) => (await c.query<{ id: number }>('SELECT id FROM app.orders')).rows, { user: reader, password: 'reader-pw' });
      assert.deepEqual(rows, [{ id: 1 }]);
      await assert.rejects(as(name, (c) => c.query('INSERT INTO app.orders VALUES (2)'), { user: reader, password: 'reader-pw' }), /permission denied/);
      // A grant taken away behind mooring's back is drift on the read-only role's grants.
      await as(name, (c) => c.query(`REVOKE USAGE ON SCHEMA reports FROM ${pg.escapeIdentifier(ro)}`));
      const drifted = await settle(await connector.connect(connection), r, 30_000);
      assert.deepEqual(drifted.diff?.map((d) => d.path), ['postgres.readOnlyRole.grants']);
    } finally {
      await admin!.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(reader)}`);
      await admin!.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      for (const role of [name, ro]) await admin!.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
    }
  });

  it("refuses a schema another role owns in its database (NotOwned), and leaves it that role's", async () => {
    const name = `sch_hostile_${suffix}`;
    const other = `sch_other_${suffix}`;
    const client = await connector.connect(connection);
    const r = resource(name, {});
    await client.create(r);
    await settle(client, r, 30_000);
    await admin!.query(`CREATE ROLE ${pg.escapeIdentifier(other)} NOLOGIN`);
    try {
      await as(name, (c) => c.query(`CREATE SCHEMA billing AUTHORIZATION ${pg.escapeIdentifier(other)}`));
      const wants = { ...r, generation: 2, spec: DatabaseSchema.parse({ providerConfigRef: { name: 'schemas-pg' }, postgres: { schemas: ['billing'] } }) };
      const observed = await settle(client, wants, 30_000);
      assert.deepEqual(observed.diff?.map((d) => d.path), ['postgres.schemas']);
      await assert.rejects(client.update(wants, observed), (err: unknown) => err instanceof TerminalError && err.reason === 'NotOwned' && /billing \(owned by sch_other/.test(err.message));
      const owner = await as(name, async (c) => (await c.query<{ o: string }>("SELECT pg_get_userbyid(nspowner) AS o FROM pg_namespace WHERE nspname = 'billing'")).rows[0]?.o);
      assert.equal(owner, other);
    } finally {
      await admin!.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      for (const role of [name, other]) await admin!.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
    }
  });

  it('refuses a reserved or forged schema name before any statement, even past the CRD schema', async () => {
    const name = `sch_reserved_${suffix}`;
    const client = await connector.connect(connection);
    for (const schema of ['public', 'pg_catalog', 'information_schema', 'x"; DROP SCHEMA public; --']) {
      const r = resource(name, {});
      const forged = { ...r, spec: { ...r.spec, postgres: { ...r.spec.postgres!, schemas: [schema] } } };
      await assert.rejects(client.create(forged), (err: unknown) => err instanceof TerminalError && err.reason === 'InvalidSpec', schema);
    }
    // Refused before any statement: no database, no role, public still owned as it was.
    assert.equal((await admin!.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount, 0);
    assert.equal((await admin!.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount, 0);
  });
});
