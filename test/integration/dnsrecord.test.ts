// DNSRecord on Route 53, end to end: the real apiserver, the operator, and the emulator reached
// through the fault proxy (the strict, unreliable cloud), which also counts every Route 53 call.
// Record sets are checked through Route 53's API on the emulator directly, never the adapter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, DeleteHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import type { KubeConfig } from '@kubernetes/client-node';
import { FaultProxyClient } from '../../src/stack/faultproxy.ts';
import { ADOPT_WITH_CHANGES } from '../../src/reconcile/adoption.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, installCrds, kubeConfig, markOf, objects, uniq, secretOf as secretOfIn, emulatorClientConfig } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let r53: Route53Client;
let proxy: FaultProxyClient;
let operator: RunningOperator;
const records = () => objects(kc, 'dnsrecords');

before(async () => {
  await stack.ready();
  const aws = stack().aws!;
  assert.ok(aws.proxyEndpoint, 'the stack runs the fault proxy');
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  // The proxy plays Route 53's change guards: the adapter may rely on them, as on AWS.
  pc = await emulatorProviderConfig(kc, stack(), uniq('r53'), { endpoint: aws.proxyEndpoint, settings: { route53ChangeGuards: 'true' } });
  proxy = new FaultProxyClient(aws.proxyEndpoint);
  await proxy.configure({});
  r53 = new Route53Client(emulatorClientConfig(stack()));
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 3, backoffBaseMs: 1000 });
});
after(async () => {
  await operator?.stop();
  r53?.destroy();
});

// --- helpers ------------------------------------------------------------------------------------

async function createZone(name: string): Promise<string> {
  const z = await r53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: uniq('ref') }));
  return z.HostedZone!.Id!.replace('/hostedzone/', '');
}

async function rrsets(zoneId: string): Promise<ResourceRecordSet[]> {
  const out: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: never; StartRecordIdentifier?: string } = {};
  for (;;) {
    const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 300, ...start }));
    out.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) return out;
    start = { StartRecordName: page.NextRecordName!, StartRecordType: page.NextRecordType as never, ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}) };
  }
}

const find = (sets: ResourceRecordSet[], name: string, type: string, setId?: string) =>
  sets.find((s) => s.Name?.replace(/\\052/g, '*') === name && s.Type === type && s.SetIdentifier === setId);
const valuesOf = (s: ResourceRecordSet | undefined) => (s?.ResourceRecords ?? []).map((r) => r.Value).sort();
const ownerOf = async (zoneId: string, name: string, type: string) => valuesOf(find(await rrsets(zoneId), `_mooring-${type.toLowerCase()}.${name}`, 'TXT'))[0];

async function upsert(zoneId: string, rrset: ResourceRecordSet): Promise<void> {
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: rrset }] } }));
}

const spec = (zone: string, name: string, type: string, rest: Record<string, unknown>) => ({ providerConfigRef: { name: pc }, zone: { name: zone }, name, type, ...rest });

const describeIt = (name: string) => async () => JSON.stringify((await records().tryGet(ns, name))?.status);

const isReady = (r: ManagedObject | undefined) => condition(r, 'Ready')?.status === 'True' && r?.status?.observedGeneration === r?.metadata.generation;

const ready = (name: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const r = await records().get(ns, name);
    return isReady(r) ? r : undefined;
  }, `DNSRecord ${name} Ready`, timeoutMs, describeIt(name));

const degraded = (name: string, reason: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const r = await records().get(ns, name);
    return condition(r, 'Degraded')?.reason === reason ? r : undefined;
  }, `DNSRecord ${name} Degraded/${reason}`, timeoutMs, describeIt(name));

const gone = (name: string) => eventually(async () => (await records().tryGet(ns, name)) === undefined, `DNSRecord ${name} gone`, 30_000, describeIt(name));

/** The ownership record's value the operator writes for a DNSRecord (its uid read from the apiserver). */
const mark = async (name: string) => `"${await markOf(kc, 'dnsrecords', ns, name)}"`;

const secretOf = (name: string) => secretOfIn(kc, ns, name);

// --- tests --------------------------------------------------------------------------------------

describe('DNSRecord', () => {
  const zone = `${uniq('z')}.test.`;
  let zoneId: string;
  before(async () => {
    zoneId = await createZone(zone);
  });

  it('creates every record type, each with its ownership record, the zone id, FQDN and change id in status', async () => {
    const cases: { name: string; type: string; values: string[]; expect: string[] }[] = [
      { name: 'a', type: 'A', values: ['192.0.2.1', '192.0.2.2'], expect: ['192.0.2.1', '192.0.2.2'] },
      { name: 'aaaa', type: 'AAAA', values: ['2001:db8::1'], expect: ['2001:db8::1'] },
      { name: 'cname', type: 'CNAME', values: ['target.example.net'], expect: ['target.example.net.'] },
      { name: 'txt', type: 'TXT', values: ['hello "world"', 'x'.repeat(300)], expect: ['"hello \\"world\\""', `"${'x'.repeat(255)}" "${'x'.repeat(45)}"`].sort() },
      { name: 'mx', type: 'MX', values: ['10 mail.example.net'], expect: ['10 mail.example.net.'] },
      { name: '_sip._tcp', type: 'SRV', values: ['10 5 5060 sip.example.net'], expect: ['10 5 5060 sip.example.net.'] },
      { name: 'caa', type: 'CAA', values: ['0 issue "letsencrypt.org"'], expect: ['0 issue "letsencrypt.org"'] },
      { name: 'sub', type: 'NS', values: ['ns1.example.net', 'ns2.example.net'], expect: ['ns1.example.net.', 'ns2.example.net.'] },
    ];
    const objectName = (c: { name: string; type: string }) => `t-${c.type.toLowerCase()}`;
    await Promise.all(cases.map((c) => records().create(ns, objectName(c), spec(zone, c.name, c.type, { values: c.values, ttl: 120 }))));
    const sets = await Promise.all(cases.map((c) => ready(objectName(c)))).then(() => rrsets(zoneId));
    for (const c of cases) {
      const name = `${c.name}.${zone}`;
      const live = find(sets, name, c.type);
      assert.deepEqual(valuesOf(live), c.expect, `${c.type} values`);
      assert.equal(live?.TTL, 120);
      assert.deepEqual(valuesOf(find(sets, `_mooring-${c.type.toLowerCase()}.${name}`, 'TXT')), [await mark(objectName(c))], `${c.type} ownership record`);
    }
    const status = (await records().get(ns, 't-a')).status?.atProvider;
    assert.equal(status?.hostedZoneId, zoneId);
    assert.equal(status?.fqdn, `a.${zone}`);
    assert.match(String(status?.changeId), /^C/);
    assert.equal(status?.changeStatus, 'INSYNC');
  });

  it('creates an alias, and a weighted pair sharing a name', async () => {
    await records().create(ns, 'alias', spec(zone, 'alias', 'A', { alias: { dnsName: `a.${zone}`, hostedZoneId: zoneId, evaluateTargetHealth: false } }));
    await records().create(ns, 'w-blue', spec(zone, 'w', 'A', { values: ['192.0.2.10'], weighted: { setIdentifier: 'blue', weight: 10 } }));
    await records().create(ns, 'w-green', spec(zone, 'w', 'A', { values: ['192.0.2.20'], weighted: { setIdentifier: 'green', weight: 30 } }));
    await Promise.all(['alias', 'w-blue', 'w-green'].map((n) => ready(n)));
    const sets = await rrsets(zoneId);
    assert.equal(find(sets, `alias.${zone}`, 'A')?.AliasTarget?.DNSName, `a.${zone}`);
    assert.equal(find(sets, `w.${zone}`, 'A', 'blue')?.Weight, 10);
    assert.equal(find(sets, `w.${zone}`, 'A', 'green')?.Weight, 30);
    const owners = sets.filter((s) => s.Type === 'TXT' && s.Name?.startsWith('_mooring-a-') && s.Name.endsWith(`.w.${zone}`)).map((s) => valuesOf(s)[0]).sort();
    assert.deepEqual(owners, [await mark('w-blue'), await mark('w-green')], 'each weighted set has its own ownership record');
  });

  it('finds its zone by id too', async () => {
    await records().create(ns, 'by-id', { providerConfigRef: { name: pc }, zone: { id: zoneId }, name: 'by-id', type: 'A', values: ['192.0.2.30'] });
    await ready('by-id');
    assert.deepEqual(valuesOf(find(await rrsets(zoneId), `by-id.${zone}`, 'A')), ['192.0.2.30']);
  });

  // Issue 16: the field was accepted and nothing was written.
  it('writes the FQDN, type and values to the Secret spec.writeConnectionSecretToRef names, and follows a value change', async () => {
    await records().create(ns, 'conn', spec(zone, 'conn', 'A', { values: ['192.0.2.71', '192.0.2.70'], writeConnectionSecretToRef: { name: 'conn-dns' } }));
    const r = await ready('conn');
    const fqdn = `conn.${zone}`.replace(/\.$/, '');
    const secret = await eventually(() => secretOf('conn-dns'), 'Secret conn-dns', 10_000);
    assert.deepEqual(secret.data, { fqdn, type: 'A', values: '192.0.2.70\n192.0.2.71' });
    assert.deepEqual(secret.owners, [`DNSRecord/conn/${r.metadata.uid}/true`], 'owned by the record: collected with it');

    await records().patchSpec(ns, 'conn', { ...r.spec, values: ['192.0.2.72'] });
    await ready('conn');
    await eventually(async () => (await secretOf('conn-dns'))?.data.values === '192.0.2.72', 'the Secret follows the new value', 15_000, async () => JSON.stringify((await secretOf('conn-dns'))?.data));
    assert.deepEqual(valuesOf(find(await rrsets(zoneId), `conn.${zone}`, 'A')), ['192.0.2.72'], 'as the zone serves it');
  });

  it('restores a value changed behind its back', async () => {
    await records().create(ns, 'drift', spec(zone, 'drift', 'A', { values: ['192.0.2.40'] }));
    await ready('drift');
    await upsert(zoneId, { Name: `drift.${zone}`, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '203.0.113.99' }] });
    await eventually(async () => valuesOf(find(await rrsets(zoneId), `drift.${zone}`, 'A'))[0] === '192.0.2.40', 'drift undone', 30_000);
  });

  it('never touches an unowned record set until adopted; deleting without adopt leaves it', async () => {
    const name = `foreign.${zone}`;
    await upsert(zoneId, { Name: name, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '198.51.100.1' }] });
    await records().create(ns, 'foreign', spec(zone, 'foreign', 'A', { values: ['192.0.2.50'] }));
    const r = await degraded('foreign', 'NotOwned');
    assert.match(condition(r, 'Degraded')!.message, /adopt/);
    assert.deepEqual(valuesOf(find(await rrsets(zoneId), name, 'A')), ['198.51.100.1'], 'untouched');
    assert.equal(await ownerOf(zoneId, name, 'A'), undefined);
    await records().patchSpec(ns, 'foreign', { ...r.spec, adopt: true });
    // Other values than the live ones: shown first (issue 16), changed only once accepted.
    const shown = await degraded('foreign', 'AdoptionWouldChange');
    assert.equal(shown.status?.plan?.[0]?.operation, 'adopt');
    assert.deepEqual(valuesOf(find(await rrsets(zoneId), name, 'A')), ['198.51.100.1'], 'still untouched');
    assert.equal(await ownerOf(zoneId, name, 'A'), undefined);
    await records().annotate(ns, 'foreign', { [ADOPT_WITH_CHANGES]: 'true' });
    await ready('foreign');
    assert.deepEqual(valuesOf(find(await rrsets(zoneId), name, 'A')), ['192.0.2.50']);
    assert.equal(await ownerOf(zoneId, name, 'A'), await mark('foreign'));

    const other = `untouched.${zone}`;
    await upsert(zoneId, { Name: other, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '198.51.100.2' }] });
    await records().create(ns, 'untouched', spec(zone, 'untouched', 'A', { values: ['192.0.2.51'] }));
    await degraded('untouched', 'NotOwned');
    await records().remove(ns, 'untouched');
    await gone('untouched');
    assert.deepEqual(valuesOf(find(await rrsets(zoneId), other, 'A')), ['198.51.100.2'], 'deleting an unowned record set leaves it');
  });

  it('refuses a second owner of one name, type and set: AlreadyOwned', async () => {
    await records().create(ns, 'first', spec(zone, 'shared', 'A', { values: ['192.0.2.60'] }));
    await ready('first');
    await records().create(ns, 'second', spec(zone, `shared.${zone}`, 'A', { values: ['192.0.2.61'], adopt: true }));
    const r = await degraded('second', 'AlreadyOwned');
    assert.match(condition(r, 'Degraded')!.message, /first/);
    await records().remove(ns, 'second');
    await gone('second');
    assert.deepEqual(valuesOf(find(await rrsets(zoneId), `shared.${zone}`, 'A')), ['192.0.2.60'], "the loser's delete leaves the winner's record");
  });

  it('refuses invalid records at the apiserver, naming the field', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [spec(zone, 'bad', 'A', { values: ['300.1.1.1'] }), /spec\.values.*IPv4/],
      [spec(zone, '@', 'CNAME', { values: ['x.example.net'] }), /spec\.name.*apex/],
      [spec(zone, 'bad', 'CNAME', { values: ['x.example.net', 'y.example.net'] }), /spec\.values.*exactly one value/],
      [spec(zone, 'bad', 'A', { values: ['192.0.2.1'], alias: { dnsName: 'x.example.net', hostedZoneId: 'Z1' } }), /spec\.values.*exactly one of values, valuesFrom or alias/],
    ];
    for (const [s, message] of bad) await assert.rejects(records().create(ns, uniq('bad'), s), message);
    const r = await records().get(ns, 't-a');
    await assert.rejects(records().patchSpec(ns, 't-a', { ...r.spec, type: 'AAAA', values: ['2001:db8::1'] }), /spec\.type.*immutable/);
    await assert.rejects(records().patchSpec(ns, 't-a', { ...r.spec, name: 'other' }), /spec\.name.*immutable/);
  });

  it('deleting removes the record set and its ownership record together', async () => {
    await records().create(ns, 'bye', spec(zone, 'bye', 'TXT', { values: ['so long'] }));
    await ready('bye');
    await records().remove(ns, 'bye');
    await gone('bye');
    const sets = await rrsets(zoneId);
    assert.equal(find(sets, `bye.${zone}`, 'TXT'), undefined);
    assert.equal(find(sets, `_mooring-txt.bye.${zone}`, 'TXT'), undefined);
  });

  it('is Progressing until Route 53 says INSYNC, polling GetChange with backoff', async () => {
    await proxy.configure({ pendingGetChanges: 2 });
    await proxy.resetStats();
    try {
      await records().create(ns, 'pending', spec(zone, 'pending', 'A', { values: ['192.0.2.70'] }));
      const waiting = await eventually(async () => {
        const r = await records().get(ns, 'pending');
        return r.status?.atProvider?.changeStatus === 'PENDING' ? r : undefined;
      }, 'PENDING in status', 20_000, describeIt('pending'));
      assert.equal(condition(waiting, 'Progressing')?.reason, 'Waiting');
      assert.equal(condition(waiting, 'Ready')?.status, 'False');
      const r = await ready('pending', 40_000);
      assert.equal(r.status?.atProvider?.changeStatus, 'INSYNC');
      const calls = (await proxy.stats()).byAction['route53:GetChange'] ?? 0;
      assert.ok(calls >= 2 && calls <= 5, `GetChange asked ${calls} times`);
    } finally {
      await proxy.configure({});
    }
  });

  it('is ZoneNotFound while its zone is gone, and comes back with it', async () => {
    const lonely = `${uniq('gone')}.test.`;
    const id = await createZone(lonely);
    await records().create(ns, 'orphan', spec(lonely, 'www', 'A', { values: ['192.0.2.80'] }));
    await ready('orphan');
    for (const s of await rrsets(id)) {
      if (s.Type === 'SOA' || s.Type === 'NS') continue;
      await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: id, ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: s }] } }));
    }
    await r53.send(new DeleteHostedZoneCommand({ Id: id }));
    await degraded('orphan', 'ZoneNotFound');
    const again = await createZone(lonely);
    await ready('orphan');
    assert.deepEqual(valuesOf(find(await rrsets(again), `www.${lonely}`, 'A')), ['192.0.2.80']);
    assert.equal(await ownerOf(again, `www.${lonely}`, 'A'), await mark('orphan'));
  });
});

describe('DNSRecord at scale, through the strict cloud', () => {
  it('converges 200 records in one zone with at most 20 change calls and never more than 5 requests a second', async () => {
    const zone = `${uniq('burst')}.test.`;
    const zoneId = await createZone(zone);
    await proxy.resetStats();
    const started = Date.now();
    const names = Array.from({ length: 200 }, (_, i) => `b${i}`);
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(names.slice(i, i + 25).map((n) => records().create(ns, `burst-${n}`, spec(zone, n, 'A', { values: [`10.0.${Math.floor(Number(n.slice(1)) / 250)}.${Number(n.slice(1)) % 250}`] }))));
    }
    await eventually(async () => {
      const all = (await records().list(ns)).filter((r) => r.metadata.name.startsWith('burst-'));
      return all.length === 200 && all.every(isReady);
    }, '200 DNSRecords Ready', 120_000, async () => {
      const all = (await records().list(ns)).filter((r) => r.metadata.name.startsWith('burst-'));
      return `${all.filter(isReady).length} of ${all.length} Ready`;
    });
    const wallMs = Date.now() - started;
    const stats = await proxy.stats();
    const changes = stats.byAction['route53:ChangeResourceRecordSets'] ?? 0;
    const total = Object.entries(stats.byAction).filter(([a]) => a.startsWith('route53:')).reduce((n, [, c]) => n + c, 0);
    console.log(`[measure] 200 records: ${changes} ChangeResourceRecordSets calls, ${total} Route 53 requests in all ${JSON.stringify(stats.byAction)}, ` +
      `${(wallMs / 1000).toFixed(1)} s to all Ready, peak ${stats.route53PeakPerSecond} requests in one second (per second: ${stats.route53PerSecond.join(' ')})`);
    assert.ok(changes <= 20, `${changes} change calls`);
    assert.ok(stats.route53PeakPerSecond <= 5, `peak ${stats.route53PeakPerSecond} requests in one second`);
    const sets = await rrsets(zoneId);
    assert.equal(sets.filter((s) => s.Type === 'A').length, 200);
    assert.equal(sets.filter((s) => s.Type === 'TXT' && s.Name?.startsWith('_mooring-a.')).length, 200);
  });

  it('one invalid record in a burst of 50 goes Degraded (InvalidChange, with Route 53’s message); the other 49 are Ready', async () => {
    const zone = `${uniq('inv')}.test.`;
    const zoneId = await createZone(zone);
    await proxy.configure({ rejectNames: [`i17.${zone}`] });
    try {
      await Promise.all(Array.from({ length: 50 }, (_, i) => records().create(ns, `inv-${i}`, spec(zone, `i${i}`, 'A', { values: [`192.0.2.${i + 1}`] }))));
      const bad = await degraded('inv-17', 'InvalidChange', 60_000);
      assert.match(condition(bad, 'Degraded')!.message, /InvalidChangeBatch.*i17/);
      await Promise.all(Array.from({ length: 50 }, (_, i) => i).filter((i) => i !== 17).map((i) => ready(`inv-${i}`, 60_000)));
      const sets = await rrsets(zoneId);
      assert.equal(sets.filter((s) => s.Type === 'A').length, 49);
    } finally {
      await proxy.configure({});
    }
    await records().remove(ns, 'inv-17');
    await gone('inv-17');
  });

  it('under sustained throttling every record still converges once it stops, with no request storm', async () => {
    const zone = `${uniq('thr')}.test.`;
    await createZone(zone);
    await proxy.resetStats();
    await proxy.configure({ throttle: { forMs: 5_000 } });
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => records().create(ns, `thr-${i}`, spec(zone, `t${i}`, 'A', { values: [`192.0.2.${i + 1}`] }))));
    await new Promise((r) => setTimeout(r, 5_000 - (Date.now() - started)));
    const during = await proxy.stats();
    await Promise.all(Array.from({ length: 10 }, (_, i) => ready(`thr-${i}`, 120_000)));
    const stats = await proxy.stats();
    const throttled = stats.faults.Throttling ?? 0;
    console.log(`[measure] throttled for 5 s: ${throttled} Throttling answers, ${Object.values(during.byAction).reduce((a, b) => a + b, 0)} requests during it; all 10 Ready ${((Date.now() - started) / 1000).toFixed(1)} s after it began; peak ${stats.route53PeakPerSecond}/s`);
    assert.ok(throttled >= 1, 'the proxy throttled');
    assert.ok(throttled <= 12, `${throttled} throttled requests in 5 s: the limiter slowed down`);
    assert.ok(stats.route53PeakPerSecond <= 5);
  });
});
