// The postgres Database adapter: a database on an existing server, a login role owning it, its
// extensions and an optional read-only role, each marked ours by a COMMENT holding the ownership
// mark. Every statement is idempotent, so a pass a crash interrupted is simply run again. Names
// reach SQL only through ident() (checked, then quoted); values as parameters, or through
// literal() in DDL, which takes none. How the spec compares is in state.ts.
//
// Tenants own their databases and may plant functions and settings in them, so every session is
// pinned to search_path pg_catalog, pg_temp (admin.ts), every function, catalog and type below is
// written pg_catalog.-qualified, and what is done inside a tenant's database (extensions, grants)
// runs under SET ROLE to its owner. Passwords reach the server only as SCRAM verifiers (scram.ts).
import pg from 'pg';
import {
  RetryableError,
  TerminalError,
  type Connector,
  type DatabaseAtProvider,
  type DatabaseSpec,
  type DeleteResult,
  type ExternalClient,
  type ManagedResource,
  type Observation,
  type ProviderConnection,
} from '../../sdk/index.ts';
import { AdminPools, adminConnection, pinSession, type AdminConnection } from './admin.ts';
import { classifyPgError, PgReason } from './classify.ts';
import { extension, ident, limit, literal, schemaIdent } from './sql.ts';
import { scramVerifier } from './scram.ts';
import { desiredDatabase, diffDatabase, ownershipOf, privilegesOf, type DesiredDatabase, type ObservedDatabase, type ObservedRole, type ObservedState } from './state.ts';

/** Runs queries on one connection (the admin pool's, or a database's own), failures typed. */
interface Session {
  query<R extends pg.QueryResultRow>(what: string, sql: string, params?: unknown[], secret?: boolean): Promise<R[]>;
}

function session(target: pg.Pool | pg.ClientBase): Session {
  return {
    async query<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = [], secret = false): Promise<R[]> {
      try {
        return (await target.query<R>(sql, params)).rows;
      } catch (err) {
        throw classifyPgError(err, what, secret);
      }
    },
  };
}

export class PostgresDatabaseConnector implements Connector<DatabaseSpec, DatabaseAtProvider> {
  private readonly pools = new AdminPools();

  async connect(connection: ProviderConnection): Promise<ExternalClient<DatabaseSpec, DatabaseAtProvider>> {
    const admin = adminConnection(connection); // a bad Secret fails here, before any connection
    return new PostgresDatabaseClient(admin, this.pools.get(connection, admin));
  }

  async close(): Promise<void> {
    await this.pools.close();
  }
}

class PostgresDatabaseClient implements ExternalClient<DatabaseSpec, DatabaseAtProvider> {
  private readonly admin: AdminConnection;
  private readonly pool: pg.Pool;
  private readonly sql: Session;

  constructor(admin: AdminConnection, pool: pg.Pool) {
    this.admin = admin;
    this.pool = pool;
    this.sql = session(pool);
  }

  // --- observe ---------------------------------------------------------------------------------

  async observe(resource: ManagedResource<DatabaseSpec>): Promise<Observation<DatabaseAtProvider>> {
    const desired = this.desired(resource);
    const [database, roles] = await Promise.all([this.readDatabase(desired.database), this.readRoles(roleNames(desired))]);
    const state: ObservedState = { database, role: roles.get(desired.role) };
    if (desired.options.readOnlyRole) state.readOnlyRole = roles.get(desired.options.readOnlyRole);
    // A privileged role is not refused here (a delete must still go ahead): diffDatabase reports
    // its privileges, and every write refuses it (refusePrivileged).
    if (!database) return await this.withoutDatabase(resource, state);
    const ownershipMark = ownershipOf(state, resource.ownershipMark);
    // Inside reads need a connection to the database itself: only for ours (or one being adopted).
    if (ownershipMark === undefined || ownershipMark === resource.ownershipMark) await this.readInside(desired, database, state.readOnlyRole !== undefined);
    const diff = diffDatabase(desired, state);
    const atProvider: DatabaseAtProvider = { host: this.admin.publishedHost, port: this.admin.publishedPort, database: desired.database, username: desired.role };
    return {
      exists: true,
      upToDate: diff.length === 0,
      ownershipMark,
      atProvider,
      connectionDetails: this.connectionDetails(desired, resource.connectionSecret?.password),
      ...(diff.length ? { diff } : {}),
    };
  }

  /**
   * The database is gone (dropped by hand, or our own delete stopped between its DROP DATABASE
   * and DROP ROLE). While a role carrying our mark is left, the Database still exists for the
   * reconciler: a delete then drops that role too instead of leaving it behind, and under Full
   * an update re-creates the database. (Found by the chaos suite, seed 1998953612.)
   */
  private async withoutDatabase(resource: ManagedResource<DatabaseSpec>, state: ObservedState): Promise<Observation<DatabaseAtProvider>> {
    const name = this.desired(resource).database;
    // A CREATE DATABASE of ours still running on the server (the client that sent it may be dead:
    // PostgreSQL finishes the statement anyway) is not "gone": a delete that ended on it would leave
    // the database behind, unmarked. (Found by the chaos suite, seed 4242.)
    if (await this.stillCreating(name)) return { exists: false, upToDate: false, pending: { reason: 'Provisioning', message: `a CREATE DATABASE of ${name} is still running on the server` } };
    const ours = [state.role, state.readOnlyRole].some((r) => r?.mark === resource.ownershipMark);
    if (!ours || resource.spec.managementPolicy === 'ObserveOnly') return { exists: false, upToDate: false };
    return { exists: true, upToDate: false, ownershipMark: resource.ownershipMark, diff: [{ path: 'database', observed: null, desired: name }] };
  }

  /** Whether a session is running our CREATE DATABASE of `name` (found by the tag it starts with). */
  private async stillCreating(name: string): Promise<boolean> {
    const rows = await this.sql.query<{ n: number }>(
      `look for a CREATE DATABASE ${name} under way`,
      `SELECT pg_catalog.count(*)::pg_catalog.int4 AS n FROM pg_catalog.pg_stat_activity
        WHERE state <> 'idle' AND pid <> pg_catalog.pg_backend_pid() AND pg_catalog.starts_with(query, $1)`,
      [creatingTag(name)],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  private async readDatabase(name: string): Promise<ObservedDatabase | undefined> {
    const rows = await this.sql.query<{ owner: string; connlimit: number; mark: string | null }>(
      `read database ${name}`,
      `SELECT pg_catalog.pg_get_userbyid(d.datdba) AS owner, d.datconnlimit AS connlimit, pg_catalog.shobj_description(d.oid, 'pg_database') AS mark
         FROM pg_catalog.pg_database d WHERE d.datname = $1`,
      [name],
    );
    const row = rows[0];
    return row && { owner: row.owner, connectionLimit: row.connlimit, mark: row.mark ?? undefined };
  }

  private async readRoles(names: string[]): Promise<Map<string, ObservedRole>> {
    const rows = await this.sql.query<RoleRow>(
      `read roles ${names.join(', ')}`,
      `SELECT r.rolname AS name, r.rolcanlogin AS login, r.rolconnlimit AS connlimit, pg_catalog.shobj_description(r.oid, 'pg_authid') AS mark,
              r.rolsuper AS superuser, r.rolcreaterole AS createrole, r.rolcreatedb AS createdb, r.rolreplication AS replication, r.rolbypassrls AS bypassrls,
              ARRAY(SELECT g.rolname::pg_catalog.text FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                     WHERE m.member = r.oid ORDER BY 1) AS member_of
         FROM pg_catalog.pg_roles r WHERE r.rolname = ANY($1::pg_catalog.text[])`,
      [names],
    );
    return new Map(rows.map((r) => [r.name, roleOf(r)]));
  }

  private async readInside(desired: DesiredDatabase, database: ObservedDatabase, readOnlyExists: boolean): Promise<void> {
    await this.inDatabase(desired.database, undefined, async (db) => {
      const extensions = await db.query<{ extname: string }>(`read extensions of ${desired.database}`, 'SELECT extname FROM pg_catalog.pg_extension');
      database.extensions = extensions.map((e) => e.extname);
      const { schemas, readOnlyRole: ro } = desired.options;
      const found = await db.query<{ name: string; owner: string }>(
        `read the schemas of ${desired.database}`,
        SCHEMAS,
        [schemas],
      );
      database.schemas = Object.fromEntries(found.map((f) => [f.name, f.owner]));
      if (!ro || !readOnlyExists) return;
      // Only schemas that exist: has_schema_privilege fails on a missing one (its absence is a diff of its own).
      const grants = { connect: true, usage: true, defaults: true, tables: true };
      for (const schema of ['public', ...found.map((f) => f.name)]) {
        const [g] = await db.query<typeof grants>(`read the grants of ${ro} in ${schema}`, READ_ONLY_GRANTS, [ro, desired.role, schema]);
        for (const k of Object.keys(grants) as (keyof typeof grants)[]) grants[k] &&= g?.[k] ?? false;
      }
      database.readOnlyGrants = grants;
    });
  }

  // --- create / update / credentials -------------------------------------------------------------

  async create(resource: ManagedResource<DatabaseSpec>): Promise<void> {
    const desired = this.desired(resource);
    await this.refusePrivileged(desired, undefined);
    await this.ensureRole(resource, desired, 'create');
    const { database, role, options } = desired;
    const created = await this.sql
      .query(`CREATE DATABASE ${database}`, `${creatingTag(database)} CREATE DATABASE ${ident(database)} OWNER ${ident(role)} CONNECTION LIMIT ${limit(options.connectionLimit)}`)
      .then(() => true, (err: unknown) => {
        if (err instanceof Error && 'reason' in err && err.reason === PgReason.Conflict) return false; // it exists: whose?
        throw err;
      });
    if (!created) {
      const existing = await this.readDatabase(database);
      if (existing?.mark !== resource.ownershipMark) {
        throw new TerminalError(existing?.mark ? PgReason.AlreadyOwned : PgReason.NotOwned, `the database ${database} appeared while it was being created and is ${existing?.mark ? `owned by ${existing.mark}` : 'not marked as ours'}; it is left untouched`);
      }
    }
    await this.mark('DATABASE', database, resource.ownershipMark);
    await this.configure(resource, desired);
  }

  async update(resource: ManagedResource<DatabaseSpec>): Promise<void> {
    const desired = this.desired(resource);
    // Only our login role is left (see withoutDatabase): create the database again.
    const existing = await this.readDatabase(desired.database);
    if (!existing) return this.create(resource);
    await this.refusePrivileged(desired, existing.mark === resource.ownershipMark ? undefined : existing.owner);
    await this.ensureRole(resource, desired, 'update');
    const { database, role, options } = desired;
    await this.sql.query(`set the owner of ${database}`, `ALTER DATABASE ${ident(database)} OWNER TO ${ident(role)}`);
    await this.sql.query(`set the connection limit of ${database}`, `ALTER DATABASE ${ident(database)} CONNECTION LIMIT ${limit(options.connectionLimit)}`);
    await this.mark('DATABASE', database, resource.ownershipMark);
    await this.configure(resource, desired);
  }

  async setCredentials(resource: ManagedResource<DatabaseSpec>): Promise<void> {
    const desired = this.desired(resource);
    await this.refusePrivileged(desired, undefined);
    await this.ensureRole(resource, desired, 'update');
  }

  /**
   * The login role with exactly the Secret's password. A new role is created and marked in one
   * transaction, so an unmarked role of that name is never one we made: it is refused (NotOwned)
   * unless the spec adopts it.
   */
  private async ensureRole(resource: ManagedResource<DatabaseSpec>, desired: DesiredDatabase, phase: 'create' | 'update'): Promise<void> {
    const password = resource.connectionSecret?.password;
    if (!password) throw new TerminalError(PgReason.ProviderError, `no password in the connection Secret of ${resource.namespace}/${resource.name}; the reconciler writes one before this call`);
    const { role, options } = desired;
    const existing = (await this.readRoles([role])).get(role);
    this.checkRole(resource, existing, phase);
    // The verifier, never the password: statements are logged and shown in pg_stat_activity.
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT ${limit(options.connectionLimit)} PASSWORD ${literal(scramVerifier(password))}`;
    if (existing) {
      await this.sql.query(`ALTER ROLE ${role}`, `ALTER ROLE ${ident(role)} WITH ${attributes}`, [], true);
      await this.mark('ROLE', role, resource.ownershipMark);
      return;
    }
    await this.transaction(`CREATE ROLE ${role}`, true, async (tx) => {
      await tx.query(`CREATE ROLE ${role}`, `CREATE ROLE ${ident(role)} WITH ${attributes}`, [], true);
      await tx.query(`COMMENT ON ROLE ${role}`, `COMMENT ON ROLE ${ident(role)} IS ${literal(resource.ownershipMark)}`);
    });
  }

  /**
   * Before any write: no role the spec names is privileged, and a database we are about to take
   * (not marked ours: `owner` given) is not owned by a privileged role. Holds whatever marks,
   * adoption or grants say: managing a role hands its password to a tenant.
   */
  private async refusePrivileged(desired: DesiredDatabase, owner: string | undefined): Promise<void> {
    const names = [...roleNames(desired), ...(owner !== undefined && owner !== desired.role ? [owner] : [])];
    const roles = await this.readRoles(names);
    for (const role of roles.values()) {
      const privileges = privilegesOf(role);
      if (!privileges.length) continue;
      const what = role.name === owner && owner !== desired.role ? `the database ${desired.database} is owned by the role ${role.name}, which` : `the role ${role.name}`;
      throw new TerminalError(
        PgReason.PrivilegedRole,
        `${what} has ${privileges.join(', ')}; mooring never manages, adopts or sets the password of a privileged role, and never takes a database one owns. Choose another spec.username / externalName, or have an administrator remove those privileges.`,
      );
    }
  }

  private checkRole(resource: ManagedResource<DatabaseSpec>, role: ObservedRole | undefined, phase: 'create' | 'update'): void {
    if (!role) return;
    const privileges = privilegesOf(role);
    // Read again right before the write: a role made privileged since the pass began is still refused.
    if (privileges.length) throw new TerminalError(PgReason.PrivilegedRole, `the role ${role.name} has ${privileges.join(', ')}; mooring never manages a privileged role`);
    if (role.mark === resource.ownershipMark) return;
    if (role.mark !== undefined) throw new TerminalError(PgReason.AlreadyOwned, `the role ${role.name} is owned by ${role.mark}; it is left untouched. Choose another spec.username.`);
    // update runs only on what the reconciler judged ours or adopted; create must judge the role itself.
    if (phase === 'create' && !resource.spec.adopt) {
      throw new TerminalError(PgReason.NotOwned, `a role ${role.name} already exists and carries no mooring ownership mark; it is left untouched. Set spec.adopt: true to take it over, or choose another spec.username.`);
    }
  }

  /** Extensions, schemas and the read-only role, inside the database. */
  private async configure(resource: ManagedResource<DatabaseSpec>, desired: DesiredDatabase): Promise<void> {
    const { database, role, options } = desired;
    const ro = options.readOnlyRole;
    if (ro) await this.ensureReadOnlyRole(resource, ro);
    if (!options.extensions.length && !options.schemas.length && !ro) return;
    // As the owner, not the superuser: the work needs nothing more (the allowed extensions are all
    // trusted), and the statements can do nothing the tenant's own login could not.
    await this.inDatabase(database, role, async (db) => {
      for (const name of options.extensions) {
        // SCHEMA public, named: with the search_path pinned, the first schema on it is pg_catalog.
        await db.query(`CREATE EXTENSION ${name} in ${database}`, `CREATE EXTENSION IF NOT EXISTS ${extension(name)} SCHEMA public`);
      }
      await this.ensureSchemas(db, desired);
      if (!ro) return;
      const r = ident(ro);
      await db.query(`GRANT CONNECT to ${ro}`, `GRANT CONNECT ON DATABASE ${ident(database)} TO ${r}`);
      for (const schema of ['public', ...options.schemas]) {
        const s = schema === 'public' ? 'public' : schemaIdent(schema);
        await db.query(`GRANT USAGE on ${schema} to ${ro}`, `GRANT USAGE ON SCHEMA ${s} TO ${r}`);
        await db.query(`GRANT SELECT in ${schema} to ${ro}`, `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
        await db.query(`default privileges in ${schema} for ${ro}`, `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(role)} IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${r}`);
      }
    });
  }

  /**
   * The spec's schemas, created by (so owned by) the login role. One that exists owned by another
   * role is refused, never taken over: its owner may be another login, and its objects theirs.
   */
  private async ensureSchemas(db: Session, { database, role, options }: DesiredDatabase): Promise<void> {
    if (!options.schemas.length) return;
    const found = await db.query<{ name: string; owner: string }>(
      `read the schemas of ${database}`,
      SCHEMAS,
      [options.schemas],
    );
    const foreign = found.filter((f) => f.owner !== role);
    if (foreign.length) {
      const which = foreign.map((f) => `${f.name} (owned by ${f.owner})`).join(', ');
      throw new TerminalError(PgReason.NotOwned, `spec.postgres.schemas: the schema ${which} in ${database} is not the login ${role}'s; it is left untouched. Drop it or choose another name.`);
    }
    for (const schema of options.schemas) {
      if (!found.some((f) => f.name === schema)) await db.query(`CREATE SCHEMA ${schema} in ${database}`, `CREATE SCHEMA ${schemaIdent(schema)}`);
    }
  }

  private async ensureReadOnlyRole(resource: ManagedResource<DatabaseSpec>, name: string): Promise<void> {
    const existing = (await this.readRoles([name])).get(name);
    this.checkRole(resource, existing, 'create');
    if (existing) {
      await this.sql.query(`ALTER ROLE ${name}`, `ALTER ROLE ${ident(name)} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      await this.mark('ROLE', name, resource.ownershipMark);
      return;
    }
    await this.transaction(`CREATE ROLE ${name}`, false, async (tx) => {
      await tx.query(`CREATE ROLE ${name}`, `CREATE ROLE ${ident(name)} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      await tx.query(`COMMENT ON ROLE ${name}`, `COMMENT ON ROLE ${ident(name)} IS ${literal(resource.ownershipMark)}`);
    });
  }

  private async mark(kind: 'DATABASE' | 'ROLE', name: string, mark: string): Promise<void> {
    await this.sql.query(`COMMENT ON ${kind} ${name}`, `COMMENT ON ${kind} ${ident(name)} IS ${literal(mark)}`);
  }

  // --- delete ----------------------------------------------------------------------------------

  async delete(resource: ManagedResource<DatabaseSpec>): Promise<DeleteResult> {
    const desired = this.desired(resource);
    const { database, options } = desired;
    const sessions = await this.sql.query<{ n: number }>(
      `count the sessions on ${database}`,
      'SELECT pg_catalog.count(*)::pg_catalog.int4 AS n FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()',
      [database],
    );
    const connected = sessions[0]?.n ?? 0;
    if (connected > 0 && !options.terminateConnectionsOnDelete) {
      // Retryable: the sessions may end by themselves; backoff looks again (5 s, doubling).
      throw new RetryableError(
        PgReason.DatabaseInUse,
        `${connected} session(s) are connected to the database ${database}; it is dropped once they end. Set spec.postgres.terminateConnectionsOnDelete: true to end them, or deletionPolicy: Retain to keep it.`,
      );
    }
    if (connected > 0) {
      await this.sql.query(`end the sessions on ${database}`, 'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()', [database]);
    }
    await this.sql.query(`DROP DATABASE ${database}`, `DROP DATABASE IF EXISTS ${ident(database)}`);
    // Roles go after the database (it owned the objects that depended on them), and only ours.
    const roles = await this.readRoles(roleNames(desired));
    for (const role of roles.values()) {
      // Ours only; and a role of ours someone made privileged is left for an administrator.
      if (role.mark !== resource.ownershipMark || privilegesOf(role).length) continue;
      await this.sql.query(`DROP ROLE ${role.name}`, `DROP ROLE IF EXISTS ${ident(role.name)}`);
    }
    return { done: true };
  }

  async disconnect(): Promise<void> {
    // The admin pool outlives the reconcile; the connector closes it when the operator stops.
  }

  // --- helpers ---------------------------------------------------------------------------------

  private desired(resource: ManagedResource<DatabaseSpec>): DesiredDatabase {
    if (resource.spec.rds) {
      throw new TerminalError(PgReason.InvalidSpec, 'spec.rds is set, but the ProviderConfig is of type postgres; use spec.postgres, or a ProviderConfig of type aws');
    }
    const desired = desiredDatabase(resource.externalName, resource.spec);
    ident(desired.database, 'database name');
    ident(desired.role, 'role name');
    // Before any statement: a reserved or forged schema name is refused with nothing done.
    for (const schema of desired.options.schemas) schemaIdent(schema);
    return desired;
  }

  private connectionDetails(desired: DesiredDatabase, password: string | undefined): Record<string, string> {
    const { publishedHost: host, publishedPort: port } = this.admin;
    const details: Record<string, string> = { host, port: String(port), database: desired.database, username: desired.role };
    if (password) {
      const h = host.includes(':') ? `[${host}]` : host;
      details.password = password;
      details.uri = `postgresql://${encodeURIComponent(desired.role)}:${encodeURIComponent(password)}@${h}:${port}/${encodeURIComponent(desired.database)}`;
    }
    return details;
  }

  /**
   * A short-lived connection to one database (never pooled: it would hold DROP DATABASE up), its
   * search_path pinned before anything else runs, and acting as `role` when given.
   */
  private async inDatabase(database: string, role: string | undefined, fn: (db: Session) => Promise<void>): Promise<void> {
    const client = new pg.Client({ ...this.admin.config, database });
    client.on('error', () => undefined); // a server-side close between queries; the query itself fails typed
    try {
      await client.connect();
      await pinSession(client);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw classifyPgError(err, `connect to ${database}`);
    }
    try {
      const db = session(client);
      if (role !== undefined) await db.query(`SET ROLE ${role} in ${database}`, `SET ROLE ${ident(role)}`);
      await fn(db);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Statements that must happen together (a role and its mark). */
  private async transaction(what: string, secret: boolean, fn: (tx: Session) => Promise<void>): Promise<void> {
    const pool = this.pool;
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw classifyPgError(err, what, secret);
    }
    const tx = session(client);
    try {
      await tx.query(`BEGIN (${what})`, 'BEGIN');
      await fn(tx);
      await tx.query(`COMMIT (${what})`, 'COMMIT');
      client.release();
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw err;
    }
  }
}

interface RoleRow {
  name: string;
  login: boolean;
  connlimit: number;
  mark: string | null;
  superuser: boolean;
  createrole: boolean;
  createdb: boolean;
  replication: boolean;
  bypassrls: boolean;
  member_of: string[];
}

const roleOf = (r: RoleRow): ObservedRole => ({
  name: r.name,
  canLogin: r.login,
  connectionLimit: r.connlimit,
  mark: r.mark ?? undefined,
  superuser: r.superuser,
  createRole: r.createrole,
  createDb: r.createdb,
  replication: r.replication,
  bypassRls: r.bypassrls,
  memberOf: r.member_of,
});

/** The schemas of $1 that exist in the database, each with its owner. */
const SCHEMAS = 'SELECT nspname::pg_catalog.text AS name, pg_catalog.pg_get_userbyid(nspowner)::pg_catalog.text AS owner FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::pg_catalog.text[])';

/** Whether role $1 reads schema $3 as the read-only role should: CONNECT, USAGE, SELECT on every table, and $2's default privileges. */
const READ_ONLY_GRANTS = `SELECT pg_catalog.has_database_privilege($1::pg_catalog.name, pg_catalog.current_database(), 'CONNECT') AS connect,
        pg_catalog.has_schema_privilege($1::pg_catalog.name, $3::pg_catalog.text, 'USAGE') AS usage,
        EXISTS (SELECT 1 FROM pg_catalog.pg_default_acl a, pg_catalog.aclexplode(a.defaclacl) x
                 WHERE a.defaclrole = pg_catalog.to_regrole($2) AND a.defaclnamespace = pg_catalog.to_regnamespace($3)
                   AND a.defaclobjtype = 'r' AND x.grantee = pg_catalog.to_regrole($1::pg_catalog.text) AND x.privilege_type = 'SELECT') AS defaults,
        NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.relnamespace = pg_catalog.to_regnamespace($3) AND c.relkind IN ('r', 'p')
                     AND NOT pg_catalog.has_table_privilege($1::pg_catalog.name, c.oid, 'SELECT')) AS tables`;

const roleNames = (desired: DesiredDatabase): string[] => [desired.role, ...(desired.options.readOnlyRole ? [desired.options.readOnlyRole] : [])];

/**
 * The comment our CREATE DATABASE starts with: pg_stat_activity shows it, so an observe can tell
 * that statement is still running. The name is checked by ident() in the statement itself; here
 * it only has to match, and a comment cannot be closed by a name ident() accepts.
 */
export const creatingTag = (database: string) => `/* mooring: CREATE DATABASE ${database} */`;
