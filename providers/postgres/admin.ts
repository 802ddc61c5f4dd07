// The admin connection a postgres ProviderConfig describes, and the pools that hold it. The
// credentials Secret holds either `url` (postgres://user:password@host:port/database?sslmode=…)
// or `host`, `port`, `username`, `password` and optionally `database` (default postgres) and
// `sslmode`. Settings `publishedHost` / `publishedPort` override what the connection Secrets of
// Databases name, for servers that clients reach at another address than the operator.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TerminalError, type ProviderConnection } from '../sdk/index.ts';
import { PgReason } from './classify.ts';

/** Defaults of every PostgreSQL connection mooring makes; docs/database.md points here. */
export const PG_CLIENT_DEFAULTS = {
  /** Admin connections kept per ProviderConfig (one reconcile holds one at a time). */
  poolSize: 4,
  /** An idle admin connection is closed after this. */
  idleTimeoutMs: 10_000,
  /** Giving up on connecting. */
  connectionTimeoutMs: 5_000,
  /** The server cancels a statement running longer (CREATE DATABASE copies a template: it needs some). */
  statementTimeoutMs: 60_000,
} as const;

export interface AdminConnection {
  /** For pg.Pool / pg.Client; holds the password. */
  config: pg.ClientConfig;
  /** Where clients of the Databases connect, for their connection Secrets. */
  publishedHost: string;
  publishedPort: number;
  /** Identifies the admin credentials without holding them, so a changed Secret gets a new pool. */
  fingerprint: string;
}

const SSL_MODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']);

function invalid(connection: ProviderConnection, problem: string): TerminalError {
  return new TerminalError(PgReason.ProviderConfigInvalid, `ProviderConfig ${connection.name}: ${problem}`);
}

/** Reads the admin connection from the ProviderConfig's resolved Secret; a missing or bad one is Terminal. */
export function adminConnection(connection: ProviderConnection): AdminConnection {
  const data = connection.secretData;
  if (!data) throw invalid(connection, 'a postgres ProviderConfig needs credentials.source: Secret, naming a Secret with url (or host, port, username, password)');
  let host: string;
  let port: number;
  let user: string;
  let password: string;
  let database: string;
  let sslmode: string | undefined;
  if (data.url) {
    let url: URL;
    try {
      url = new URL(data.url);
    } catch {
      throw invalid(connection, 'the credentials Secret\'s url is not a URL (postgres://user:password@host:5432/postgres)'); // never quote it: it holds the password
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw invalid(connection, 'the credentials Secret\'s url must start with postgres:// or postgresql://');
    host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    port = url.port ? Number(url.port) : 5432;
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
    database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
    sslmode = url.searchParams.get('sslmode') ?? undefined;
  } else {
    if (!data.host || !data.username || !data.password) {
      throw invalid(connection, 'the credentials Secret holds neither url nor host, username and password');
    }
    host = data.host;
    port = data.port ? Number(data.port) : 5432;
    user = data.username;
    password = data.password;
    database = data.database || 'postgres';
    sslmode = data.sslmode;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(connection, 'the admin port is not a port number');
  if (!host || !user) throw invalid(connection, 'the admin connection names no host or no user');
  if (sslmode !== undefined && !SSL_MODES.has(sslmode)) throw invalid(connection, `sslmode must be one of ${[...SSL_MODES].join(', ')}`);
  const published = connection.settings.publishedPort;
  const publishedPort = published ? Number(published) : port;
  if (!Number.isInteger(publishedPort) || publishedPort < 1 || publishedPort > 65535) throw invalid(connection, 'settings.publishedPort is not a port number');
  const config: pg.ClientConfig = {
    host,
    port,
    user,
    password,
    database,
    application_name: 'mooring',
    connectionTimeoutMillis: PG_CLIENT_DEFAULTS.connectionTimeoutMs,
    statement_timeout: PG_CLIENT_DEFAULTS.statementTimeoutMs,
  };
  if (sslmode && sslmode !== 'disable' && sslmode !== 'prefer') config.ssl = { rejectUnauthorized: sslmode !== 'require' };
  const fingerprint = createHash('sha256').update(JSON.stringify([connection.name, host, port, user, password, database, sslmode ?? ''])).digest('hex');
  return { config, publishedHost: connection.settings.publishedHost || host, publishedPort, fingerprint };
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
    const pool = new pg.Pool({
      ...admin.config,
      max: PG_CLIENT_DEFAULTS.poolSize,
      idleTimeoutMillis: PG_CLIENT_DEFAULTS.idleTimeoutMs,
      // Idle connections must not keep a stopping operator (or a test process) alive.
      allowExitOnIdle: true,
    });
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
