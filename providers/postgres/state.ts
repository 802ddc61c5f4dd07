// What a Database is on a PostgreSQL server, as observe reads it, and how it compares with the
// spec. Pure: the adapter reads, this decides.
import { PostgresOptions, type DatabaseSpec, type FieldDiff } from '../../sdk/index.ts';

/** The spec as this provider acts on it, names resolved. */
export interface DesiredDatabase {
  database: string;
  role: string;
  options: PostgresOptions;
}

export function desiredDatabase(externalName: string, spec: DatabaseSpec): DesiredDatabase {
  return {
    database: externalName,
    role: spec.username ?? externalName,
    options: spec.postgres ?? PostgresOptions.parse({}),
  };
}

export interface ObservedRole {
  name: string;
  canLogin: boolean;
  connectionLimit: number;
  mark?: string | undefined;
  /** pg_authid's role attributes that reach beyond the role's own objects. */
  superuser: boolean;
  createRole: boolean;
  createDb: boolean;
  replication: boolean;
  bypassRls: boolean;
  /** The roles it is a member of (pg_auth_members): their privileges are its own. */
  memberOf: string[];
}

/**
 * What makes a role more than a login for its own database, each as PostgreSQL writes it; empty
 * for a role mooring may manage. Managing one means setting its password and writing that into a
 * tenant's Secret, so none of these is ever managed, adopted or given a password: SUPERUSER,
 * REPLICATION (reads every database's WAL), BYPASSRLS, CREATEROLE (grants itself nearly anything),
 * CREATEDB (a platform account rather than an application's login), and any membership
 * (pg_read_all_data, pg_write_server_files, rds_superuser, another team's role).
 */
export function privilegesOf(role: ObservedRole): string[] {
  const attributes = [
    role.superuser && 'SUPERUSER',
    role.replication && 'REPLICATION',
    role.bypassRls && 'BYPASSRLS',
    role.createRole && 'CREATEROLE',
    role.createDb && 'CREATEDB',
  ].filter((a): a is string => typeof a === 'string');
  return [...attributes, ...role.memberOf.map((m) => `member of ${m}`)];
}

export interface ObservedDatabase {
  owner: string;
  connectionLimit: number;
  mark?: string | undefined;
  /** Read inside the database; undefined when it was not read (not ours). */
  extensions?: string[] | undefined;
  /** The spec's schemas that exist, each with its owner; read inside the database with the extensions. */
  schemas?: Record<string, string> | undefined;
  /** Whether the read-only role has what it needs in public and every schema of the spec that exists, when the spec asks for one. */
  readOnlyGrants?: { connect: boolean; usage: boolean; defaults: boolean; tables: boolean } | undefined;
}

export interface ObservedState {
  database?: ObservedDatabase | undefined;
  role?: ObservedRole | undefined;
  readOnlyRole?: ObservedRole | undefined;
}

/**
 * The one mark observe reports for the database and its roles: a foreign mark on any of them
 * wins (never touch someone else's role); ours only when the database carries it and each role
 * that exists does too; otherwise none (an unmarked thing, adopted or refused by the reconciler).
 */
export function ownershipOf(state: ObservedState, ours: string): string | undefined {
  const marks = [state.database?.mark, state.role?.mark, state.readOnlyRole?.mark];
  const foreign = marks.find((m) => m !== undefined && m !== ours);
  if (foreign !== undefined) return foreign;
  const roles = [state.role, state.readOnlyRole].filter((r) => r !== undefined);
  return state.database?.mark === ours && roles.every((r) => r.mark === ours) ? ours : undefined;
}

export function diffDatabase(desired: DesiredDatabase, state: ObservedState): FieldDiff[] {
  const diff: FieldDiff[] = [];
  const db = state.database;
  if (!db) return diff;
  const { role, options } = desired;
  // Privileges a role of ours gained behind our back are drift: the update that would correct it refuses instead (PrivilegedRole).
  for (const [path, observed] of [['username.privileges', state.role], ['postgres.readOnlyRole.privileges', state.readOnlyRole]] as const) {
    const privileges = observed ? privilegesOf(observed) : [];
    if (privileges.length) diff.push({ path, observed: privileges, desired: [] });
  }
  if (!state.role) diff.push({ path: 'username', observed: null, desired: role });
  else {
    if (!state.role.canLogin) diff.push({ path: 'username.login', observed: false, desired: true });
    if (state.role.connectionLimit !== options.connectionLimit) {
      diff.push({ path: 'postgres.connectionLimit', observed: state.role.connectionLimit, desired: options.connectionLimit });
    }
  }
  if (db.owner !== role) diff.push({ path: 'owner', observed: db.owner, desired: role });
  if (db.connectionLimit !== options.connectionLimit && !diff.some((d) => d.path === 'postgres.connectionLimit')) {
    diff.push({ path: 'postgres.connectionLimit', observed: db.connectionLimit, desired: options.connectionLimit });
  }
  if (db.extensions) {
    const missing = options.extensions.filter((e) => !db.extensions!.includes(e));
    if (missing.length) diff.push({ path: 'postgres.extensions', observed: db.extensions.filter((e) => e !== 'plpgsql'), desired: options.extensions });
  }
  if (db.schemas) {
    const wrong = options.schemas.filter((name) => db.schemas![name] !== role);
    if (wrong.length) diff.push({ path: 'postgres.schemas', observed: db.schemas, desired: options.schemas });
  }
  if (options.readOnlyRole) {
    const grants = db.readOnlyGrants;
    if (!state.readOnlyRole) diff.push({ path: 'postgres.readOnlyRole', observed: null, desired: options.readOnlyRole });
    else if (grants && !(grants.connect && grants.usage && grants.defaults && grants.tables)) {
      diff.push({ path: 'postgres.readOnlyRole.grants', observed: grants, desired: { connect: true, usage: true, defaults: true, tables: true } });
    }
  }
  return diff;
}
