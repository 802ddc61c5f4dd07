import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonical, DNSRecordSpec, fqdn, recordIdentity, type DNSRecordSpecInput } from './dnsrecord.ts';

const base: DNSRecordSpecInput = { providerConfigRef: { name: 'aws' }, zone: { name: 'example.com' }, name: 'www', type: 'A', values: ['192.0.2.1'] };
const spec = (extra: Partial<DNSRecordSpecInput>): DNSRecordSpecInput => ({ ...base, ...extra });

describe('DNSRecordSpec', () => {
  const good: { reason: string; input: DNSRecordSpecInput }[] = [
    { reason: 'an A record by zone name', input: base },
    { reason: 'a zone by id', input: spec({ zone: { id: 'Z0123456789ABC' } }) },
    { reason: 'a zone id with the /hostedzone/ prefix', input: spec({ zone: { id: '/hostedzone/Z0123456789ABC' } }) },
    { reason: 'the apex', input: spec({ name: '@' }) },
    { reason: 'a fully qualified name in the zone', input: spec({ name: 'api.Example.com.' }) },
    { reason: 'a wildcard', input: spec({ name: '*.apps' }) },
    { reason: 'AAAA', input: spec({ type: 'AAAA', values: ['2001:db8::1', '2001:db8::2'] }) },
    { reason: 'CNAME off the apex', input: spec({ type: 'CNAME', values: ['target.example.net'] }) },
    { reason: 'TXT with quotes and spaces, long', input: spec({ type: 'TXT', values: ['v=spf1 include:_spf.example.com ~all', 'x'.repeat(600), 'say "hi"'] }) },
    { reason: 'MX', input: spec({ name: '@', type: 'MX', values: ['10 mail.example.com', '20 mail2.example.com.'] }) },
    { reason: 'SRV', input: spec({ name: '_sip._tcp', type: 'SRV', values: ['10 5 5060 sip.example.com'] }) },
    { reason: 'CAA', input: spec({ name: '@', type: 'CAA', values: ['0 issue "letsencrypt.org"'] }) },
    { reason: 'NS delegation', input: spec({ name: 'sub', type: 'NS', values: ['ns1.example.net', 'ns2.example.net'] }) },
    { reason: 'an alias', input: spec({ values: undefined, alias: { dnsName: 'lb.example.com', hostedZoneId: 'Z35SXDOTRQ7X7K' } }) },
    { reason: 'weighted', input: spec({ weighted: { setIdentifier: 'blue', weight: 10 } }) },
    { reason: 'PTR', input: spec({ name: '10.2.0.192.in-addr.arpa.', zone: { name: 'in-addr.arpa' }, type: 'PTR', values: ['host.example.com'] }) },
    { reason: 'DS', input: spec({ name: 'sub', type: 'DS', values: ['12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE8A1B9D32B6FFC0E8A9F4A0B1'] }) },
    { reason: 'NAPTR', input: spec({ type: 'NAPTR', values: ['100 10 "S" "SIP+D2U" "" _sip._udp.example.com', '100 20 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .'] }) },
    { reason: 'HTTPS with parameters', input: spec({ name: '@', type: 'HTTPS', values: ['1 . alpn="h2,h3" port=443', '0 svc.example.com'] }) },
    { reason: 'SVCB', input: spec({ name: '_dns', type: 'SVCB', values: ['1 dns.example.com alpn=dot'] }) },
    { reason: 'SSHFP', input: spec({ type: 'SSHFP', values: ['4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789'] }) },
    { reason: 'TLSA', input: spec({ name: '_443._tcp.www', type: 'TLSA', values: ['3 1 1 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef'] }) },
    { reason: 'SPF', input: spec({ name: '@', type: 'SPF', values: ['v=spf1 -all'] }) },
    { reason: 'failover', input: spec({ failover: { setIdentifier: 'primary', role: 'PRIMARY' } }) },
    { reason: 'latency', input: spec({ latency: { setIdentifier: 'eu', region: 'eu-west-1' } }) },
    { reason: 'geolocation by continent', input: spec({ geolocation: { setIdentifier: 'eu', continent: 'EU' } }) },
    { reason: 'geolocation by country and subdivision', input: spec({ geolocation: { setIdentifier: 'ca', country: 'US', subdivision: 'CA' } }) },
    { reason: 'geolocation default', input: spec({ geolocation: { setIdentifier: 'rest', country: '*' } }) },
    { reason: 'multivalue', input: spec({ multivalue: { setIdentifier: 'one' } }) },
    { reason: 'underscore labels outside the ownership namespace', input: spec({ name: '_dmarc.mail', type: 'TXT', values: ['v=DMARC1; p=none'] }) },
    { reason: 'mooring in a label not starting with _mooring', input: spec({ name: 'mooring.x_mooring.a-_mooring' }) },
    { reason: '_wildcard below the first label, or as a prefix of a longer label', input: spec({ name: '_wildcardx.a._wildcard' }) },
  ];
  for (const { reason, input } of good) {
    it(`accepts: ${reason}`, () => {
      const result = DNSRecordSpec.safeParse(input);
      assert.ok(result.success, JSON.stringify(result.error?.issues));
    });
  }

  const bad: { reason: string; input: unknown; path: PropertyKey[] }[] = [
    { reason: 'values and alias are exclusive', input: spec({ alias: { dnsName: 'lb.example.com', hostedZoneId: 'Z1' } }), path: ['values'] },
    { reason: 'one of values and alias is needed', input: spec({ values: undefined }), path: ['values'] },
    { reason: 'a CNAME has one value', input: spec({ type: 'CNAME', values: ['a.example.net', 'b.example.net'] }), path: ['values'] },
    { reason: 'no CNAME at the apex (@)', input: spec({ name: '@', type: 'CNAME', values: ['a.example.net'] }), path: ['name'] },
    { reason: 'no CNAME at the apex (the zone name)', input: spec({ name: 'EXAMPLE.com.', type: 'CNAME', values: ['a.example.net'] }), path: ['name'] },
    { reason: 'an A value is an IPv4 address', input: spec({ values: ['300.1.1.1'] }), path: ['values'] },
    { reason: 'an A value has no leading zeros', input: spec({ values: ['192.0.2.01'] }), path: ['values'] },
    { reason: 'an AAAA value is an IPv6 address', input: spec({ type: 'AAAA', values: ['192.0.2.1'] }), path: ['values'] },
    { reason: 'an MX value has a priority', input: spec({ type: 'MX', values: ['mail.example.com'] }), path: ['values'] },
    { reason: 'TXT is printable ASCII', input: spec({ type: 'TXT', values: ['tab\there'] }), path: ['values'] },
    { reason: 'TXT text is bounded', input: spec({ type: 'TXT', values: ['x'.repeat(3801)] }), path: ['values'] },
    { reason: 'values are unique', input: spec({ values: ['192.0.2.1', '192.0.2.1'] }), path: ['values'] },
    { reason: 'an alias has no ttl', input: spec({ values: undefined, ttl: 60, alias: { dnsName: 'lb.example.com', hostedZoneId: 'Z1' } }), path: ['ttl'] },
    { reason: 'an alias is A, AAAA or CNAME', input: spec({ type: 'TXT', values: undefined, alias: { dnsName: 'lb.example.com', hostedZoneId: 'Z1' } }), path: ['type'] },
    { reason: 'exactly one of zone id and name', input: spec({ zone: { id: 'Z1', name: 'example.com' } }), path: ['zone'] },
    { reason: 'a fully qualified name lies in the zone', input: spec({ name: 'www.example.org.' }), path: ['name'] },
    { reason: 'record names are DNS names', input: spec({ name: 'bad name' }), path: ['name'] },
    { reason: 'only the supported types', input: spec({ type: 'SOA' as 'A' }), path: ['type'] },
    { reason: 'a PTR value is a domain name', input: spec({ type: 'PTR', values: ['not a name'] }), path: ['values'] },
    { reason: 'a DS digest is hex', input: spec({ type: 'DS', values: ['12345 13 2 XYZ'] }), path: ['values'] },
    { reason: 'a NAPTR value has its quoted fields', input: spec({ type: 'NAPTR', values: ['100 10 S SIP+D2U _sip._udp.example.com'] }), path: ['values'] },
    { reason: 'an HTTPS value starts with a priority', input: spec({ type: 'HTTPS', values: ['svc.example.com alpn=h2'] }), path: ['values'] },
    { reason: 'an SSHFP fingerprint is hex in whole octets', input: spec({ type: 'SSHFP', values: ['4 2 abc'] }), path: ['values'] },
    { reason: 'a TLSA value has four fields', input: spec({ type: 'TLSA', values: ['3 1 0123abcd'] }), path: ['values'] },
    { reason: 'one routing policy at most', input: spec({ weighted: { setIdentifier: 'a', weight: 1 }, failover: { setIdentifier: 'a', role: 'PRIMARY' } }), path: ['weighted'] },
    { reason: 'failover roles are PRIMARY or SECONDARY', input: spec({ failover: { setIdentifier: 'a', role: 'TERTIARY' as 'PRIMARY' } }), path: ['failover', 'role'] },
    { reason: 'a latency region is an AWS region', input: spec({ latency: { setIdentifier: 'a', region: 'Europe' } }), path: ['latency', 'region'] },
    { reason: 'geolocation needs a continent or a country', input: spec({ geolocation: { setIdentifier: 'a' } }), path: ['geolocation'] },
    { reason: 'geolocation takes not both', input: spec({ geolocation: { setIdentifier: 'a', continent: 'EU', country: 'DE' } }), path: ['geolocation'] },
    { reason: 'a subdivision needs a country', input: spec({ geolocation: { setIdentifier: 'a', continent: 'NA', subdivision: 'CA' } }), path: ['geolocation', 'subdivision'] },
    { reason: 'a multivalue record set is no alias', input: spec({ values: undefined, alias: { dnsName: 'lb.example.com', hostedZoneId: 'Z1' }, multivalue: { setIdentifier: 'a' } }), path: ['multivalue'] },
    { reason: 'weights are 0-255', input: spec({ weighted: { setIdentifier: 'a', weight: 256 } }), path: ['weighted', 'weight'] },
    // The ownership namespace (issue 15): a record there could forge another record set's ownership.
    { reason: 'an ownership record name, relative', input: spec({ name: '_mooring-a.www', type: 'TXT', values: ['mooring/x/y'] }), path: ['name'] },
    { reason: 'an ownership record name, in capitals', input: spec({ name: '_MOORING-A.www', type: 'TXT', values: ['mooring/x/y'] }), path: ['name'] },
    { reason: 'an ownership record name, fully qualified', input: spec({ name: '_mooring-ns.example.com.', type: 'TXT', values: ['mooring/x/y'] }), path: ['name'] },
    { reason: 'a weighted ownership record name', input: spec({ name: '_mooring-a-0123456789.www', type: 'TXT', values: ['mooring/x/y'] }), path: ['name'] },
    { reason: 'a name below an ownership record', input: spec({ name: 'x._mooring-a.www' }), path: ['name'] },
    { reason: 'a label that is _mooring alone', input: spec({ name: '_mooring' }), path: ['name'] },
    { reason: 'a first label _wildcard (the ownership name of *.apps)', input: spec({ name: '_wildcard.apps' }), path: ['name'] },
    { reason: 'a first label _Wildcard, fully qualified', input: spec({ name: '_Wildcard.apps.example.com.' }), path: ['name'] },
    { reason: 'a name that is _wildcard alone (the ownership name of *)', input: spec({ name: '_wildcard' }), path: ['name'] },
  ];
  for (const { reason, input, path } of bad) {
    it(`refuses, naming ${path.join('.')}: ${reason}`, () => {
      const result = DNSRecordSpec.safeParse(input);
      assert.equal(result.success, false, `${JSON.stringify(input)} parsed`);
      const paths = result.error.issues.map((i) => i.path);
      assert.ok(paths.some((p) => JSON.stringify(p) === JSON.stringify(path)), `issue paths ${JSON.stringify(paths)} lack ${JSON.stringify(path)}`);
    });
  }

  it('says why a name in the ownership namespace is refused', () => {
    const message = (name: string) => DNSRecordSpec.safeParse(spec({ name })).error?.issues.map((i) => i.message).join('; ');
    assert.match(message('_mooring-a.www') ?? '', /label starting with _mooring.*ownership/);
    assert.match(message('_wildcard.apps') ?? '', /_wildcard.*\*\.<rest>/);
  });
});

describe('names', () => {
  const table = [
    { reason: 'relative', name: 'WWW', zone: 'Example.com', want: 'www.example.com.' },
    { reason: 'apex', name: '@', zone: 'example.com.', want: 'example.com.' },
    { reason: 'absolute stays', name: 'api.example.com.', zone: 'example.com', want: 'api.example.com.' },
    { reason: 'wildcard', name: '*.apps', zone: 'example.com', want: '*.apps.example.com.' },
  ];
  for (const c of table) it(c.reason, () => assert.equal(fqdn(c.name, c.zone), c.want));
  it('canonical adds exactly one trailing dot', () => {
    assert.equal(canonical('A.b'), 'a.b.');
    assert.equal(canonical('a.b.'), 'a.b.');
  });
});

describe('recordIdentity', () => {
  it('is the same for every spelling of one record in a zone given by name', () => {
    const a = recordIdentity({ zone: { name: 'example.com' }, name: 'www', type: 'A', weighted: undefined });
    const b = recordIdentity({ zone: { name: 'Example.com.' }, name: 'WWW.example.com.', type: 'A', weighted: undefined });
    assert.equal(a, b);
    assert.equal(a, 'A www.example.com. in zone example.com.');
  });
  it('tells types and set identifiers apart', () => {
    const a = recordIdentity({ zone: { name: 'example.com' }, name: 'www', type: 'A', weighted: { setIdentifier: 'blue', weight: 1 } });
    const b = recordIdentity({ zone: { name: 'example.com' }, name: 'www', type: 'A', weighted: { setIdentifier: 'green', weight: 1 } });
    const c = recordIdentity({ zone: { name: 'example.com' }, name: 'www', type: 'AAAA', weighted: undefined });
    const d = recordIdentity({ zone: { name: 'example.com' }, name: 'www', type: 'A', failover: { setIdentifier: 'blue', role: 'PRIMARY' } });
    assert.equal(d, a, 'a set identifier names the set whatever the routing policy');
    assert.equal(new Set([a, b, c]).size, 3);
  });
  it('keys a zone given by id by its id', () => {
    assert.equal(recordIdentity({ zone: { id: '/hostedzone/Z1' }, name: 'www', type: 'A', weighted: undefined }), 'A www in zone id:Z1');
  });
});

describe('DNSRecordSpec references', () => {
  const fromDb = { resourceFieldRef: { kind: 'Database' as const, name: 'orders', field: 'address' as const } };
  it('accepts valuesFrom and alias.dnsNameFrom in place of the literal', () => {
    assert.ok(DNSRecordSpec.safeParse(spec({ type: 'CNAME', values: undefined, valuesFrom: [fromDb] })).success);
    assert.ok(DNSRecordSpec.safeParse(spec({ values: undefined, alias: { dnsNameFrom: { resourceFieldRef: { kind: 'Bucket', name: 'site', field: 'regionalDomainName' } }, hostedZoneId: 'Z35SXDOTRQ7X7K' } })).success);
    assert.ok(DNSRecordSpec.safeParse(spec({ values: undefined, valuesFrom: [{ configMapKeyRef: { name: 'ips', key: 'a' } }, { secretKeyRef: { name: 'ips', key: 'b' } }] })).success);
  });
  const bad: [string, DNSRecordSpecInput, RegExp][] = [
    ['values and valuesFrom', spec({ valuesFrom: [fromDb] }), /exactly one of values, valuesFrom or alias/],
    ['a CNAME with two sources', spec({ type: 'CNAME', values: undefined, valuesFrom: [fromDb, fromDb] }), /a CNAME has exactly one value/],
    ['dnsName and dnsNameFrom', spec({ values: undefined, alias: { dnsName: 'a.example.com', dnsNameFrom: fromDb, hostedZoneId: 'Z35SXDOTRQ7X7K' } }), /exactly one of dnsName or dnsNameFrom/],
    ['two sources in one reference', spec({ values: undefined, valuesFrom: [{ ...fromDb, configMapKeyRef: { name: 'x', key: 'y' } }] }), /exactly one of resourceFieldRef, configMapKeyRef or secretKeyRef/],
    ['a field the kind does not offer', spec({ values: undefined, valuesFrom: [{ resourceFieldRef: { kind: 'Bucket', name: 'b', field: 'fqdn' } }] }), /a Bucket offers the fields name, region, arn, regionalDomainName/],
  ];
  for (const [reason, input, message] of bad) {
    it(`refuses ${reason}`, () => {
      const parsed = DNSRecordSpec.safeParse(input);
      assert.ok(!parsed.success);
      assert.match(parsed.error.issues.map((i) => i.message).join('; '), message);
    });
  }
  it('has no namespace in a reference: one given is not part of the schema (the apiserver refuses it under strict field validation)', () => {
    const parsed = DNSRecordSpec.parse(spec({ type: 'CNAME', values: undefined, valuesFrom: [{ resourceFieldRef: { ...fromDb.resourceFieldRef, namespace: 'team-b' } as never }] }));
    assert.deepEqual(parsed.valuesFrom?.[0]?.resourceFieldRef, fromDb.resourceFieldRef);
  });
});
