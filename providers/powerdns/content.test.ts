import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparable, formatTxt, parseTxt, toContent } from './content.ts';
import { ownershipName, parseOwnership } from './ownership.ts';
import { desiredRRset, diffRRset } from './rrset.ts';

describe('TXT content', () => {
  const cases = [
    { reason: 'plain text is quoted', text: 'hello', content: '"hello"' },
    { reason: 'quotes and backslashes are escaped', text: 'say "hi" \\o/', content: '"say \\"hi\\" \\\\o/"' },
    { reason: 'text over 255 characters is split into strings', text: 'x'.repeat(300), content: `"${'x'.repeat(255)}" "${'x'.repeat(45)}"` },
    { reason: 'empty text is one empty string', text: '', content: '""' },
  ];
  for (const c of cases) {
    it(`${c.reason}, and parses back`, () => {
      assert.equal(formatTxt(c.text), c.content);
      assert.equal(parseTxt(c.content), c.text);
    });
  }

  it("reads PowerDNS's decimal escapes and joins split strings", () => {
    assert.equal(parseTxt('"caf\\195\\169" "2"'), 'caf\u00c3\u00a92');
    assert.equal(parseTxt('"a" "b"'), 'ab');
  });
});

describe('record content per type', () => {
  const cases = [
    { type: 'CNAME', value: 'Target.Example.net', content: 'target.example.net.' },
    { type: 'NS', value: 'ns1.example.net.', content: 'ns1.example.net.' },
    { type: 'MX', value: '10 mail.example.net', content: '10 mail.example.net.' },
    { type: 'SRV', value: '10 5 5060 sip.example.net', content: '10 5 5060 sip.example.net.' },
    { type: 'MX', value: '0 .', content: '0 .' },
    { type: 'AAAA', value: '2001:DB8:0:0::1', content: '2001:db8::1' },
    { type: 'A', value: '192.0.2.1', content: '192.0.2.1' },
    { type: 'CAA', value: '0 issue "letsencrypt.org"', content: '0 issue "letsencrypt.org"' },
  ];
  for (const c of cases) it(`${c.type} ${c.value} is written as PowerDNS writes it`, () => assert.equal(toContent(c.type, c.value), c.content));

  it('compares contents as DNS does: case of host names and IPv6 spelling do not matter', () => {
    assert.equal(comparable('CNAME', 'A.Example.NET.'), comparable('CNAME', 'a.example.net.'));
    assert.equal(comparable('AAAA', '2001:0db8::0001'), comparable('AAAA', '2001:db8::1'));
    assert.equal(comparable('TXT', '"ab"'), comparable('TXT', '"a" "b"'));
  });
});

describe('record sets', () => {
  const desired = desiredRRset({ type: 'A', ttl: 60, values: ['192.0.2.1', '192.0.2.2'] }, 'www.example.test.');
  const cases = [
    { reason: 'equal in another order', live: { ...desired, contents: ['192.0.2.2', '192.0.2.1'] }, paths: [] },
    { reason: 'missing', live: undefined, paths: ['values'] },
    { reason: 'another TTL', live: { ...desired, ttl: 300 }, paths: ['ttl'] },
    { reason: 'another value', live: { ...desired, contents: ['192.0.2.1'] }, paths: ['values'] },
    { reason: 'a disabled record among them', live: { ...desired, disabled: 1 }, paths: ['values'] },
  ];
  for (const c of cases) it(`diff: ${c.reason}`, () => assert.deepEqual(diffRRset(desired, c.live).map((d) => d.path), c.paths));

  it('defaults the TTL to 300', () => assert.equal(desiredRRset({ type: 'A', values: ['192.0.2.1'] }, 'a.example.test.').ttl, 300));
});

describe('ownership records', () => {
  it('are named as the Route 53 adapter names them', () => {
    assert.equal(ownershipName('www.example.test.', 'A'), '_mooring-a.www.example.test.');
    assert.equal(ownershipName('*.apps.example.test.', 'CNAME'), '_mooring-cname._wildcard.apps.example.test.');
    assert.equal(ownershipName('example.test.', 'MX'), '_mooring-mx.example.test.');
  });

  it('refuse a name too long to carry one', () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.test.`;
    assert.throws(() => ownershipName(long, 'A'), (err: Error & { reason?: string }) => err.reason === 'InvalidSpec' && /too long/.test(err.message));
  });

  it('carry the mark as one TXT string; anything else is no mark', () => {
    assert.equal(parseOwnership(['"mooring/team-a/web"']), 'mooring/team-a/web');
    assert.equal(parseOwnership(['"a"', '"b"']), undefined);
    assert.equal(parseOwnership(['""']), undefined);
    assert.equal(parseOwnership(undefined), undefined);
  });
});
