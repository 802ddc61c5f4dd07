// Ownership marks on the real stack: the uid in every mark, this cluster's own ownership id,
// legacy marks (before uids) kept only by the objects that made them, Hashed marks that publish
// neither namespace nor name, and the ProviderConfig fields that fix them, immutable at the
// apiserver. The cloud is read through the AWS SDK on the emulator, never through the adapter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetBucketTaggingCommand, HeadBucketCommand, PutBucketTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import { OPERATOR_KEY_SECRET } from '../../src/kube/operator-key.ts';
import { clusterId, condition, emulatorClientConfig, emulatorProviderConfig, emulatorS3, eventually, markOf, objects, prepare, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let s3: S3Client;
let r53: Route53Client;
let operator: RunningOperator;
const buckets = () => objects(kc, 'buckets');
const records = () => objects(kc, 'dnsrecords');

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
  s3 = emulatorS3(stack());
  r53 = new Route53Client(emulatorClientConfig(stack()));
  // The key Secret in the test's namespace: Hashed marks need the operator's persistent key.
  operator = await startOperator(stack(), { namespace: ns, keyNamespace: ns, resyncSeconds: 2, backoffBaseMs: 1000 });
});
after(async () => {
  await operator?.stop();
  s3?.destroy();
  r53?.destroy();
});

const statusOf = (plural: string, name: string) => async () => JSON.stringify((await objects(kc, plural).tryGet(ns, name))?.status);
const ready = (plural: string, name: string) =>
  eventually(async () => {
    const o = await objects(kc, plural).get(ns, name);
    return condition(o, 'Ready')?.status === 'True' && o.status?.observedGeneration === o.metadata.generation ? o : undefined;
  }, `${plural}/${name} Ready`, 30_000, statusOf(plural, name));
const degraded = (plural: string, name: string, reason: string) =>
  eventually(async () => {
    const o = await objects(kc, plural).get(ns, name);
    return condition(o, 'Degraded')?.reason === reason ? o : undefined;
  }, `${plural}/${name} Degraded/${reason}`, 30_000, statusOf(plural, name));
const tagsOf = async (bucket: string): Promise<Record<string, string | undefined>> =>
  Object.fromEntries(((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t): [string, string | undefined] => [t.Key ?? '', t.Value]));
const exists = (bucket: string) => s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);

describe('ownership marks', () => {
  it('a config without ownershipId marks with this cluster\'s own id and the object\'s uid', async () => {
    const name = uniq('uid');
    await buckets().create(ns, name, { providerConfigRef: { name: pc } });
    const b = await ready('buckets', name);
    const id = await clusterId(kc);
    assert.match(id, /^mooring-[0-9a-f]{12}$/);
    assert.equal((await tagsOf(name))['mooring.dev/owner'], `${id}/${ns}/${name}/${b.metadata.uid}`);
  });

  it('a legacy mark (no uid) stays ours for the object that made it: still Ready, the mark left as it is, deleted cleanly', async () => {
    const name = uniq('legacy');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
    await ready('buckets', name);
    // What a pre-uid operator left: the same bucket, marked id/namespace/name.
    const legacy = `${await clusterId(kc)}/${ns}/${name}`;
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'team', Value: 'drifted' }, { Key: 'mooring.dev/owner', Value: legacy }] } }));
    await eventually(async () => (await tagsOf(name)).team === 'a', 'the drift corrected: the object still owns its legacy-marked bucket', 30_000, statusOf('buckets', name));
    assert.equal((await tagsOf(name))['mooring.dev/owner'], legacy, 'the legacy mark is kept');
    assert.equal(condition(await buckets().get(ns, name), 'Degraded')?.status, 'False');
    await buckets().remove(ns, name);
    await eventually(async () => (await buckets().tryGet(ns, name)) === undefined, 'Bucket gone', 30_000);
    assert.equal(await exists(name), false, 'deleted with the object');
  });

  it('a brand-new object finding a legacy mark of its namespace and name (a namespace made again) is AlreadyOwned, even with adopt', async () => {
    const name = uniq('reborn');
    const legacy = `${await clusterId(kc)}/${ns}/${name}`;
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'mooring.dev/owner', Value: legacy }] } }));
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, adopt: true, versioning: true, tags: { team: 'new' } });
    const b = await degraded('buckets', name, 'AlreadyOwned');
    assert.match(condition(b, 'Degraded')!.message, new RegExp(legacy));
    assert.deepEqual(await tagsOf(name), { 'mooring.dev/owner': legacy }, 'untouched');
    await buckets().remove(ns, name);
    await eventually(async () => (await buckets().tryGet(ns, name)) === undefined, 'Bucket object gone', 30_000);
    assert.ok(await exists(name), 'the other owner\'s bucket stays');
  });

  it('Hashed: a DNSRecord\'s ownership TXT in Route 53 names neither namespace nor object; Ready, then deleted cleanly', async () => {
    const hashed = await emulatorProviderConfig(kc, stack(), uniq('hashed'), { spec: { ownershipMarks: 'Hashed' } });
    const zone = `${uniq('public')}.test.`;
    const zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: uniq('ref') }))).HostedZone!.Id!.replace('/hostedzone/', '');
    const name = uniq('secret-service');
    await records().create(ns, name, { providerConfigRef: { name: hashed }, zone: { name: zone }, name: 'www', type: 'A', ttl: 60, values: ['192.0.2.44'] });
    await ready('dnsrecords', name);
    const sets = async (): Promise<ResourceRecordSet[]> => (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
    const owner = (await sets()).find((s) => s.Name === `_mooring-a.www.${zone}` && s.Type === 'TXT');
    const value = owner?.ResourceRecords?.map((r) => r.Value).join('') ?? '';
    const { uid } = (await records().get(ns, name)).metadata;
    assert.match(value, new RegExp(`^"${await clusterId(kc)}/h/[A-Za-z0-9_-]{32}"$`), value);
    for (const leak of [ns, name, uid]) assert.ok(!value.includes(leak), `the TXT value ${value} shows ${leak}`);
    assert.notEqual(value, `"${await markOf(kc, 'dnsrecords', ns, name)}"`);
    assert.deepEqual((await sets()).find((s) => s.Name === `www.${zone}` && s.Type === 'A')?.ResourceRecords?.map((r) => r.Value), ['192.0.2.44']);
    // Still ours at the next resyncs (the key is the operator's persistent one): no AlreadyOwned.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(condition(await records().get(ns, name), 'Ready')?.status, 'True');
    await records().remove(ns, name);
    await eventually(async () => (await records().tryGet(ns, name)) === undefined, 'DNSRecord gone', 30_000, statusOf('dnsrecords', name));
    const left = (await sets()).filter((s) => s.Name?.endsWith(`www.${zone}`));
    assert.deepEqual(left, [], 'the record and its ownership record are gone');
    assert.ok(await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: OPERATOR_KEY_SECRET }), 'the key is the operator\'s Secret');
  });
});

describe('ProviderConfig ownership fields at the apiserver', () => {
  const api = () => kc.makeApiClient(CustomObjectsApi);
  const at = (name: string) => ({ group: GROUP, version: VERSION, plural: 'providerconfigs', name });
  const create = (name: string, spec: Record<string, unknown>) =>
    api().createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'providerconfigs', body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name }, spec: { type: 'aws', ...spec } } });
  const patch = (name: string, ops: unknown[]) => api().patchClusterCustomObject({ ...at(name), body: ops });

  it('stores no ownershipId by default, and Readable marks', async () => {
    const name = uniq('pc-default');
    await create(name, {});
    const stored = (await api().getClusterCustomObject(at(name))) as { spec: Record<string, unknown> };
    assert.equal(stored.spec.ownershipId, undefined);
    assert.equal(stored.spec.ownershipMarks, 'Readable');
  });

  it('ownershipId can be neither added, removed nor changed after creation; ownershipMarks cannot change', async () => {
    const unset = uniq('pc-unset');
    await create(unset, {});
    await assert.rejects(patch(unset, [{ op: 'add', path: '/spec/ownershipId', value: 'late' }]), /ownershipId is immutable/);
    const set = uniq('pc-set');
    await create(set, { ownershipId: 'prod' });
    await assert.rejects(patch(set, [{ op: 'remove', path: '/spec/ownershipId' }]), /ownershipId is immutable/);
    await assert.rejects(patch(set, [{ op: 'replace', path: '/spec/ownershipId', value: 'other' }]), /ownershipId is immutable/);
    await assert.rejects(patch(set, [{ op: 'add', path: '/spec/ownershipMarks', value: 'Hashed' }]), /ownershipMarks is immutable/);
    // Other fields still change.
    await patch(set, [{ op: 'add', path: '/spec/region', value: 'eu-west-1' }]);
  });
});
