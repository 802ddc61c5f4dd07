// DNSRecord with the `aws` ProviderConfig pointing straight at the emulator (moto), as the sandbox
// sets it up: no fault proxy to play Route 53's change guards. moto journals every change and
// refuses a CREATE it journalled before, lets a CREATE add a second record set of one name and
// type, and deletes by name and type whatever values it is given (src/stack/route53-strict.ts).
// Every record must still converge, drift must be undone, a record set that appeared from
// elsewhere must be left alone, and no Event may claim a write the emulator does not show.
// The emulator is read with the AWS SDK directly, never through the adapter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, installCrds, kubeConfig, markOf, objects, uniq, emulatorClientConfig } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let r53: Route53Client;
let operator: RunningOperator;
const records = () => objects(kc, 'dnsrecords');

before(async () => {
  await stack.ready();
  const aws = stack().aws!;
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  // The emulator's own endpoint, as the sandbox's ProviderConfig has it.
  pc = await emulatorProviderConfig(kc, stack(), uniq('moto'), { endpoint: aws.endpoint });
  r53 = new Route53Client(emulatorClientConfig(stack()));
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 3, backoffBaseMs: 500 });
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
  let start: { StartRecordName?: string; StartRecordType?: never } = {};
  for (;;) {
    const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 300, ...start }));
    out.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) return out;
    start = { StartRecordName: page.NextRecordName!, StartRecordType: page.NextRecordType as never };
  }
}

/** Every record set of one name and type: moto may hold more than one. */
const all = (sets: ResourceRecordSet[], name: string, type: string) => sets.filter((s) => s.Name === name && s.Type === type);
const valuesOf = (s: ResourceRecordSet | undefined) => (s?.ResourceRecords ?? []).map((r) => r.Value).sort();
const live = async (zoneId: string, name: string, type: string) => all(await rrsets(zoneId), name, type).map(valuesOf);

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

async function eventsOf(name: string): Promise<{ reason: string; message: string }[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '' }));
}
const claims = async (name: string, reason: string) => (await eventsOf(name)).filter((e) => e.reason === reason).length;


// --- tests --------------------------------------------------------------------------------------

describe('DNSRecord straight on the emulator', () => {
  const zone = `${uniq('moto')}.test.`;
  let zoneId: string;
  before(async () => {
    zoneId = await createZone(zone);
  });

  it('a value change converges, and each Updated Event is seen in the emulator', async () => {
    const name = `change.${zone}`;
    await records().create(ns, 'change', spec(zone, 'change', 'TXT', { values: ['one'] }));
    await ready('change');
    assert.deepEqual(await live(zoneId, name, 'TXT'), [['"one"']]);
    // Events repeating one message fold into one (written at most once a minute): the first is checked.
    let r = await records().get(ns, 'change');
    await records().patchSpec(ns, 'change', { ...r.spec, values: ['two'] });
    // The Event comes once the emulator took the write: its values are there the moment it shows.
    await eventually(async () => (await claims('change', 'Updated')) > 0, 'an Updated Event', 30_000, describeIt('change'));
    assert.deepEqual(await live(zoneId, name, 'TXT'), [['"two"']], 'the Updated Event claims what the emulator shows');
    await ready('change');
    // Back to a value written before, and on: each converges (moto refuses a CREATE it journalled once).
    for (const value of ['three', 'one']) {
      r = await records().get(ns, 'change');
      await records().patchSpec(ns, 'change', { ...r.spec, values: [value] });
      await ready('change');
      assert.deepEqual(await live(zoneId, name, 'TXT'), [[`"${value}"`]], `${value} in the emulator`);
    }
    assert.deepEqual(await live(zoneId, `_mooring-txt.${name}`, 'TXT'), [[`"${await markOf(kc, 'dnsrecords', ns, 'change')}"`]], 'one ownership record, still ours');
  });

  it('drift made behind its back is undone, and DriftCorrected is never claimed before the emulator shows it', async () => {
    const name = `drift.${zone}`;
    await records().create(ns, 'drift', spec(zone, 'drift', 'A', { values: ['192.0.2.40'] }));
    await ready('drift');
    await upsert(zoneId, { Name: name, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '203.0.113.98' }] });
    await eventually(async () => (await claims('drift', 'DriftCorrected')) > 0, 'a DriftCorrected Event', 30_000, describeIt('drift'));
    assert.deepEqual(await live(zoneId, name, 'A'), [['192.0.2.40']], 'DriftCorrected claims what the emulator shows');
    // Drift again, to another value: undone again (the same write as before, which moto journalled).
    await upsert(zoneId, { Name: name, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '203.0.113.99' }] });
    await eventually(async () => JSON.stringify(await live(zoneId, name, 'A')) === JSON.stringify([['192.0.2.40']]), 'the second drift undone', 30_000, describeIt('drift'));
    await ready('drift');
  });

  it('a record set that appeared from elsewhere since the last listing is left alone: no Created, no duplicate, not deleted with the DNSRecord', async () => {
    // A record of ours just written: the adapter's listing of the zone is seconds old.
    await records().create(ns, 'warm', spec(zone, 'warm', 'A', { values: ['192.0.2.1'] }));
    await ready('warm');
    const name = `appeared.${zone}`;
    await upsert(zoneId, { Name: name, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '198.51.100.7' }] });
    await records().create(ns, 'appeared', spec(zone, 'appeared', 'A', { values: ['192.0.2.7'] }));
    await degraded('appeared', 'NotOwned');
    assert.deepEqual(await live(zoneId, name, 'A'), [['198.51.100.7']], 'one record set, the foreign one, untouched');
    assert.deepEqual(await live(zoneId, `_mooring-a.${name}`, 'TXT'), [], 'no ownership record beside it');
    assert.equal(await claims('appeared', 'Created'), 0, 'no Created Event: nothing was created');
    await records().remove(ns, 'appeared');
    await gone('appeared');
    assert.deepEqual(await live(zoneId, name, 'A'), [['198.51.100.7']], 'deleting the DNSRecord leaves the foreign record set');
  });

  it('refuses a CNAME beside another record set of its name, and any record beside a CNAME: CnameConflict', async () => {
    const a = `both.${zone}`;
    await upsert(zoneId, { Name: a, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '198.51.100.8' }] });
    await records().create(ns, 'cname-beside-a', spec(zone, 'both', 'CNAME', { values: ['target.example.net'] }));
    const r = await degraded('cname-beside-a', 'CnameConflict');
    assert.match(condition(r, 'Degraded')!.message, /CNAME.*both\..*A/);
    assert.deepEqual(await live(zoneId, a, 'CNAME'), [], 'no CNAME written');
    assert.equal(await claims('cname-beside-a', 'Created'), 0);

    const c = `alias-of.${zone}`;
    await records().create(ns, 'cname', spec(zone, 'alias-of', 'CNAME', { values: ['target.example.net'] }));
    await ready('cname');
    await records().create(ns, 'a-beside-cname', spec(zone, 'alias-of', 'A', { values: ['192.0.2.9'] }));
    const t = await degraded('a-beside-cname', 'CnameConflict');
    assert.match(condition(t, 'Degraded')!.message, /CNAME/);
    assert.deepEqual(await live(zoneId, c, 'A'), [], 'no A written beside the CNAME');
    assert.deepEqual(await live(zoneId, c, 'CNAME'), [['target.example.net.']], 'the CNAME untouched');
  });
});
