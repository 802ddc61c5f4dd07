// A cheap read-only check that a postgres ProviderConfig's admin connection works: connect, run
// SELECT 1, and read whether the role may create databases and roles (what the adapter needs).
// `mooring doctor` and the ProviderConfig status checker run it, under the config's own limiter.
import pg from 'pg';
import { TerminalError, type ProbeReport, type ProviderConnection } from '../../sdk/index.ts';
import { adminConnection, pinSession } from './admin.ts';
import { classifyPgError, PgReason } from './classify.ts';

interface RoleRights {
  rolsuper: boolean;
  rolcreatedb: boolean;
  rolcreaterole: boolean;
}

export async function probePostgres(connection: ProviderConnection): Promise<ProbeReport> {
  const limiter = connection.limiter?.('postgres');
  return limiter ? limiter.schedule(() => probe(connection)) : probe(connection);
}

async function probe(connection: ProviderConnection): Promise<ProbeReport> {
  const admin = adminConnection(connection);
  const where = `${String(admin.config.host)}:${String(admin.config.port)}`;
  const client = new pg.Client(admin.config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    await pinSession(client);
    await client.query('SELECT 1');
    const { rows } = await client.query<RoleRights>('SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = CURRENT_USER');
    const rights = rows[0];
    const lacks = rights?.rolsuper ? [] : (['rolcreatedb', 'rolcreaterole'] as const).filter((r) => !rights?.[r]).map((r) => r.slice(3).toUpperCase());
    if (lacks.length) {
      throw new TerminalError(PgReason.AccessDenied, `the admin role at ${where} logs in but lacks ${lacks.join(' and ')}, which creating Databases needs`);
    }
    const user = String(admin.config.user);
    return { summary: `PostgreSQL at ${where} answered SELECT 1 as ${user} (may create databases and roles)`, account: user, endpoint: where };
  } catch (err) {
    throw classifyPgError(err, `connecting to ${where}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
