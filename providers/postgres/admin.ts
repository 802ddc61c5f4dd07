// The admin connection a postgres ProviderConfig describes, and the pools that hold it. The
// credentials Secret holds either `url` (postgres://user:password@host:port/database?sslmode=…)
// or `host`, `port`, `username`, `password` and optionally `database` (default postgres) and
// `sslmode`, and `ca.crt` (a PEM CA for verify-full). Settings `publishedHost` / `publishedPort` override what the connection Secrets of
// Databases name, for servers that clients reach at another address than the operator; the other
// settings (TLS, deadlines) are in settings.ts.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TerminalError, type ProviderConnection } from '../../sdk/index.ts';
import { PgReason } from './classify.ts';
import { deadlines, PG_CLIENT_DEFAULTS, pgSettings, SSL_MODES, type SslMode } from './settings.ts';
import { tlsOptions } from './tls.ts';

export { PG_CLIENT_DEFAULTS };

/**
 * The search_path of every admin session. A tenant owns its database and may `ALTER DATABASE … SET
 * search_path = public, pg_catalog` and plant a `public.format(…)` there: any unqualified name the
 * admin (a superuser) resolves would then run the tenant's code as superuser (CVE-2018-1058). With
 * only pg_catalog and our own temporary schema (last, so it shadows nothing) on the path, no name
 * resolves into a schema a tenant can write. It goes in the startup packet (a client's startup
 * options win over per-database and per-role settings) and is SET again once connected, for a
 * pooler that drops startup options; every function and catalog is also written pg_catalog.-qualified.
 */
export const PINNED_SEARCH_PATH = 'pg_catalog, pg_temp';

/** Pins the search_path of a freshly connected session, before any other statement. */
export async function pinSession(client: pg.ClientBase): Promise<void> {
  await client.query(`SET search_path TO ${PINNED_SEARCH_PATH}`);
}

export interface AdminConnection {
  /** For pg.Pool / pg.Client; holds the password. */
  config: pg.ClientConfig;
  /** Where clients of the Databases connect, for their connection Secrets. */
  publishedHost: string;
  publishedPort: number;
  /** Identifies the admin credentials and settings without holding them, so a change gets a new pool. */
  fingerprint: string;
}

function invalid(connection: ProviderConnection, problem: string): TerminalError {
  return new TerminalError(PgReason.ProviderConfigInvalid, `ProviderConfig ${connection.name}: ${problem}`);
}

interface Endpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  sslmode: string | undefined;
}

function endpointOf(connection: ProviderConnection, data: Record<string, string>): Endpoint {
  if (data.url) {
    let url: URL;
    try {
      url = new URL(data.url);
    } catch {
      throw invalid(connection, 'the credentials Secret\'s url is not a URL (postgres://user:password@host:5432/postgres)'); // never quote it: it holds the password
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw invalid(connection, 'the credentials Secret\'s url must start with postgres:// or postgresql://');
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : 5432,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
      sslmode: url.searchParams.get('sslmode') ?? undefined,
    };
  }
  if (!data.host || !data.username || !data.password) {
    throw invalid(connection, 'the credentials Secret holds neither url nor host, username and password');
  }
  return { host: data.host, port: data.port ? Number(data.port) : 5432, user: data.username, password: data.password, database: data.database || 'postgres', sslmode: data.sslmode };
}

/** The Secret's sslmode and the setting must agree when both are given: neither silently loosens the other. */
function sslModeOf(connection: ProviderConnection, fromSecret: string | undefined, setting: SslMode | undefined): SslMode | undefined {
  if (fromSecret !== undefined && !(SSL_MODES as readonly string[]).includes(fromSecret)) throw invalid(connection, `sslmode must be one of ${SSL_MODES.join(', ')}`);
  if (fromSecret !== undefined && setting !== undefined && fromSecret !== setting) {
    throw invalid(connection, `the credentials Secret says sslmode ${fromSecret} and settings.sslmode says ${setting}; set one, or make them agree`);
  }
  return setting ?? (fromSecret as SslMode | undefined);
}

function caOf(connection: ProviderConnection, data: Record<string, string>, setting: string | undefined): string | undefined {
  const fromSecret = data['ca.crt'];
  if (fromSecret !== undefined && !fromSecret.includes('-----BEGIN CERTIFICATE-----')) throw invalid(connection, 'the credentials Secret\'s ca.crt holds no PEM certificate');
  if (fromSecret !== undefined && setting !== undefined && fromSecret.trim() !== setting.trim()) {
    throw invalid(connection, 'both the credentials Secret\'s ca.crt and settings.sslRootCert name a CA, and they differ; set one');
  }
  return fromSecret ?? setting;
}

/** Reads the admin connection from the ProviderConfig's resolved Secret and settings; a missing or bad one is Terminal. */
export function adminConnection(connection: ProviderConnection): AdminConnection {
  const data = connection.secretData;
  if (!data) throw invalid(connection, 'a postgres ProviderConfig needs credentials.source: Secret, naming a Secret with url (or host, port, username, password)');
  const settings = pgSettings(connection);
  const { host, port, user, password, database, sslmode: secretSslmode } = endpointOf(connection, data);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(connection, 'the admin port is not a port number');
  if (!host || !user) throw invalid(connection, 'the admin connection names no host or no user');
  const sslmode = sslModeOf(connection, secretSslmode, settings.sslmode);
  const ca = caOf(connection, data, settings.sslRootCert);
  if (ca && (sslmode === undefined || sslmode === 'disable' || sslmode === 'prefer')) {
    throw invalid(connection, `a CA is given but sslmode is ${sslmode ?? 'unset'}; set sslmode verify-full (or verify-ca) to use it`);
  }
  const limits = deadlines(connection, settings);
  const config: pg.ClientConfig = {
    host,
    port,
    user,
    password,
    database,
    application_name: 'mooring',
    options: `-c search_path=${PINNED_SEARCH_PATH.replace(/ /g, '')}`,
    connectionTimeoutMillis: limits.connectTimeoutMs,
    statement_timeout: limits.statementTimeoutMs,
    query_timeout: limits.queryTimeoutMs,
    lock_timeout: limits.lockTimeoutMs,
    idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: limits.keepAliveDelayMs,
    ssl: tlsOptions(sslmode, ca),
  };
  const fingerprint = createHash('sha256').update(JSON.stringify([connection.name, host, port, user, password, database, sslmode ?? '', ca ?? '', limits])).digest('hex');
  return { config, publishedHost: settings.publishedHost || host, publishedPort: settings.publishedPort ?? port, fingerprint };
}

/**
 * pg-pool awaits the promise onConnect returns before it hands the connection out (its types say
 * void), so no statement runs on an unpinned session, and a failed pin fails that connect.
 */
interface PinnedPoolConfig extends Omit<pg.PoolConfig, 'onConnect'> {
  onConnect: (client: pg.ClientBase) => Promise<void>;
}

/**
 * One small pool per ProviderConfig, kept across reconciles (connecting is the slow part), and
 * replaced when its credentials change. Connections to the Databases' own databases are never
 * pooled: an idle one would keep DROP DATABASE waiting.
 */
export class AdminPools {
  private readonly pools = new Map<string, { fingerprint: string; pool: pg.Pool }>();

  get(connection: ProviderConnection, admin: AdminConnection): pg.Pool {
    const held = this.pools.get(connection.name);
    if (held?.fingerprint === admin.fingerprint) return held.pool;
    if (held) void held.pool.end().catch(() => undefined);
    const options: PinnedPoolConfig = {
      ...admin.config,
      max: PG_CLIENT_DEFAULTS.poolSize,
      idleTimeoutMillis: PG_CLIENT_DEFAULTS.idleTimeoutMs,
      // Idle connections must not keep a stopping operator (or a test process) alive.
      allowExitOnIdle: true,
      onConnect: pinSession,
    };
    const pool = new pg.Pool(options);
    // An idle connection the server closed: the pool drops it; without a listener it would crash the process.
    pool.on('error', () => undefined);
    this.pools.set(connection.name, { fingerprint: admin.fingerprint, pool });
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.pool.end().catch(() => undefined)));
  }
}
