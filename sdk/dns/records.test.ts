// Record sets as a spec wants them and a backend lists them; the diff between the two; what the
// connection Secret holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparable, connectionDetails, desiredRecord, diffRecord, writeValue, type DnsRecordSet } from './records.ts';

describe('values as written', () => {
  // [type, spec value, value written]
  const cases: [string, string, string][] = [
    ['CNAME', 'Target.Example.net', 'target.example.net.'],
    ['NS', 'ns1.example.net.', 'ns1.example.net.'],
    ['MX', '10 mail.example.net', '10 mail.example.net.'],
    ['SRV', '10 5 5060 sip.example.net', '10 5 5060 sip.example.net.'],
    ['MX', '0 .', '0 .'],
    ['AAAA', '2001:DB8:0:0::1', '2001:db8::1'],
    ['A', '192.0.2.1', '192.0.2.1'],
    ['TXT', 'hello world', '"hello world"'],
    ['CAA', '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'],
    ['PTR', 'Host.Example.net', 'host.example.net.'],
    ['NAPTR', '100 10 "S" "SIP+D2U" "" _sip._udp.example.net', '100 10 "S" "SIP+D2U" "" _sip._udp.example.net.'],
    ['NAPTR', '100 20 "U" "E2U+sip" "!^.* $!sip:a@example.net!" .', '100 20 "U" "E2U+sip" "!^.* $!sip:a@example.net!" .'],
    ['HTTPS', '1 . port=443 alpn="h2,h3"', '1 . alpn=h2,h3 port=443'],
    ['SVCB', '1 svc.example.net alpn="a b"', '1 svc.example.net. alpn="a b"'],
    ['DS', '12345 13 2 49FD46E6', '12345 13 2 49fd46e6'],
    ['TLSA', '3  1 1 ABCDEF', '3 1 1 abcdef'],
    ['SPF', 'v=spf1 -all', '"v=spf1 -all"'],
  ];
  for (const [type, value, written] of cases) it(`${type} ${value} → ${written}`, () => assert.equal(writeValue(type, value), written));

  it('compare as DNS does: case of host names, IPv6 spelling and TXT splitting do not matter', () => {
    assert.equal(comparable('CNAME', 'A.Example.NET.', 'decimal'), comparable('CNAME', 'a.example.net.', 'decimal'));
    assert.equal(comparable('AAAA', '2001:0db8::0001', 'octal'), comparable('AAAA', '2001:db8::1', 'octal'));
    assert.equal(comparable('TXT', '"ab"', 'decimal'), comparable('TXT', '"a" "b"', 'decimal'));
  });
});

describe('record sets', () => {
  const spec = { type: 'A' as const, ttl: undefined, values: ['192.0.2.1', '192.0.2.2'], alias: undefined, weighted: undefined };
  const desired = desiredRecord(spec, 'www.example.com.');

  it('default the TTL to 300; carry weighted routing and aliases', () => {
    assert.equal(desired.ttl, 300);
    assert.deepEqual(desiredRecord({ ...spec, weighted: { setIdentifier: 'blue', weight: 7 } }, 'w.example.com.'), { ...desired, name: 'w.example.com.', setIdentifier: 'blue', weight: 7 });
    const alias = desiredRecord({ ...spec, values: undefined, alias: { dnsName: 'LB.example.net', hostedZoneId: '/hostedzone/Z1', evaluateTargetHealth: true } }, 'a.example.com.');
    assert.deepEqual(alias, { name: 'a.example.com.', type: 'A', alias: { dnsName: 'lb.example.net.', hostedZoneId: 'Z1', evaluateTargetHealth: true } });
  });

  it('carry every routing policy, each with its set identifier', () => {
    const at = (extra: object) => desiredRecord({ ...spec, ...extra }, 'www.example.com.');
    assert.deepEqual(at({ failover: { setIdentifier: 'p', role: 'PRIMARY' } }), { ...desired, setIdentifier: 'p', failover: 'PRIMARY' });
    assert.deepEqual(at({ latency: { setIdentifier: 'eu', region: 'eu-west-1' } }), { ...desired, setIdentifier: 'eu', region: 'eu-west-1' });
    assert.deepEqual(at({ geolocation: { setIdentifier: 'ca', country: 'US', subdivision: 'CA' } }), { ...desired, setIdentifier: 'ca', geolocation: { country: 'US', subdivision: 'CA' } });
    assert.deepEqual(at({ multivalue: { setIdentifier: 'm' } }), { ...desired, setIdentifier: 'm', multiValueAnswer: true });
    const geo = at({ geolocation: { setIdentifier: 'eu', continent: 'EU' } });
    assert.deepEqual(diffRecord(geo, { ...geo, geolocation: { continent: 'EU' } }, 'octal'), [], 'the same location is no drift');
    assert.deepEqual(diffRecord(geo, { ...geo, geolocation: { continent: 'AS' } }, 'octal').map((d) => d.path), ['geolocation']);
  });

  const live = (extra: Partial<DnsRecordSet>): DnsRecordSet => ({ name: 'www.example.com.', type: 'A', ttl: 300, values: ['192.0.2.2', '192.0.2.1'], ...extra });
  const table = [
    { reason: 'value order does not matter', live: live({}), paths: [] },
    { reason: 'a changed value', live: live({ values: ['192.0.2.9'] }), paths: ['values'] },
    { reason: 'a changed TTL', live: live({ ttl: 60 }), paths: ['ttl'] },
    { reason: 'a disabled record among them (PowerDNS)', live: live({ disabled: 1 }), paths: ['values'] },
    { reason: 'an alias where values are wanted', live: live({ values: undefined, ttl: undefined, alias: { dnsName: 'x.', hostedZoneId: 'Z', evaluateTargetHealth: false } }), paths: ['values'] },
    { reason: 'another weight', live: live({ weight: 3 }), paths: ['weighted.weight'] },
    { reason: 'a failover role where none is wanted', live: live({ failover: 'PRIMARY' }), paths: ['failover.role'] },
    { reason: 'a latency region', live: live({ region: 'eu-west-1' }), paths: ['latency.region'] },
    { reason: 'a geolocation', live: live({ geolocation: { continent: 'EU' } }), paths: ['geolocation'] },
    { reason: 'a multivalue answer', live: live({ multiValueAnswer: true }), paths: ['multivalue'] },
    { reason: 'a missing record set', live: undefined, paths: ['values'] },
  ];
  for (const c of table) it(`diff: ${c.reason}`, () => assert.deepEqual(diffRecord(desired, c.live, 'decimal').map((d) => d.path), c.paths));

  it('diff: TXT split differently is still equal', () => {
    const txt = desiredRecord({ ...spec, type: 'TXT', values: ['ab'] }, 'www.example.com.');
    assert.deepEqual(diffRecord(txt, { name: 'www.example.com.', type: 'TXT', ttl: 300, values: ['"a" "b"'] }, 'octal'), []);
  });
});

describe('connection details', () => {
  it('the FQDN without the root dot, the type, the values one per line and sorted, TXT as text', () => {
    assert.deepEqual(connectionDetails({ name: 'www.example.test.', type: 'AAAA', ttl: 60, values: ['2001:db8::2', '2001:db8::1'] }, 'decimal'), {
      fqdn: 'www.example.test',
      type: 'AAAA',
      values: '2001:db8::1\n2001:db8::2',
    });
    assert.equal(connectionDetails({ name: 't.example.test.', type: 'TXT', values: ['"hello \\"you\\""'] }, 'octal').values, 'hello "you"');
  });

  it('an alias record: its target', () => {
    const alias = { dnsName: 'lb.example.net.', hostedZoneId: 'Z1', evaluateTargetHealth: false };
    assert.deepEqual(connectionDetails({ name: 'example.test.', type: 'A', alias }, 'octal'), { fqdn: 'example.test', type: 'A', alias: 'lb.example.net' });
  });
});
