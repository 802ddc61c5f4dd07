// The conformance kit against the PostgreSQL Database adapter on the stack's server. The oracle is
// a plain pg client on the admin URL: it reads pg_database and its comment (the ownership mark).
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { PostgresDatabaseConnector } from '../../providers/postgres/index.ts';
import { describeConformance, type Found } from '../../sdk/conformance/index.ts';
import type { DatabaseSpec, ManagedResource, ProviderConnection } from '../../sdk/index.ts';
import { DatabaseSpec as DatabaseSchema } from '../../src/api/database.ts';
import { useStack } from '../support/stack.ts';

const connector = new PostgresDatabaseConnector();
let oracle: pg.Pool | undefined;
// Registered before the stack's own hook, so the pools close before the server stops.
after(async () => {
  await connector.close();
  await oracle?.end();
});
const stack = useStack(['postgres']);

describeConformance<DatabaseSpec>('postgres Database', async () => {
  const server = (await stack.ready()).postgres!;
  const connection: ProviderConnection = { name: 'conformance-pg', type: 'postgres', region: 'local', settings: {}, secretData: { url: server.url } };
  const db = (oracle = new pg.Pool({ connectionString: server.url, max: 2 }));
  db.on('error', () => undefined); // an idle connection the server ended: the next query opens another
  // Names come from the kit (lowercase letters, digits, underscores here): safe to quote as identifiers.
  const q = (name: string) => `"${name}"`;
  // Read-only roles the field walk names: roles are server-wide, so unique to this run.
  const readOnly = [1, 2].map((i) => `walk_ro_${randomBytes(3).toString('hex')}_${i}`);
  const remove = async (r: ManagedResource<DatabaseSpec>) => {
    await db.query(`DROP DATABASE IF EXISTS ${q(r.externalName)} WITH (FORCE)`);
    await db.query(`DROP ROLE IF EXISTS ${q(r.externalName)}`);
    for (const role of readOnly) await db.query(`DROP ROLE IF EXISTS ${q(role)}`);
  };
  /** Extensions installed in the database (beside plpgsql) and its own schemas with their owners, read by connecting to it. */
  const inside = async (name: string): Promise<{ extensions: string[]; schemas: string[] }> => {
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ extname: string }>("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname");
      const schemas = await client.query<{ schema: string }>(
        "SELECT nspname || ' owned by ' || pg_get_userbyid(nspowner) AS schema FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('public', 'information_schema') ORDER BY 1",
      );
      return { extensions: rows.map((row) => row.extname), schemas: schemas.rows.map((row) => row.schema) };
    } finally {
      await client.end();
    }
  };
  return {
    connector,
    connection: () => connection,
    resource: (name) => ({
      kind: 'Database', namespace: 'conformance', name, uid: `uid-${name}`, generation: 1, externalName: name.replace(/-/g, '_'),
      ownershipMark: `conformance/conformance/${name}`,
      // The login's password, as the reconciler generates it: the kit searches every error for it too.
      connectionSecret: { password: `pw-${name}-0123456789` },
      spec: DatabaseSchema.parse({ providerConfigRef: { name: 'conformance-pg' }, postgres: {} }),
    }),
    oracle: {
      async read(r): Promise<Found[]> {
        const { rows } = await db.query<{ owner: string; connlimit: number; mark: string | null }>(
          `SELECT pg_get_userbyid(datdba) AS owner, datconnlimit AS connlimit, shobj_description(oid, 'pg_database') AS mark FROM pg_database WHERE datname = $1`,
          [r.externalName],
        );
        const marked = await db.query<{ rolname: string }>(
          `SELECT rolname FROM pg_roles WHERE rolname = ANY($1) AND shobj_description(oid, 'pg_authid') = $2 ORDER BY rolname`,
          [readOnly, r.ownershipMark],
        );
        // Only the walk's read-only roles: the login role is the adapter's business in the other cases.
        const roles = marked.rows.map((row) => row.rolname);
        return Promise.all(rows.map(async (row) => ({ mark: row.mark ?? undefined, state: { owner: row.owner, connlimit: row.connlimit, roles, ...(await inside(r.externalName)) } })));
      },
      async drift(r) {
        await db.query(`ALTER DATABASE ${q(r.externalName)} CONNECTION LIMIT 7`);
        return 'postgres.connectionLimit';
      },
      remove,
      async plant(r, mark) {
        await db.query(`CREATE DATABASE ${q(r.externalName)}`);
        if (mark) await db.query(`COMMENT ON DATABASE ${q(r.externalName)} IS '${mark.replace(/'/g, "''")}'`);
      },
      cleanup: remove,
    },
    unreachable: (secret) => ({ ...connection, name: 'conformance-dead', secretData: { url: `postgres://postgres:${secret}@127.0.0.1:1/postgres` } }),
    badCredentials: (secret) => ({ ...connection, name: 'conformance-bad', secretData: { url: `postgres://postgres:${secret}@${server.host}:${server.port}/postgres` } }),
    // An rds block on a postgres ProviderConfig: the adapter refuses it before any statement.
    invalidSpec: (r) => ({ ...r, spec: DatabaseSchema.parse({ providerConfigRef: { name: 'conformance-pg' }, rds: {} }) }),
    fields: {
      values: { 'postgres.readOnlyRole': readOnly },
      notSettings: {
        rds: "the RDS provider's block: with a postgres ProviderConfig it is refused before any statement (the case 'an invalid spec is Terminal')",
        'postgres.terminateConnectionsOnDelete': 'what delete does with sessions still connected (test/integration/database.test.ts)',
        resetPasswordOnAdopt: "the reconciler's adoption rule: whether it may set a new password on a login it adopts (src/reconcile/managed.test.ts)",
      },
    },
    skip: {
      'partial delete resumes': 'a database and its login go in one delete call (DROP DATABASE, then DROP ROLE, each idempotent): there is nothing to resume',
    },
  };
});
