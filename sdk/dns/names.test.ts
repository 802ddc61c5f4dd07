// Names, TXT text and ownership records as every DNS backend on the kit writes them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError } from '../errors.ts';
import { ProviderReason } from '../reasons.ts';
import { absolute, canonical, inZone, labelOctets, nameTooLong } from './names.ts';
import { ownershipName, ownershipValue, parseOwnership, refuseReservedName } from './ownership.ts';
import { formatTxt, parseTxt } from './txt.ts';

describe('names', () => {
  it('are absolute and lowercase, relative to the zone unless they end in a dot', () => {
    assert.equal(canonical('Example.COM'), 'example.com.');
    assert.equal(absolute('WWW', 'example.com.'), 'www.example.com.');
    assert.equal(absolute('@', 'example.com.'), 'example.com.');
    assert.equal(absolute('a.Other.net.', 'example.com.'), 'a.other.net.');
    assert.ok(inZone('example.com.', 'example.com.') && inZone('a.example.com.', 'example.com.') && !inZone('aexample.com.', 'example.com.'));
  });

  it('count an escape as one octet', () => assert.deepEqual(labelOctets('a\\.b\\097.cc.'), [4, 2]));

  // 63 + 63 + 63 + 61 characters and three dots: 253 without the trailing dot, 255 octets on the wire.
  const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
  it('fit DNS at 253 characters without the trailing dot (255 octets on the wire), with it or not', () => {
    assert.equal(nameTooLong(longest), undefined);
    assert.equal(nameTooLong(`${longest}.`), undefined);
  });
  it('are too long at 254', () => assert.match(nameTooLong(`${longest}d.`) ?? '', /254 characters without the trailing dot; DNS allows 253 \(255 octets on the wire\)/));
  it('are too long with a label over 63 octets', () => assert.match(nameTooLong(`${'a'.repeat(64)}.test.`) ?? '', /a label of 64 characters; DNS allows 63/));
});

describe('TXT values', () => {
  const table = [
    { reason: 'short text is one quoted string', text: 'v=spf1 -all', value: '"v=spf1 -all"' },
    { reason: 'empty text', text: '', value: '""' },
    { reason: 'quotes and backslashes are escaped', text: 'say "hi" \\o/', value: '"say \\"hi\\" \\\\o/"' },
    { reason: 'exactly 255 characters stay one string', text: 'a'.repeat(255), value: `"${'a'.repeat(255)}"` },
    { reason: '256 characters become two strings', text: 'a'.repeat(256), value: `"${'a'.repeat(255)}" "a"` },
    { reason: 'splitting counts characters before escaping', text: `${'a'.repeat(254)}"b`, value: `"${'a'.repeat(254)}\\"" "b"` },
  ];
  for (const c of table) {
    it(c.reason, () => {
      assert.equal(formatTxt(c.text), c.value);
      assert.equal(parseTxt(c.value, 'decimal'), c.text, 'and back');
    });
  }
  it("reads each backend's escapes: Route 53's octal, RFC 1035's decimal; strings joined, unquoted ones too", () => {
    assert.equal(parseTxt('"caf\\303\\251"', 'octal'), 'caf\u00c3\u00a9');
    assert.equal(parseTxt('"caf\\195\\169" "2"', 'decimal'), 'caf\u00c3\u00a92');
    assert.equal(parseTxt('plain', 'octal'), 'plain');
    assert.equal(parseTxt('"a" "b"', 'decimal'), 'ab');
  });
});

describe('ownership records', () => {
  it('sit below the record, named by type, at the apex and below a wildcard too', () => {
    assert.equal(ownershipName('www.example.com.', 'A'), '_mooring-a.www.example.com.');
    assert.equal(ownershipName('example.com.', 'MX'), '_mooring-mx.example.com.');
    assert.equal(ownershipName('*.apps.example.com.', 'CNAME'), '_mooring-cname._wildcard.apps.example.com.');
  });
  it('tell weighted sets apart', () => {
    const blue = ownershipName('www.example.com.', 'A', 'blue');
    assert.notEqual(blue, ownershipName('www.example.com.', 'A', 'green'));
    assert.match(blue, /^_mooring-a-[0-9a-f]{10}\.www\.example\.com\.$/);
  });
  it('refuse a record name too long to carry one, InvalidSpec', () => {
    // 243 characters: the record fits DNS, with `_mooring-a.` (11 more) it is 254.
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(51)}.`;
    assert.equal(nameTooLong(name), undefined);
    assert.throws(() => ownershipName(name, 'A'), (err: unknown) => err instanceof TerminalError && err.reason === ProviderReason.InvalidSpec && /too long.*DNS allows 253/.test(err.message));
    assert.doesNotThrow(() => ownershipName(name.slice(1), 'A'), 'one character shorter, it fits');
  });
  it('carry the mark as one TXT string; anything else is no mark', () => {
    assert.equal(parseOwnership([ownershipValue('mooring/team-a/web')], 'decimal'), 'mooring/team-a/web');
    assert.equal(parseOwnership(['"a"', '"b"'], 'decimal'), undefined);
    assert.equal(parseOwnership(['""'], 'octal'), undefined);
    assert.equal(parseOwnership(undefined, 'octal'), undefined);
  });

  const reserved = (name: string, escapes: 'octal' | 'decimal') => () => refuseReservedName(name, escapes);
  const isReserved = (err: unknown) => err instanceof TerminalError && err.reason === ProviderReason.ReservedName && err.message.includes('spec.name');
  it('make their namespace reserved, whatever the escapes hide', () => {
    for (const name of ['_mooring-a.www', '_MOORING-NS', 'x._mooring-a.www', '_wildcard.apps', '_Wildcard']) assert.throws(reserved(name, 'decimal'), isReserved, name);
    assert.throws(reserved('\\137mooring-a.www', 'octal'), isReserved, "Route 53's octal");
    assert.throws(reserved('\\095mooring-a.www', 'decimal'), isReserved, 'decimal');
    assert.doesNotThrow(reserved('_dmarc.www', 'decimal'));
  });
});
