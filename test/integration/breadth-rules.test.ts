// The DNSRecord and Database rules issue 21 added, on the real apiserver: its CEL (not zod) refuses
// a bad value of each new record type, two routing policies at once, routing added after create,
// a geolocation without a place, reserved PostgreSQL schemas and malformed RDS windows, naming the
// field; what is right is stored, and the Performance Insights key moves only as RDS lets it.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { createNamespace, installCrds, kubeConfig, objects, refusalOf, uniq } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube']);
let kc: KubeConfig;
let ns: string;

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
});

const record = (spec: Record<string, unknown>) => ({ providerConfigRef: { name: 'aws' }, zone: { name: 'example.com' }, name: 'www', type: 'A', values: ['192.0.2.1'], ...spec });
const HEX = '49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de8a1b9d32b6ffc0e8a9f4a0b1';

describe('DNSRecord rules on the apiserver', () => {
  const refused: { reason: string; spec: Record<string, unknown>; message: RegExp }[] = [
    { reason: 'a PTR that is no name', spec: { type: 'PTR', values: ['not a name'] }, message: /spec\.values: .*PTR values must each be a domain name/ },
    { reason: 'a DS digest that is not hex', spec: { type: 'DS', values: ['12345 13 2 XYZ'] }, message: /spec\.values: .*DS values must each be/ },
    { reason: 'a NAPTR without its quoted fields', spec: { type: 'NAPTR', values: ['100 10 S SIP+D2U _sip._udp.example.com'] }, message: /spec\.values: .*NAPTR values/ },
    { reason: 'an HTTPS value without a priority', spec: { type: 'HTTPS', values: ['svc.example.com alpn=h2'] }, message: /spec\.values: .*HTTPS values/ },
    { reason: 'an SSHFP of half an octet', spec: { type: 'SSHFP', values: ['4 2 abc'] }, message: /spec\.values: .*SSHFP values/ },
    { reason: 'a TLSA of three fields', spec: { type: 'TLSA', values: [`3 1 ${HEX}`] }, message: /spec\.values: .*TLSA values/ },
    { reason: 'two routing policies', spec: { weighted: { setIdentifier: 'a', weight: 1 }, latency: { setIdentifier: 'a', region: 'eu-west-1' } }, message: /spec\.weighted: .*at most one routing policy/ },
    { reason: 'a geolocation with both a continent and a country', spec: { geolocation: { setIdentifier: 'a', continent: 'EU', country: 'DE' } }, message: /spec\.geolocation: .*exactly one of geolocation\.continent or geolocation\.country/ },
    { reason: 'a subdivision without a country', spec: { geolocation: { setIdentifier: 'a', continent: 'NA', subdivision: 'CA' } }, message: /spec\.geolocation\.subdivision: .*needs a geolocation\.country/ },
    { reason: 'a multivalue alias', spec: { values: undefined, alias: { dnsName: 'lb.example.com', hostedZoneId: 'Z1' }, multivalue: { setIdentifier: 'a' } }, message: /spec\.multivalue: .*not an alias/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.reason}, naming the field`, async () => {
      assert.match(await refusalOf(() => objects(kc, 'dnsrecords').create(ns, uniq('r'), record(c.spec))), c.message);
    });
  }

  it('stores every new type and routing policy, and refuses routing added after create', async () => {
    const good = [
      { type: 'DS', name: 'sub', values: [`12345 13 2 ${HEX}`] },
      { type: 'NAPTR', values: ['100 10 "S" "SIP+D2U" "" _sip._udp.example.com'] },
      { type: 'HTTPS', name: '@', values: ['1 . alpn="h2,h3" port=443'] },
      { type: 'SVCB', name: '_dns', values: ['1 dns.example.com alpn=dot'] },
      { type: 'TLSA', name: '_443._tcp.www', values: [`3 1 1 ${HEX}`] },
      { type: 'SPF', values: ['v=spf1 -all'] },
      { failover: { setIdentifier: 'p', role: 'PRIMARY' } },
      { geolocation: { setIdentifier: 'ca', country: 'US', subdivision: 'CA' } },
      { multivalue: { setIdentifier: 'm' } },
    ];
    for (const spec of good) await objects(kc, 'dnsrecords').create(ns, uniq('ok'), record(spec));
    const name = uniq('plain');
    await objects(kc, 'dnsrecords').create(ns, name, record({}));
    assert.match(await refusalOf(() => objects(kc, 'dnsrecords').patchSpec(ns, name, record({ failover: { setIdentifier: 'p', role: 'PRIMARY' } }))), /failover routing cannot be added or removed/);
  });
});

describe('Database rules on the apiserver', () => {
  const db = (spec: Record<string, unknown>) => ({ providerConfigRef: { name: 'pg' }, ...spec });
  const refused: { reason: string; spec: Record<string, unknown>; message: RegExp }[] = [
    { reason: 'the public schema', spec: { postgres: { schemas: ['public'] } }, message: /spec\.postgres\.schemas\[0\]: .*may not be one of public, information_schema/ },
    { reason: 'a pg_ schema', spec: { postgres: { schemas: ['pg_catalog'] } }, message: /spec\.postgres\.schemas\[0\]: .*must not start with pg_/ },
    { reason: 'a backup window that is no window', spec: { rds: { backupWindow: '3am-4am' } }, message: /spec\.rds\.backupWindow/ },
    { reason: 'a maintenance window without days', spec: { rds: { maintenanceWindow: '05:00-05:30' } }, message: /spec\.rds\.maintenanceWindow/ },
    { reason: 'a Performance Insights retention RDS refuses', spec: { rds: { performanceInsights: { enabled: true, retentionDays: 94 } } }, message: /spec\.rds\.performanceInsights\.retentionDays: .*must be 7, a whole number of 31-day months/ },
    { reason: 'a Performance Insights key while it is off', spec: { rds: { performanceInsights: { enabled: false, kmsKeyId: 'alias/pi' } } }, message: /spec\.rds\.performanceInsights: .*need enabled: true/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.reason}, naming the field`, async () => {
      assert.match(await refusalOf(() => objects(kc, 'databases').create(ns, uniq('d'), db(c.spec))), c.message);
    });
  }
  it('stores schemas and the RDS windows, Multi-AZ and parameter group', async () => {
    await objects(kc, 'databases').create(ns, uniq('orders'), db({ postgres: { schemas: ['app', 'reports'], readOnlyRole: 'app_ro' } }));
    await objects(kc, 'databases').create(ns, uniq('rds'), db({ rds: { multiAZ: true, parameterGroupName: 'pg16-tuned', backupWindow: '03:00-03:30', maintenanceWindow: 'sun:05:00-sun:05:30' } }));
  });
  it("keeps the Performance Insights key as RDS does: never changed, added or removed only while turning it on or off", async () => {
    const name = uniq('pi');
    const pi = (performanceInsights: Record<string, unknown>) => db({ rds: { performanceInsights } });
    await objects(kc, 'databases').create(ns, name, pi({ enabled: true, retentionDays: 731 }));
    assert.match(await refusalOf(() => objects(kc, 'databases').patchSpec(ns, name, pi({ enabled: true, kmsKeyId: 'alias/pi' }))), /spec\.rds\.performanceInsights\.kmsKeyId: .*added or removed only while/);
    await objects(kc, 'databases').patchSpec(ns, name, pi({ enabled: false }));
    await objects(kc, 'databases').patchSpec(ns, name, pi({ enabled: true, kmsKeyId: 'alias/pi', retentionDays: 93 }));
    assert.match(await refusalOf(() => objects(kc, 'databases').patchSpec(ns, name, pi({ enabled: true, kmsKeyId: 'alias/other' }))), /kmsKeyId cannot be changed/);
    assert.match(await refusalOf(() => objects(kc, 'databases').patchSpec(ns, name, pi({ enabled: true }))), /added or removed only while/);
    const stored = await objects(kc, 'databases').get(ns, name);
    assert.deepEqual((stored.spec as { rds?: { performanceInsights?: unknown } }).rds?.performanceInsights, { enabled: true, kmsKeyId: 'alias/pi', retentionDays: 93 });
  });
});
