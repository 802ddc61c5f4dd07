// The one place where a PostgreSQL failure becomes a typed adapter error, decided from the
// SQLSTATE (error classes in PostgreSQL's Appendix A) or the network error code. A statement that
// carries a password is described without the server's message: never echo what might quote it.
import { AdapterError, ConflictError, ProviderReason, RetryableError, TerminalError } from '../../sdk/index.ts';

/** Reason codes the postgres adapter puts on its errors (each is documented in docs/reasons.md): the SDK's, and its own. */
export const PgReason = {
  ...ProviderReason,
  /** A role the spec names (or the owner of a database it would take) is privileged: never managed, never given a password. */
  PrivilegedRole: 'PrivilegedRole',
} as const;
export type PgReason = (typeof PgReason)[keyof typeof PgReason];

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/** pg's own words for a connection that broke or never came up. */
const PG_NETWORK = /^(Connection terminated|timeout exceeded when trying to connect|timeout expired|Client has encountered a connection error|Query read timeout)/;

interface PgLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

export function sqlState(err: unknown): string | undefined {
  const code = (err as PgLike | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function isNetwork(err: unknown): boolean {
  const e = err as PgLike | null;
  if (typeof e?.code === 'string' && NETWORK.has(e.code)) return true;
  if (typeof e?.message === 'string' && PG_NETWORK.test(e.message)) return true;
  return err instanceof AggregateError && err.errors.some(isNetwork);
}

/**
 * Types a failure of `what` (e.g. `CREATE DATABASE "orders"`). `secret`: the statement carried a
 * password, so the server's message stays out of ours.
 */
export function classifyPgError(err: unknown, what: string, secret = false): AdapterError {
  if (err instanceof AdapterError) return err;
  const state = sqlState(err);
  const raw = (err as PgLike | null)?.message;
  const detail = secret || typeof raw !== 'string' ? '' : `: ${raw}`;
  const message = `PostgreSQL ${what} failed${state ? ` (SQLSTATE ${state})` : ''}${detail}`;
  const options = secret ? {} : { cause: err };
  if (state === '28P01' || state === '28000') {
    return new TerminalError(PgReason.InvalidCredentials, `${message}. Check the admin credentials in the ProviderConfig's Secret.`, options);
  }
  if (state === '42501') return new TerminalError(PgReason.AccessDenied, `${message}. The admin role lacks a privilege this needs (CREATEDB, CREATEROLE, or membership of the role).`, options);
  if (state === '3D000') return new TerminalError(PgReason.ProviderConfigInvalid, `${message}. The ProviderConfig's admin database does not exist.`, options);
  if (state === '55006') return new RetryableError(PgReason.DatabaseInUse, message, options);
  // lock_timeout: a session (a tenant's LOCK TABLE in an open transaction) holds what we need.
  if (state === '55P03') return new RetryableError(PgReason.ProviderUnavailable, `${message}. Another session holds a lock this needs; retried.`, options);
  if (state === '42710' || state === '42P04' || state === '40001' || state === '40P01' || (state === 'XX000' && /tuple concurrently updated/.test(String(raw)))) {
    return new ConflictError(PgReason.Conflict, message, options);
  }
  // Class 08 connection exceptions, 53 insufficient resources, 57 operator intervention.
  if (state && /^(08|53|57)/.test(state)) return new RetryableError(PgReason.ProviderUnavailable, message, options);
  if (isNetwork(err)) return new RetryableError(PgReason.ProviderUnavailable, message, options);
  if (state) return new TerminalError(PgReason.InvalidRequest, message, options);
  return new RetryableError(PgReason.ProviderError, message, options);
}
