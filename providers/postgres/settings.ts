// `ProviderConfig.spec.settings` as the postgres provider reads them: where clients reach the
// server, TLS, and the deadlines of every connection mooring makes. Each has a default a shared
// cluster can live with; docs/database.md lists them.
import * as z from 'zod';
import { TerminalError, formatIssues, type ProviderConnection } from '../../sdk/index.ts';
import { PgReason } from './classify.ts';

/** Defaults of every PostgreSQL connection mooring makes; docs/database.md points here. */
export const PG_CLIENT_DEFAULTS = {
  /** Admin connections kept per ProviderConfig (one reconcile holds one at a time). */
  poolSize: 4,
  /** An idle admin connection is closed after this. */
  idleTimeoutMs: 10_000,
  /** Giving up on connecting, TLS and authentication included (a server that accepts and never answers). */
  connectTimeoutMs: 5_000,
  /** The server cancels a statement running longer (CREATE DATABASE copies a template: it needs some). */
  statementTimeoutMs: 60_000,
  /**
   * The client gives up on an answer after this, whatever the server does (a blackholed server
   * never cancels anything): the statement timeout plus a margin, so the server's own cancel,
   * with its clean error, normally comes first.
   */
  queryMarginMs: 10_000,
  /** Waiting for a lock a tenant's session holds (LOCK TABLE in an open transaction) ends after this. */
  lockTimeoutMs: 10_000,
  /** The server ends a session of ours left idle inside a transaction (its client died) after this. */
  idleInTransactionTimeoutMs: 30_000,
  /** TCP keepalive probes start after this much silence on a connection, so a dead peer is noticed. */
  keepAliveDelayMs: 10_000,
} as const;

export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

const port = z.string().regex(/^\d{1,5}$/, 'must be a port number').transform(Number).refine((n) => n >= 1 && n <= 65535, 'must be a port number');
/** Milliseconds, as a string of digits (settings are strings); 0 is refused: it means "no deadline". */
const ms = (max: number) =>
  z.string().regex(/^\d{1,9}$/, 'must be a number of milliseconds').transform(Number).refine((n) => n >= 1 && n <= max, `must be between 1 and ${max} milliseconds`);

export const PgSettings = z
  .object({
    /** The host written into connection Secrets (clients reach the server at another address). */
    publishedHost: z.string().min(1).max(253).optional(),
    publishedPort: port.optional(),
    /** TLS to the server, as libpq's sslmode; wins over nothing: the Secret's must agree when both are set. */
    sslmode: z.enum(SSL_MODES, { message: `must be one of ${SSL_MODES.join(', ')}` }).optional(),
    /** PEM certificate(s) of the CA that signed the server's certificate (or the Secret's `ca.crt`). */
    sslRootCert: z.string().regex(/-----BEGIN CERTIFICATE-----/, 'must hold a PEM certificate').optional(),
    connectTimeoutMs: ms(600_000).optional(),
    statementTimeoutMs: ms(3_600_000).optional(),
    queryTimeoutMs: ms(3_660_000).optional(),
    lockTimeoutMs: ms(3_600_000).optional(),
    idleInTransactionTimeoutMs: ms(3_600_000).optional(),
    keepAliveDelayMs: ms(600_000).optional(),
  })
  .loose();
export type PgSettings = z.infer<typeof PgSettings>;

/** The deadlines of one connection, defaults filled in. */
export interface PgDeadlines {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  keepAliveDelayMs: number;
}

function invalid(connection: ProviderConnection, problem: string): TerminalError {
  return new TerminalError(PgReason.ProviderConfigInvalid, `ProviderConfig ${connection.name}: ${problem}`);
}

export function pgSettings(connection: ProviderConnection): PgSettings {
  const parsed = PgSettings.safeParse(connection.settings ?? {});
  if (parsed.success) return parsed.data;
  throw invalid(connection, formatIssues(parsed.error.issues, 'settings'));
}

export function deadlines(connection: ProviderConnection, settings: PgSettings): PgDeadlines {
  const d = PG_CLIENT_DEFAULTS;
  const statementTimeoutMs = settings.statementTimeoutMs ?? d.statementTimeoutMs;
  const queryTimeoutMs = settings.queryTimeoutMs ?? statementTimeoutMs + d.queryMarginMs;
  // The client giving up first would leave the statement running on the server, unseen.
  if (queryTimeoutMs < statementTimeoutMs) throw invalid(connection, `settings.queryTimeoutMs (${queryTimeoutMs}) must be at least settings.statementTimeoutMs (${statementTimeoutMs})`);
  return {
    connectTimeoutMs: settings.connectTimeoutMs ?? d.connectTimeoutMs,
    statementTimeoutMs,
    queryTimeoutMs,
    lockTimeoutMs: settings.lockTimeoutMs ?? d.lockTimeoutMs,
    idleInTransactionTimeoutMs: settings.idleInTransactionTimeoutMs ?? d.idleInTransactionTimeoutMs,
    keepAliveDelayMs: settings.keepAliveDelayMs ?? d.keepAliveDelayMs,
  };
}
