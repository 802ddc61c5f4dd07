// Tenancy on the real stack: an admin's ProviderConfigs with grants and policies, two tenant
// namespaces and an attacker's. Every attack is tried through the apiserver as a tenant would, and
// an oracle outside the operator (S3, Route 53, RDS, psql, the apiserver) shows nothing changed.
// One operator watches the three namespaces, run as the chart installs it: the chart's Roles and
// bindings applied, `mooring run` with the Deployment's arguments under its ServiceAccount's token.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, GetBucketTaggingCommand, HeadBucketCommand, PutBucketTaggingCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import { Reason } from '../../src/reconcile/reasons.ts';
import { CREATE_PENDING, FINALIZER } from '../../src/reconcile/types.ts';
import { createCredentialsSecret, emulatorClientConfig, emulatorS3, installCrds, kubeConfig, objects, postgresAdmin, uniq, waiters } from '../support/kube.ts';
import { waitForCrds, applyObjects } from '../../src/kube/apply.ts';
import { renderChart, serviceAccountKubeconfig, spawnChartOperator, stopProcess } from '../support/chart.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'postgres']);
let kc: KubeConfig;
let s3: S3Client;
let r53: Route53Client;
let rds: RDSClient;
let admin: pg.Pool;
let operator: ChildProcess | undefined;
const release = { name: uniq('tenancy'), namespace: uniq('tenancy-op') };
const creds = uniq('creds');
const ns = { a: uniq('team-a'), b: uniq('team-b'), attacker: uniq('attacker') };
const pcs = { prod: uniq('prod'), shared: uniq('shared'), pg: uniq('pg-shared') };
let zone: string;
let otherZone: string;

async function providerConfig(name: string, spec: Record<string, unknown>): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: GROUP, version: VERSION, plural: 'providerconfigs',
    body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name }, spec },
  });
}

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns.a, labels: { 'tenant.example/team': 'a' } } } });
  await core.createNamespace({ body: { metadata: { name: ns.b } } });
  await core.createNamespace({ body: { metadata: { name: ns.attacker } } });
  await core.createNamespace({ body: { metadata: { name: creds } } });
  const aws = stack().aws!;
  await createCredentialsSecret(kc, stack(), creds, `${pcs.prod}-creds`);
  const emulator = { type: 'aws', region: aws.region, endpoint: aws.endpoint, settings: { forcePathStyle: 'true' }, credentials: { source: 'Secret', secretRef: { namespace: creds, name: `${pcs.prod}-creds` } } };
  r53 = new Route53Client(emulatorClientConfig(stack()));
  zone = `${uniq('tenants')}.test.`;
  otherZone = `${uniq('prod')}.test.`;
  await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: uniq('ref') }));
  await r53.send(new CreateHostedZoneCommand({ Name: otherZone, CallerReference: uniq('ref') }));
  // production: granted to team-b by name, nothing else.
  await providerConfig(pcs.prod, { ...emulator, grants: { namespaces: [ns.b] } });
  // shared: granted by label to team-a; a tight policy, adoption off (the default).
  await providerConfig(pcs.shared, { ...emulator, grants: { namespaceSelector: { matchLabels: { 'tenant.example/team': 'a' } } }, policy: { dns: { zones: [zone], recordTypes: ['A', 'CNAME', 'TXT', 'NS'] } } });
  // PostgreSQL: granted to the attacker too, and (the worst an admin could do) with adoption on.
  await core.createNamespacedSecret({ namespace: creds, body: { metadata: { name: `${pcs.pg}-admin` }, stringData: { url: stack().postgres!.url } } });
  await providerConfig(pcs.pg, { type: 'postgres', credentials: { source: 'Secret', secretRef: { namespace: creds, name: `${pcs.pg}-admin` } }, grants: { namespaces: [ns.a, ns.attacker] }, policy: { adoption: 'Allowed' } });
  s3 = emulatorS3(stack());
  rds = new RDSClient(emulatorClientConfig(stack()));
  admin = postgresAdmin(stack());
  // The chart, namespace-scoped to the three tenants (the admission policy is admission.test.ts's:
  // here the operator's own refusals are under test).
  const rendered = renderChart(release, ['namespace.create=true', `watchNamespaces={${Object.values(ns).join(',')}}`, `credentialsNamespaces={${creds}}`, 'admissionPolicy.enabled=false']);
  await applyObjects(kc, rendered, 'tenancy-test');
  await waitForCrds(kc, rendered.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata!.name!));
  const { file } = await serviceAccountKubeconfig(kc, release, stack().dir);
  operator = spawnChartOperator(rendered, file, join(stack().dir, `operator-${release.name}.log`), ['--resync-period', '3s', '--backoff-base', '1s']);
});
after(async () => {
  if (operator) await stopProcess(operator);
  s3?.destroy();
  r53?.destroy();
  rds?.destroy();
  await admin?.end();
});

const bucketExists = (name: string) => s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false);
const tagsOf = async (bucket: string) => (await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? [];
/** A bucket someone made outside mooring: unmarked, with an object in it and a tag. */
async function foreignBucket(): Promise<string> {
  const name = uniq('foreign');
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new PutObjectCommand({ Bucket: name, Key: 'payroll.csv', Body: 'alice,1' }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'team', Value: 'finance' }] } }));
  return name;
}
const recordSets = async (zoneName: string) => {
  const zones = await r53.send(new ListHostedZonesByNameCommand({ DNSName: zoneName }));
  const id = zones.HostedZones!.find((z) => z.Name === zoneName)!.Id!;
  return JSON.stringify((await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets);
};
/** Refused with `reason`, and never given a finalizer: nothing of it reached the cloud. */
async function refused(plural: string, namespace: string, name: string, reason: string) {
  const o = await waiters(kc, plural, namespace).degraded(name, reason);
  assert.ok(!o.metadata.finalizers?.includes(FINALIZER), 'no finalizer: no cloud write was ever prepared');
  return o;
}

describe('tenancy: no namespace can take, forge, reset or spend what an admin did not grant it', () => {
  it('a namespace cannot use a ProviderConfig granted to another (NotGranted): nothing is created', async () => {
    const name = uniq('steal-prod');
    await objects(kc, 'buckets').create(ns.attacker, name, { providerConfigRef: { name: pcs.prod } });
    const o = await refused('buckets', ns.attacker, name, Reason.NotGranted);
    assert.match(o.status!.conditions!.find((c) => c.type === 'Degraded')!.message, /not granted to namespace/);
    assert.equal(await bucketExists(name), false, 'S3 has no such bucket');
    // team-b, granted by name, may.
    const ok = uniq('team-b-bucket');
    await objects(kc, 'buckets').create(ns.b, ok, { providerConfigRef: { name: pcs.prod } });
    await waiters(kc, 'buckets', ns.b).ready(ok);
    assert.equal(await bucketExists(ok), true);
  });

  it('a grant by label follows the namespace\'s labels: labelled later, the waiting object converges without a resync', async () => {
    const name = uniq('late');
    await objects(kc, 'buckets').create(ns.attacker, name, { providerConfigRef: { name: pcs.shared } });
    await refused('buckets', ns.attacker, name, Reason.NotGranted);
    const core = kc.makeApiClient(CoreV1Api);
    await core.patchNamespace({ name: ns.attacker, body: [{ op: 'add', path: '/metadata/labels', value: { 'tenant.example/team': 'a' } }] });
    try {
      await waiters(kc, 'buckets', ns.attacker).ready(name);
      assert.equal(await bucketExists(name), true);
    } finally {
      await core.patchNamespace({ name: ns.attacker, body: [{ op: 'remove', path: '/metadata/labels' }] });
    }
  });

  it('adopt: true cannot take over an unmarked bucket where the config forbids adoption (AdoptionNotGranted)', async () => {
    const bucket = await foreignBucket();
    const before = await tagsOf(bucket);
    const name = uniq('grab');
    await objects(kc, 'buckets').create(ns.a, name, { providerConfigRef: { name: pcs.shared }, externalName: bucket, adopt: true, versioning: true });
    await refused('buckets', ns.a, name, Reason.AdoptionNotGranted);
    assert.deepEqual(await tagsOf(bucket), before, 'tags untouched, no ownership mark');
  });

  it('a hand-written pending-create mark is no licence: the bucket is NotOwned, and deleting the object deletes nothing', async () => {
    const bucket = await foreignBucket();
    const name = uniq('forged');
    await objects(kc, 'buckets').create(ns.a, name, { providerConfigRef: { name: pcs.shared }, externalName: bucket }, { annotations: { [CREATE_PENDING]: '2026-01-01T00:00:00Z' } });
    await refused('buckets', ns.a, name, Reason.NotOwned);
    await objects(kc, 'buckets').remove(ns.a, name);
    await waiters(kc, 'buckets', ns.a).gone(name);
    assert.equal(await bucketExists(bucket), true, 'the foreign bucket is still there');
    assert.deepEqual((await tagsOf(bucket)).map((t) => t.Key), ['team']);
  });

  it('a tenant cannot relax a bucket\'s public access block unless the config allows it (PublicAccessNotGranted)', async () => {
    const name = uniq('public');
    await objects(kc, 'buckets').create(ns.a, name, { providerConfigRef: { name: pcs.shared }, publicAccessBlock: { blockPublicPolicy: false, restrictPublicBuckets: false } });
    await refused('buckets', ns.a, name, Reason.PublicAccessNotGranted);
    assert.equal(await bucketExists(name), false);
  });

  it('DNS: no record outside the allowed zones, no apex NS (ZoneNotGranted, RecordTypeNotGranted); Route 53 unchanged', async () => {
    const before = [await recordSets(zone), await recordSets(otherZone)];
    const records = objects(kc, 'dnsrecords');
    await records.create(ns.a, 'elsewhere', { providerConfigRef: { name: pcs.shared }, zone: { name: otherZone }, name: 'www', type: 'A', values: ['192.0.2.66'] });
    await records.create(ns.a, 'apex-ns', { providerConfigRef: { name: pcs.shared }, zone: { name: zone }, name: '@', type: 'NS', values: ['ns1.attacker.example.'] });
    await records.create(ns.a, 'caa', { providerConfigRef: { name: pcs.shared }, zone: { name: zone }, name: '@', type: 'CAA', values: ['0 issue "evil-ca.example"'] });
    await refused('dnsrecords', ns.a, 'elsewhere', Reason.ZoneNotGranted);
    await refused('dnsrecords', ns.a, 'apex-ns', Reason.RecordTypeNotGranted);
    await refused('dnsrecords', ns.a, 'caa', Reason.RecordTypeNotGranted);
    assert.deepEqual([await recordSets(zone), await recordSets(otherZone)], before);
  });

  it('RDS: a public instance is refused where the config does not allow one; RDS has no such instance', async () => {
    const name = uniq('rds-public');
    await objects(kc, 'databases').create(ns.a, name, { providerConfigRef: { name: pcs.shared }, rds: { engine: 'postgres', publiclyAccessible: true } });
    await refused('databases', ns.a, name, Reason.PublicAccessNotGranted);
    await assert.rejects(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name })), /DBInstanceNotFound/);
  });

  it('PostgreSQL: naming another team\'s login never resets its password, even where adoption is allowed', async () => {
    const victim = `victim_${uniq('r').slice(2, 10)}`;
    const password = 'the-victims-own-password';
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(victim)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(victim)} OWNER ${pg.escapeIdentifier(victim)}`);
    const name = uniq('take-login');
    await objects(kc, 'databases').create(ns.attacker, name, { providerConfigRef: { name: pcs.pg }, externalName: victim, username: victim, adopt: true });
    await refused('databases', ns.attacker, name, Reason.AdoptionNeedsPasswordReset);
    const url = new URL(stack().postgres!.url);
    url.username = victim;
    url.password = password;
    url.pathname = `/${victim}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.end();
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns.attacker, name: `${name}-connection` }).catch(() => undefined);
    assert.equal(secret, undefined, 'no connection Secret was written for the attacker');
    const { rows } = await admin.query<{ mark: string | null }>('SELECT pg_catalog.shobj_description(oid, $1) AS mark FROM pg_catalog.pg_roles WHERE rolname = $2', ['pg_authid', victim]);
    assert.equal(rows[0]?.mark ?? null, null, 'the role carries no ownership mark');
  });
});
