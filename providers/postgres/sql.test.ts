import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError } from '../../sdk/index.ts';
import { extension, ident, limit, literal, schemaIdent } from './sql.ts';

describe('SQL quoting', () => {
  it('quotes identifiers the schema accepts', () => {
    assert.equal(ident('orders'), '"orders"');
    assert.equal(ident('_a1'), '"_a1"');
  });

  // Names a default derived from metadata.name could produce, or an attacker could try: refused
  // before any SQL text exists.
  for (const name of ['x"; DROP DATABASE postgres; --', 'Orders', 'a-b', '1x', '', 'a'.repeat(64), 'é']) {
    it(`refuses the identifier ${JSON.stringify(name.slice(0, 20))}`, () => {
      assert.throws(() => ident(name), (err: unknown) => err instanceof TerminalError && err.reason === 'InvalidSpec');
    });
  }

  it('quotes schema names, and refuses the reserved ones and forged ones', () => {
    assert.equal(schemaIdent('app'), '"app"');
    for (const name of ['public', 'information_schema', 'pg_catalog', 'pg_temp_1', 'x"; DROP SCHEMA public; --']) {
      assert.throws(() => schemaIdent(name), (err: unknown) => err instanceof TerminalError && err.reason === 'InvalidSpec', name);
    }
  });

  it('quotes literals, doubling quotes and backslashes', () => {
    assert.equal(literal("it's"), "'it''s'");
    assert.equal(literal('a\\b'), " E'a\\\\b'");
  });

  it('allows only allow-listed extensions, quoted (uuid-ossp has a hyphen)', () => {
    assert.equal(extension('uuid-ossp'), '"uuid-ossp"');
    assert.throws(() => extension('plpython3u'), TerminalError);
  });

  it('writes connection limits as integers only', () => {
    assert.equal(limit(-1), '-1');
    assert.throws(() => limit(1.5), TerminalError);
    assert.throws(() => limit(-2), TerminalError);
  });
});
