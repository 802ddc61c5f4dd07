// The only way identifiers and literals enter SQL text in this provider. Values go as bound
// parameters ($1) wherever PostgreSQL takes them; DDL takes none (CREATE ROLE … PASSWORD, COMMENT
// ON …), so there a value is quoted by pg's escapeLiteral. Identifiers are checked against the
// same pattern the schema enforces, then quoted anyway: a name that slipped past the schema (a
// default derived from metadata.name) is refused here, before any SQL exists.
import { escapeIdentifier, escapeLiteral } from 'pg';
import { ALLOWED_EXTENSIONS, PG_IDENTIFIER, TerminalError, schemaNameRules } from '../../sdk/index.ts';
import { PgReason } from './classify.ts';

/** A double-quoted identifier, after checking it is one the schema would accept. */
export function ident(name: string, what = 'identifier'): string {
  if (!PG_IDENTIFIER.test(name) || Buffer.byteLength(name) > 63) {
    throw new TerminalError(PgReason.InvalidSpec, `the ${what} ${JSON.stringify(name.slice(0, 80))} is not a valid identifier: 1-63 lowercase letters, digits and underscores, not starting with a digit`);
  }
  return escapeIdentifier(name);
}

/**
 * A schema name, quoted, after the schema's rules: never public, information_schema or pg_* (a
 * name that slipped past the schema is refused here, before any SQL exists).
 */
export function schemaIdent(name: string): string {
  const broken = schemaNameRules.find((r) => !r.holds(name));
  if (broken) throw new TerminalError(PgReason.InvalidSpec, `the schema ${JSON.stringify(name.slice(0, 80))} ${broken.message}`);
  return ident(name, 'schema name');
}

/** An extension name from the allow-list (uuid-ossp has a hyphen, so it has its own check), quoted. */
export function extension(name: string): string {
  if (!(ALLOWED_EXTENSIONS as readonly string[]).includes(name)) {
    throw new TerminalError(PgReason.InvalidSpec, `the extension ${JSON.stringify(name.slice(0, 80))} is not on the allow-list (${ALLOWED_EXTENSIONS.join(', ')})`);
  }
  return escapeIdentifier(name);
}

/** A string literal for DDL that cannot take parameters (E'…' with quotes and backslashes doubled). */
export function literal(value: string): string {
  return escapeLiteral(value);
}

/** A connection limit: an integer, written as digits (DDL takes no parameters). */
export function limit(n: number): string {
  if (!Number.isInteger(n) || n < -1) throw new TerminalError(PgReason.InvalidSpec, `the connection limit must be an integer of at least -1, got ${n}`);
  return String(n);
}
