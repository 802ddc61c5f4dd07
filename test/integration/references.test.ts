// References between resources (issue 19), on the real apiserver and the AWS emulator, every cloud
// call counted by a fault proxy of this file's own:
// - an RDS Database, a DNSRecord CNAME whose value is its address, and a Bucket exporting its name
//   and region into a ConfigMap: all Ready, and the record makes no Route 53 call while it waits;
// - a ConfigMap key edited: the record reading it follows at once (the resync is 300 s);
// - a value from a Secret reaches Route 53 and never the status or the Events, and only from a
//   Secret labelled mooring.dev/referenceable (an unlabelled one, or one forging mooring's marks, is
//   refused with ReferenceNotPermitted: no cloud call, its value nowhere);
// - deleting the Database while the record references it is held (InUse); the record's delete is not;
// - a reference never leaves its namespace: the schema has no namespace field, and a name that
//   exists only in another watched namespace is not found;
// - spec.exportTo refuses a ConfigMap it did not create.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type RRType } from '@aws-sdk/client-route-53';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { FaultProxy } from '../../src/stack/faultproxy.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, objects, prepare, refusalOf, uniq, waiters, emulatorClientConfig } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let other: string;
let pc: string;
let proxy: FaultProxy;
let r53: Route53Client;
let operator: RunningOperator;
let zone: string;
let zoneId: string;
const core = () => kc.makeApiClient(CoreV1Api);
const records = () => objects(kc, 'dnsrecords');
const databases = () => objects(kc, 'databases');
const buckets = () => objects(kc, 'buckets');

before(async () => {
  ({ kc, ns } = await prepare(stack));
  other = await createNamespace(kc);
  const aws = stack().aws!;
  proxy = await FaultProxy.start(aws.endpoint);
  pc = await emulatorProviderConfig(kc, stack(), uniq('refs'), { endpoint: proxy.endpoint });
  r53 = new Route53Client(emulatorClientConfig(stack()));
  zone = `${uniq('refs')}.test.`;
  zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: uniq('ref') }))).HostedZone!.Id!.replace('/hostedzone/', '');
  // The resync is the operator's default (300 s): whatever follows here follows through the index.
  // Two ConfigMaps named in a namespace make it watched whole (the bound's other side, below).
  operator = await startOperator(stack(), { namespace: ns, alsoWatch: [other], resyncSeconds: 300, backoffBaseMs: 500, maxReferencedConfigMapWatches: 1, userWaitPollMs: 1_000 });
});
after(async () => {
  await operator?.stop();
  await proxy?.stop();
  r53?.destroy();
});

async function live(name: string, type: RRType): Promise<string[] | undefined> {
  const out = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, StartRecordType: type, MaxItems: 1 }));
  const rs = out.ResourceRecordSets?.find((r) => r.Name === name && r.Type === type);
  return rs?.ResourceRecords?.map((r) => r.Value ?? '');
}

const record = (name: string, type: string, rest: Record<string, unknown>) => ({ providerConfigRef: { name: pc }, zone: { name: zone }, name, type, ...rest });
const route53Calls = () => Object.entries(proxy.stats().byAction).filter(([a]) => a.startsWith('route53:')).reduce((n, [, c]) => n + c, 0);
const reasonOf = (o: ManagedObject | undefined, type = 'Ready') => condition(o, type)?.reason;

async function eventsOf(namespace: string, name: string): Promise<string> {
  const list = await core().listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`).join('\n');
}

describe('references', () => {
  it('a Database, a CNAME to its address and a Bucket exporting into a ConfigMap: all Ready, no Route 53 call before the address is known', async (t) => {
    const wait = { records: waiters(kc, 'dnsrecords', ns), databases: waiters(kc, 'databases', ns), buckets: waiters(kc, 'buckets', ns) };
    // The record and the bucket first: the record has nothing to read yet, and must wait quietly.
    await records().create(ns, 'db', record('db', 'CNAME', { valuesFrom: [{ resourceFieldRef: { kind: 'Database', name: 'orders', field: 'address' } }] }));
    await buckets().create(ns, 'assets', { providerConfigRef: { name: pc }, exportTo: { name: 'assets-info' } });
    const waiting = await eventually(async () => {
      const o = await records().get(ns, 'db');
      return reasonOf(o) === 'ReferenceNotReady' ? o : undefined;
    }, 'the record waits for the Database');
    assert.match(condition(waiting, 'Ready')?.message ?? '', /valuesFrom\[0\] \(Database\/orders address\): Database\/orders does not exist in this namespace/);
    assert.equal(condition(waiting, 'Progressing')?.status, 'True');
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(route53Calls(), 0, `no Route 53 call while the reference waits: ${JSON.stringify(proxy.stats().byAction)}`);

    await databases().create(ns, 'orders', { providerConfigRef: { name: pc }, rds: { engine: 'postgres', backupRetentionDays: 0, skipFinalSnapshot: true } });
    const db = await wait.databases.ready('orders', 60_000);
    const rec = await wait.records.ready('db', 30_000);
    const address = String(db.status?.atProvider?.host);
    assert.ok(address.length > 0);
    assert.deepEqual(await live(`db.${zone}`, 'CNAME'), [`${address}.`]);
    assert.equal(rec.status?.atProvider?.fqdn, `db.${zone}`);

    const bucket = await wait.buckets.ready('assets');
    const exported = await core().readNamespacedConfigMap({ namespace: ns, name: 'assets-info' });
    assert.equal(exported.data?.name, 'assets');
    assert.equal(exported.data?.region, stack().aws!.region);
    assert.equal(exported.metadata?.ownerReferences?.[0]?.uid, bucket.metadata.uid, 'owned by the Bucket');

    // The calls it took: the record's writes are one change of its own (and its ownership record), no storm.
    const calls = proxy.stats().byAction;
    t.diagnostic(`cloud calls: ${JSON.stringify(calls)}`);
    assert.ok((calls['route53:ChangeResourceRecordSets'] ?? 0) <= 2, `Route 53 changes: ${JSON.stringify(calls)}`);
    assert.ok((calls['rds:CreateDBInstance'] ?? 0) === 1, `one RDS create: ${JSON.stringify(calls)}`);
    assert.ok(route53Calls() <= 12, `Route 53 calls in all: ${JSON.stringify(calls)}`);
  });

  it('mooring graph prints the namespace\'s references and exports with each object\'s Ready state', async () => {
    const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
    const { stdout } = await promisify(execFile)(process.execPath, [main, 'graph', '-n', ns, '--kubeconfig', stack().kube!.kubeconfig], { encoding: 'utf8' });
    assert.match(stdout, /^DNSRecord\/db {2}Ready=True Available\n {2}→ Database\/orders {2}\(valuesFrom\[0\] ← address\)$/m);
    assert.match(stdout, /^Bucket\/assets {2}Ready=True Available\n {2}→ ConfigMap\/assets-info {2}\(exportTo\)$/m);
    assert.match(stdout, /^Database\/orders {2}Ready=True Available$/m);
  });

  it('a ConfigMap key edited: the record reading it follows at once, without a resync', async () => {
    await core().createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'targets' }, data: { web: 'blue.example.net', unrelated: 'x' } } });
    await records().create(ns, 'web', record('web', 'CNAME', { valuesFrom: [{ configMapKeyRef: { name: 'targets', key: 'web' } }] }));
    await waiters(kc, 'dnsrecords', ns).ready('web');
    assert.deepEqual(await live(`web.${zone}`, 'CNAME'), ['blue.example.net.']);
    await core().replaceNamespacedConfigMap({ namespace: ns, name: 'targets', body: { metadata: { name: 'targets' }, data: { web: 'green.example.net', unrelated: 'x' } } });
    await eventually(async () => JSON.stringify(await live(`web.${zone}`, 'CNAME')) === JSON.stringify(['green.example.net.']) || undefined, 'the record follows the ConfigMap', 20_000);
  });

  it('a Secret its owner did not label referenceable is refused: no cloud call, its value nowhere; labelled, it is used', async () => {
    // The tenant may write DNSRecords, not read Secrets: db-admin is another team's.
    const password = `hunter-${uniq('pw')}`;
    await core().createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db-admin' }, stringData: { password } } });
    // A Secret dressed as one of mooring's connection Secrets (its label, owner annotation, ownerReference): no opt-in either.
    const webUid = (await records().get(ns, 'web')).metadata.uid;
    await core().createNamespacedSecret({ namespace: ns, body: {
      metadata: { name: 'forged', labels: { 'app.kubernetes.io/managed-by': 'mooring' }, annotations: { 'mooring.dev/owner': `x/${ns}/web/${webUid}` }, ownerReferences: [{ apiVersion: API_VERSION, kind: 'DNSRecord', name: 'web', uid: webUid, controller: true }] },
      type: 'connection.mooring.dev/v1', stringData: { password },
    } });
    const calls = route53Calls();
    for (const [name, secret] of [['leak', 'db-admin'], ['leak-forged', 'forged']] as const) {
      await records().create(ns, name, record(name, 'TXT', { valuesFrom: [{ secretKeyRef: { name: secret, key: 'password' } }] }));
    }
    for (const [name, secret] of [['leak', 'db-admin'], ['leak-forged', 'forged']] as const) {
      const o = await eventually(async () => {
        const r = await records().get(ns, name);
        return reasonOf(r, 'Degraded') === 'ReferenceNotPermitted' ? r : undefined;
      }, `${name} refused`);
      assert.match(condition(o, 'Degraded')?.message ?? '', new RegExp(`Secret/${secret}`));
      assert.ok(!JSON.stringify(o).includes(password), 'not in the object');
      assert.ok(!(await eventsOf(ns, name)).includes(password), 'not in its Events');
      assert.equal(await live(`${name}.${zone}`, 'TXT'), undefined);
    }
    assert.match(condition(await records().get(ns, 'leak'), 'Degraded')?.message ?? '', /not labelled mooring\.dev\/referenceable: "true"/);
    assert.match(condition(await records().get(ns, 'leak-forged'), 'Degraded')?.message ?? '', /mooring connection Secret/);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(route53Calls(), calls, `no Route 53 call for a refused reference: ${JSON.stringify(proxy.stats().byAction)}`);
    // The owner opts in: noticed within the poll (nothing watches a Secret's labels), then used.
    const admin = await core().readNamespacedSecret({ namespace: ns, name: 'db-admin' });
    await core().replaceNamespacedSecret({ namespace: ns, name: 'db-admin', body: { ...admin, metadata: { ...admin.metadata, labels: { 'mooring.dev/referenceable': 'true' } } } });
    await waiters(kc, 'dnsrecords', ns).ready('leak', 20_000);
    assert.deepEqual(await live(`leak.${zone}`, 'TXT'), [`"${password}"`]);
    for (const name of ['leak', 'leak-forged']) await records().remove(ns, name);
  });

  it('a value from a labelled Secret reaches Route 53, and never the status or the Events', async () => {
    const token = `verify-${uniq('tok')}`;
    await core().createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'verify', labels: { 'mooring.dev/referenceable': 'true' } }, stringData: { token } } });
    await records().create(ns, 'verify', record('verify', 'TXT', { valuesFrom: [{ secretKeyRef: { name: 'verify', key: 'token' } }] }));
    const o = await waiters(kc, 'dnsrecords', ns).ready('verify');
    assert.deepEqual(await live(`verify.${zone}`, 'TXT'), [`"${token}"`]);
    assert.ok(!JSON.stringify(o).includes(token), 'not in the object');
    assert.ok(!(await eventsOf(ns, 'verify')).includes(token), 'not in its Events');
  });

  it('mooring plan resolves references: the value from a ConfigMap shown, the one from a Secret redacted, a missing one named', async () => {
    const doc = (name: string, valuesFrom: unknown) => ({ apiVersion: API_VERSION, kind: 'DNSRecord', metadata: { name, namespace: ns }, spec: record(name, 'TXT', { valuesFrom }) });
    const file = join(stack().dir, `${uniq('refs-plan')}.json`);
    // JSON is YAML: one document holding a List would be skipped, so one file per call.
    const run = async (name: string, valuesFrom: unknown) => {
      writeFileSync(file, JSON.stringify(doc(name, valuesFrom)));
      const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
      const { stdout } = await promisify(execFile)(process.execPath, [main, 'plan', '-f', file, '--kubeconfig', stack().kube!.kubeconfig], { encoding: 'utf8' });
      return stdout;
    };
    const fromConfigMap = await run('plan-cm', [{ configMapKeyRef: { name: 'targets', key: 'web' } }]);
    assert.match(fromConfigMap, /\+ values = \["green\.example\.net"\]/);
    const fromSecret = await run('plan-secret', [{ secretKeyRef: { name: 'verify', key: 'token' } }]);
    assert.match(fromSecret, /\+ values = \["\[redacted\]"\]/);
    assert.doesNotMatch(fromSecret, /verify-/, 'the Secret\'s value is not printed');
    const missing = await run('plan-missing', [{ resourceFieldRef: { kind: 'Database', name: 'nowhere', field: 'address' } }]);
    assert.match(missing, /not planned yet — waiting for valuesFrom\[0\] \(Database\/nowhere address\): Database\/nowhere does not exist in this namespace/);
    assert.equal(await records().tryGet(ns, 'plan-cm'), undefined, 'nothing stored');
  });

  it('deleting the Database while the record references it is held with InUse; deleting the record first goes ahead, then the Database', async () => {
    await databases().remove(ns, 'orders');
    const held = await eventually(async () => {
      const o = await databases().get(ns, 'orders');
      return reasonOf(o) === 'InUse' ? o : undefined;
    }, 'the Database held');
    assert.match(condition(held, 'Ready')?.message ?? '', /referenced by DNSRecord\/db/);
    assert.equal(proxy.stats().byAction['rds:DeleteDBInstance'] ?? 0, 0, 'nothing deleted in the cloud');
    await records().remove(ns, 'db');
    await waiters(kc, 'dnsrecords', ns).gone('db');
    assert.deepEqual(await live(`db.${zone}`, 'CNAME'), undefined);
    // Released through the index when the record went, not at a resync (300 s).
    await waiters(kc, 'databases', ns).gone('orders', 30_000);
  });

  it('a reference never leaves its namespace: no namespace field, and a name found only elsewhere is not found', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const refused = await refusalOf(() => api.createNamespacedCustomObject({
      group: GROUP, version: VERSION, plural: 'dnsrecords', namespace: other, fieldValidation: 'Strict',
      body: { apiVersion: API_VERSION, kind: 'DNSRecord', metadata: { name: 'sneaky' }, spec: record('sneaky', 'CNAME', { valuesFrom: [{ resourceFieldRef: { kind: 'Bucket', name: 'assets', field: 'regionalDomainName', namespace: ns } }] }) },
    }));
    assert.match(refused, /unknown field \W{0,3}spec\.valuesFrom\[0\]\.resourceFieldRef\.namespace/);
    // The same name, without a namespace: the Bucket exists in `ns`, and is not read from `other`.
    await records().create(other, 'sneaky', record('sneaky', 'CNAME', { valuesFrom: [{ resourceFieldRef: { kind: 'Bucket', name: 'assets', field: 'regionalDomainName' } }] }));
    const o = await eventually(async () => {
      const r = await records().get(other, 'sneaky');
      return reasonOf(r) === 'ReferenceNotReady' ? r : undefined;
    }, 'the record in the other namespace waits');
    assert.match(condition(o, 'Ready')?.message ?? '', /Bucket\/assets does not exist in this namespace/);
    assert.equal(await live(`sneaky.${zone}`, 'CNAME'), undefined);
    // A ConfigMap of the other namespace is never read either.
    await records().create(other, 'sneaky2', record('sneaky2', 'CNAME', { valuesFrom: [{ configMapKeyRef: { name: 'targets', key: 'web' } }] }));
    const o2 = await eventually(async () => {
      const r = await records().get(other, 'sneaky2');
      return /ConfigMap\/targets does not exist in this namespace/.test(condition(r, 'Ready')?.message ?? '') ? r : undefined;
    }, 'the ConfigMap of the other namespace is not found');
    assert.equal(reasonOf(o2), 'ReferenceNotReady');
  });

  it('past --max-referenced-configmap-watches the namespace is watched whole: edits still followed at once; a value over 4096 bytes waits', async () => {
    const big = 'x'.repeat(5000);
    for (const n of ['net-a', 'net-b']) {
      await core().createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n }, data: { host: `${n}.example.net`, blob: big } } });
      await records().create(ns, n, record(n, 'CNAME', { valuesFrom: [{ configMapKeyRef: { name: n, key: 'host' } }] }));
    }
    for (const n of ['net-a', 'net-b']) await waiters(kc, 'dnsrecords', ns).ready(n);
    assert.ok(operator.manager.references.configMaps.open().includes(`${ns}/*`), 'one namespace-wide watch');
    await core().replaceNamespacedConfigMap({ namespace: ns, name: 'net-b', body: { metadata: { name: 'net-b' }, data: { host: 'moved.example.net', blob: big } } });
    await eventually(async () => JSON.stringify(await live(`net-b.${zone}`, 'CNAME')) === JSON.stringify(['moved.example.net.']) || undefined, 'the record follows the ConfigMap', 20_000);
    await records().create(ns, 'blob', record('blob', 'TXT', { valuesFrom: [{ configMapKeyRef: { name: 'net-a', key: 'blob' } }] }));
    // Its first pass may come before the re-listed watch keeps the key ("not read yet").
    const waiting = await eventually(async () => {
      const c = condition(await records().get(ns, 'blob'), 'Progressing');
      return c?.reason === 'ReferenceNotReady' && c.message?.includes('bytes') ? c : undefined;
    }, 'blob waits on the size', 20_000);
    assert.match(waiting.message ?? '', /ConfigMap\/net-a key blob holds 5000 bytes, more than a referenced value may \(4096\)/);
    assert.ok(!(waiting.message ?? '').includes(big), 'the value is never quoted');
    const seen = await eventsOf(ns, 'blob');
    assert.ok(!seen.includes(big), 'nor in its Events');
  });

  it('spec.exportTo never takes over a ConfigMap it did not create', async () => {
    await core().createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'app-config' }, data: { DATABASE_URL: 'keep-me' } } });
    await buckets().create(ns, 'hijack', { providerConfigRef: { name: pc }, exportTo: { name: 'app-config' } });
    await waiters(kc, 'buckets', ns).degraded('hijack', 'ExportConflict', 30_000);
    const cm = await core().readNamespacedConfigMap({ namespace: ns, name: 'app-config' });
    assert.deepEqual(cm.data, { DATABASE_URL: 'keep-me' });
    assert.equal(cm.metadata?.ownerReferences, undefined);
  });
});
