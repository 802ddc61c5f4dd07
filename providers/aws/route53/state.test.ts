import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError } from '../../../sdk/index.ts';
import { ownershipName, ownershipValue, parseOwnership } from './ownership.ts';
import { changeCost, decodeName, desiredRecord, diffRecord, formatTxt, fromRoute53, parseTxt, toRoute53 } from './state.ts';

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
      assert.equal(parseTxt(c.value), c.text, 'and back');
    });
  }
  it('reads what Route 53 may return: octal escapes, unquoted strings', () => {
    assert.equal(parseTxt('"caf\\303\\251"'), 'caf\u00c3\u00a9');
    assert.equal(parseTxt('plain'), 'plain');
    assert.equal(parseTxt('"a" "b"'), 'ab');
  });
});

describe('record sets', () => {
  const spec = { type: 'A' as const, ttl: undefined, values: ['192.0.2.1', '192.0.2.2'], alias: undefined, weighted: undefined };

  it('decodes escaped names', () => {
    assert.equal(decodeName('\\052.Apps.example.com.'), '*.apps.example.com.');
  });

  it('round-trips through Route 53 shapes', () => {
    const rs = desiredRecord({ ...spec, weighted: { setIdentifier: 'blue', weight: 7 } }, 'www.example.com.');
    assert.deepEqual(fromRoute53(toRoute53(rs)), rs);
  });

  it('host names get their trailing dot, TXT its quotes', () => {
    assert.deepEqual(desiredRecord({ ...spec, type: 'CNAME', values: ['Target.example.net'] }, 'a.example.com.').values, ['target.example.net.']);
    assert.deepEqual(desiredRecord({ ...spec, type: 'MX', values: ['10 mail.example.com'] }, 'example.com.').values, ['10 mail.example.com.']);
    assert.deepEqual(desiredRecord({ ...spec, type: 'TXT', values: ['hello world'] }, 'a.example.com.').values, ['"hello world"']);
  });

  const live = (extra: object) => ({ name: 'www.example.com.', type: 'A', ttl: 300, values: ['192.0.2.2', '192.0.2.1'], ...extra });
  const table = [
    { reason: 'value order does not matter', live: live({}), paths: [] },
    { reason: 'a changed value', live: live({ values: ['192.0.2.9'] }), paths: ['values'] },
    { reason: 'a changed TTL', live: live({ ttl: 60 }), paths: ['ttl'] },
    { reason: 'an alias where values are wanted', live: live({ values: undefined, ttl: undefined, alias: { dnsName: 'x.', hostedZoneId: 'Z', evaluateTargetHealth: false } }), paths: ['values'] },
    { reason: 'a missing record set', live: undefined, paths: ['values'] },
  ];
  for (const c of table) {
    it(`diff: ${c.reason}`, () => {
      const desired = desiredRecord(spec, 'www.example.com.');
      assert.deepEqual(diffRecord(desired, c.live).map((d) => d.path), c.paths);
    });
  }

  it('TXT split differently is still equal', () => {
    const desired = desiredRecord({ ...spec, type: 'TXT', values: ['ab'] }, 'www.example.com.');
    assert.deepEqual(diffRecord(desired, { name: 'www.example.com.', type: 'TXT', ttl: 300, values: ['"a" "b"'] }), []);
  });

  it('an UPSERT counts twice against the batch limits', () => {
    const rs = desiredRecord(spec, 'www.example.com.');
    assert.deepEqual(changeCost('UPSERT', rs), { values: 4, chars: 36 });
    assert.deepEqual(changeCost('DELETE', rs), { values: 2, chars: 18 });
  });
});

describe('ownership records', () => {
  it('sit below the record, named by type', () => {
    assert.equal(ownershipName('www.example.com.', 'A'), '_mooring-a.www.example.com.');
    assert.equal(ownershipName('example.com.', 'MX'), '_mooring-mx.example.com.', 'at the apex too');
    assert.equal(ownershipName('*.apps.example.com.', 'CNAME'), '_mooring-cname._wildcard.apps.example.com.', 'below a wildcard');
  });
  it('tell weighted sets apart', () => {
    const blue = ownershipName('www.example.com.', 'A', 'blue');
    const green = ownershipName('www.example.com.', 'A', 'green');
    assert.notEqual(blue, green);
    assert.match(blue, /^_mooring-a-[0-9a-f]{10}\.www\.example\.com\.$/);
  });
  it('refuse a name too long to carry one', () => {
    const long = `${Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.')}.`;
    assert.throws(() => ownershipName(long, 'A'), (err: unknown) => err instanceof TerminalError && err.reason === 'InvalidSpec');
  });
  it('carry the mark as one TXT string', () => {
    const value = ownershipValue('mooring/ns/www');
    assert.equal(value, '"mooring/ns/www"');
    assert.equal(parseOwnership([value]), 'mooring/ns/www');
    assert.equal(parseOwnership(['"a"', '"b"']), undefined, 'two values are not an ownership record of ours');
    assert.equal(parseOwnership(undefined), undefined);
  });
});
