// Uninstall deletes nothing (issue 10): deleting mooring's CRDs while resources exist, and while
// the operator runs, makes the apiserver delete every object of those kinds; the operator must let
// each go without a single cloud delete. Afterwards the bucket (objects and all), the DNS record and
// its ownership record, the PostgreSQL database and role are still there, the connection Secret is
// no longer owned by the deleted object, and re-installing and re-applying finds the same assets.
// Deleting CRDs would break every other test file sharing a stack, so this file runs on its own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { S3Client} from '@aws-sdk/client-s3';
import { GetBucketTaggingCommand, GetObjectCommand, PutBucketTaggingCommand, PutObjectCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ApiextensionsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type pg from 'pg';
import { GROUP } from '../../src/api/common.ts';
import { kubeStatus } from '../../src/runtime/apiserver-errors.ts';
import { condition, emulatorClientConfig, emulatorS3, eventually, installCrds, markOf, objects, postgresAdmin, postgresProviderConfig, prepare, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'postgres'], { own: true });
let kc: KubeConfig;
let ns: string;
let awsPc: string;
let pgPc: string;
let s3: S3Client;
let r53: Route53Client;
let admin: pg.Pool;
let operator: RunningOperator;

before(async () => {
  ({ kc, ns, pc: awsPc } = await prepare(stack));
  pgPc = await postgresProviderConfig(kc, uniq('pg'), { url: stack().postgres!.url });
  const config = emulatorClientConfig(stack());
  s3 = emulatorS3(stack());
  r53 = new Route53Client(config);
  admin = postgresAdmin(stack());
  operator = await startOperator(stack(), { namespace: ns, backoffBaseMs: 1000 });
});
after(async () => {
  await operator?.stop();
  s3?.destroy();
  r53?.destroy();
  await admin?.end();
});

const ready = (plural: string, name: string) =>
  eventually(async () => condition(await objects(kc, plural).get(ns, name), 'Ready')?.status === 'True', `${plural}/${name} Ready`, 60_000,
    async () => JSON.stringify((await objects(kc, plural).get(ns, name)).status));

const MANAGED_CRDS = ['buckets', 'dnsrecords', 'databases'].map((p) => `${p}.${GROUP}`);

describe('uninstall', () => {
  it('deleting the CRDs with resources present deletes nothing in the cloud; re-installing finds the same assets', async () => {
    const bucket = uniq('keep');
    const zone = `${uniq('un')}.test.`;
    const zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: uniq('ref') }))).HostedZone!.Id!.replace('/hostedzone/', '');
    const record = uniq('rec');
    const database = uniq('db');
    const dbName = database.replace(/-/g, '_');
    // emptyOnDelete and the default deletionPolicy Delete: a real delete would empty and remove it.
    await objects(kc, 'buckets').create(ns, bucket, { providerConfigRef: { name: awsPc }, emptyOnDelete: true, tags: { team: 'a' } });
    await objects(kc, 'dnsrecords').create(ns, record, { providerConfigRef: { name: awsPc }, zone: { name: zone }, name: 'www', type: 'A', ttl: 60, values: ['192.0.2.7'] });
    await objects(kc, 'databases').create(ns, database, { providerConfigRef: { name: pgPc } });
    await Promise.all([ready('buckets', bucket), ready('dnsrecords', record), ready('databases', database)]);
    const [bucketMark, databaseMark] = [await markOf(kc, 'buckets', ns, bucket), await markOf(kc, 'databases', ns, database)];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'precious', Body: 'data' }));

    const crds = kc.makeApiClient(ApiextensionsV1Api);
    for (const name of MANAGED_CRDS) await crds.deleteCustomResourceDefinition({ name });
    // The apiserver deletes every object of those kinds, waits for their finalizers, then the CRDs.
    for (const name of MANAGED_CRDS) {
      await eventually(async () => crds.readCustomResourceDefinition({ name }).then(() => false, (err: unknown) => kubeStatus(err) === 404), `CRD ${name} gone`, 60_000);
    }

    const tags = ((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t) => `${t.Key}=${t.Value}`).sort();
    assert.deepEqual(tags, [`mooring.dev/owner=${bucketMark}`, 'team=a'], 'the bucket stays, with its ownership mark');
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'precious' }))).Body?.transformToString(), 'data', 'and its objects');
    const sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
    assert.deepEqual(sets.filter((s) => s.Name === `www.${zone}`).map((s) => s.ResourceRecords?.map((v) => v.Value)), [['192.0.2.7']], 'the record stays');
    assert.ok(sets.some((s) => s.Name === `_mooring-a.www.${zone}` && s.Type === 'TXT'), 'with its ownership record');
    const db = await admin.query<{ c: string }>(`SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`, [dbName]);
    assert.equal(db.rows[0]?.c, databaseMark, 'the database stays, with its mark');
    assert.equal((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [dbName])).rowCount, 1, 'and its role');
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: `${database}-connection` });
    assert.deepEqual(secret.metadata?.ownerReferences ?? [], [], 'the connection Secret is let go, so the garbage collector keeps it');
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
    assert.deepEqual(new Set(events.items.filter((e) => e.reason === 'Uninstalling').map((e) => e.involvedObject.name)), new Set([bucket, record, database]));
    assert.ok(!events.items.some((e) => e.reason === 'Deleted' || e.reason === 'DeletionProgress'), 'no delete was even started');

    // Installed again, the same objects are new objects (new uids): the marks name the old ones,
    // so a bare re-apply leaves each asset alone (AlreadyOwned), as for a namespace made again.
    await installCrds(kc);
    await objects(kc, 'buckets').create(ns, bucket, { providerConfigRef: { name: awsPc }, emptyOnDelete: true, tags: { team: 'a' } });
    await eventually(async () => condition(await objects(kc, 'buckets').get(ns, bucket), 'Degraded')?.reason === 'AlreadyOwned', 'the re-applied Bucket refused', 30_000);
    assert.equal((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet?.find((t) => t.Key === 'mooring.dev/owner')?.Value, bucketMark, 'untouched');
    // The documented way back (docs/uninstall.md): the admin removes the old mark, the object adopts.
    await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'team', Value: 'a' }] } }));
    const again = await objects(kc, 'buckets').get(ns, bucket);
    await objects(kc, 'buckets').patchSpec(ns, bucket, { ...again.spec, adopt: true });
    await ready('buckets', bucket);
    assert.equal((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet?.find((t) => t.Key === 'mooring.dev/owner')?.Value, await markOf(kc, 'buckets', ns, bucket), 'marked for the new object');
    const all = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.equal(all.filter((b) => b.Name === bucket).length, 1);
  });

  // Issue 16: the operator stopped first, then all four CRDs deleted. ProviderConfigs carry no
  // finalizer, so their CRD goes at once; the managed kinds' CRDs wait on our finalizers. A
  // restarted operator must become ready (the missing ProviderConfig kind is an empty one) and let
  // every object go: the three CRDs finish, and nothing is deleted in the cloud.
  it('with the operator stopped first and all four CRDs deleted, a restarted operator becomes ready and the uninstall finishes', async () => {
    const bucket = uniq('stopped');
    const zone = `${uniq('st')}.test.`;
    await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: uniq('ref') }));
    const record = uniq('rec');
    await objects(kc, 'buckets').create(ns, bucket, { providerConfigRef: { name: awsPc }, emptyOnDelete: true });
    await objects(kc, 'dnsrecords').create(ns, record, { providerConfigRef: { name: awsPc }, zone: { name: zone }, name: 'api', type: 'A', values: ['192.0.2.8'] });
    await Promise.all([ready('buckets', bucket), ready('dnsrecords', record)]);
    const bucketMark = await markOf(kc, 'buckets', ns, bucket);
    await operator.stop();

    const crds = kc.makeApiClient(ApiextensionsV1Api);
    const gone = (name: string) => crds.readCustomResourceDefinition({ name }).then(() => false, (err: unknown) => kubeStatus(err) === 404);
    for (const name of [`providerconfigs.${GROUP}`, ...MANAGED_CRDS]) await crds.deleteCustomResourceDefinition({ name });
    await eventually(() => gone(`providerconfigs.${GROUP}`), 'the ProviderConfig CRD gone (no finalizers)', 30_000);
    await new Promise((r) => setTimeout(r, 2_000));
    // (The Database CRD holds no object now: it goes too.)
    for (const plural of ['buckets', 'dnsrecords']) assert.equal(await gone(`${plural}.${GROUP}`), false, `${plural} wait for the operator (Terminating)`);

    operator = await startOperator(stack(), { namespace: ns, backoffBaseMs: 1000, awaitStart: false });
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error(`the restarted operator is not ready after 30 s: ${operator.manager.notReady()}`)), 30_000).unref();
    });
    await Promise.race([operator.started, timeout]);
    assert.equal((await fetch(`${operator.httpUrl}/readyz`)).status, 200, 'ready');
    for (const name of MANAGED_CRDS) await eventually(() => gone(name), `CRD ${name} gone`, 60_000);

    const tags = ((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t) => `${t.Key}=${t.Value}`);
    assert.deepEqual(tags, [`mooring.dev/owner=${bucketMark}`], 'the bucket stays, with its mark');
    const zoneId = ((await r53.send(new ListHostedZonesByNameCommand({ DNSName: zone }))).HostedZones ?? []).find((z) => z.Name === zone)!.Id!.replace('/hostedzone/', '');
    const sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
    assert.deepEqual(sets.filter((s) => s.Name === `api.${zone}`).map((s) => s.ResourceRecords?.map((v) => v.Value)), [['192.0.2.8']], 'the record stays');
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
    const uninstalled = new Set(events.items.filter((e) => e.reason === 'Uninstalling').map((e) => e.involvedObject.name));
    assert.ok(uninstalled.has(bucket) && uninstalled.has(record), 'each let go as an uninstall');
  });
});
