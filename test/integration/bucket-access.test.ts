// A Bucket's access settings (policy, CORS, website, object ownership, access logging), finer
// management policies and the per-object reconcile interval, end to end: the real apiserver, the
// operator, the emulator. Every setting is checked through the S3 API directly, never the adapter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateBucketCommand, GetBucketCorsCommand, GetBucketLoggingCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand, GetBucketReplicationCommand,
  GetBucketVersioningCommand, GetBucketWebsiteCommand, HeadBucketCommand, PutBucketCorsCommand, PutBucketPolicyCommand, PutBucketVersioningCommand
} from '@aws-sdk/client-s3';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { condition, emulatorProviderConfig, emulatorS3, eventually, objects, prepare, TEST_POLICY, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
/** Like pc, and its policy grants the team-a-* replication roles (pc grants none). */
let replicating: string;
let s3: S3Client;
let operator: RunningOperator;
const buckets = () => objects(kc, 'buckets');
const RESYNC_S = 2;

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
  replicating = await emulatorProviderConfig(kc, stack(), uniq('repl'), { spec: { policy: { ...TEST_POLICY, buckets: { replicationRoles: [`${ROLES}team-a-*`] } } } });
  s3 = emulatorS3(stack());
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: RESYNC_S, minReconcileIntervalMs: 1_000 });
});
after(async () => {
  await operator?.stop();
  s3?.destroy();
});

const status = async (name: string) => JSON.stringify((await buckets().get(ns, name)).status);
const ready = (name: string) =>
  eventually(async () => {
    const b = await buckets().get(ns, name);
    return condition(b, 'Ready')?.status === 'True' && b.status?.observedGeneration === b.metadata.generation ? b : undefined;
  }, `Bucket ${name} Ready`, 30_000, () => status(name));
const degraded = (name: string, reason: string) =>
  eventually(async () => {
    const b = await buckets().get(ns, name);
    return condition(b, 'Degraded')?.reason === reason ? b : undefined;
  }, `Bucket ${name} Degraded/${reason}`, 30_000, () => status(name));
const events = async (name: string) =>
  (await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => `${e.reason}: ${e.message}`);
const policyOf = (Bucket: string) => s3.send(new GetBucketPolicyCommand({ Bucket })).then((p) => p.Policy, () => undefined);
const versioningOf = async (Bucket: string) => (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROLES = 'arn:aws:iam::123456789012:role/';
const replicationOf = (Bucket: string) => s3.send(new GetBucketReplicationCommand({ Bucket })).then((r) => r.ReplicationConfiguration, (err: Error) => err.name);

/** S3's log delivery may write into `bucket`, and one account may read: what S3 asks of a log target. */
const deliveryPolicy = (bucket: string) => ({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'logs', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: ['s3:PutObject'], Resource: `arn:aws:s3:::${bucket}/*` },
    { Sid: 'read', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${bucket}/*` },
  ],
});

describe('Bucket access settings', () => {
  it('converges policy, CORS, website, ownership and logging, each visible through S3', async () => {
    const name = uniq('acc');
    const policy = JSON.stringify(deliveryPolicy(name));
    await buckets().create(ns, name, {
      providerConfigRef: { name: pc }, policy,
      corsRules: [{ allowedMethods: ['GET', 'PUT'], allowedOrigins: ['https://app.example'], maxAgeSeconds: 600 }],
      website: { indexDocument: 'index.html', errorDocument: 'error.html' },
      objectOwnership: 'BucketOwnerEnforced',
      logging: { targetBucket: name, targetPrefix: 'logs/' },
    });
    await ready(name);
    assert.deepEqual(JSON.parse((await policyOf(name))!), deliveryPolicy(name));
    const cors = (await s3.send(new GetBucketCorsCommand({ Bucket: name }))).CORSRules;
    assert.deepEqual(cors?.map((r) => [r.AllowedMethods, r.AllowedOrigins, r.MaxAgeSeconds]), [[['GET', 'PUT'], ['https://app.example'], 600]]);
    const site = await s3.send(new GetBucketWebsiteCommand({ Bucket: name }));
    assert.deepEqual([site.IndexDocument?.Suffix, site.ErrorDocument?.Key], ['index.html', 'error.html']);
    assert.equal((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: name }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'BucketOwnerEnforced');
    assert.deepEqual((await s3.send(new GetBucketLoggingCommand({ Bucket: name }))).LoggingEnabled, { TargetBucket: name, TargetPrefix: 'logs/' });

    // The same policy rewritten with other key order and whitespace is no drift: no write, no Event.
    const reordered = JSON.stringify({ Statement: deliveryPolicy(name).Statement.map((s) => Object.fromEntries(Object.entries(s).reverse())), Version: '2012-10-17' }, null, 2);
    await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: reordered }));
    await sleep(RESYNC_S * 3 * 1000);
    assert.equal(await policyOf(name), reordered, 'left as it was: not rewritten');
    assert.ok(!(await events(name)).some((e) => /^(DriftDetected|DriftCorrected)/.test(e)), (await events(name)).join('\n'));

    // A real change behind its back is corrected at the resync; so is CORS.
    await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [deliveryPolicy(name).Statement[1]] }) }));
    await s3.send(new PutBucketCorsCommand({ Bucket: name, CORSConfiguration: { CORSRules: [{ AllowedMethods: ['DELETE'], AllowedOrigins: ['*'] }] } }));
    await eventually(async () => ((await events(name)).some((e) => /^DriftCorrected: converged .*policy/.test(e)) ? true : undefined), 'policy drift corrected', 30_000, async () => (await events(name)).join('\n'));
    assert.deepEqual(JSON.parse((await policyOf(name))!), deliveryPolicy(name));
    assert.deepEqual((await s3.send(new GetBucketCorsCommand({ Bucket: name }))).CORSRules?.[0]?.AllowedOrigins, ['https://app.example']);
  });

  it('refuses a policy naming another bucket, and a public write without the grant: nothing is written', async () => {
    const victim = uniq('victim');
    await s3.send(new CreateBucketCommand({ Bucket: victim }));
    const other = uniq('arn');
    const grantOther = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 's3:*', Resource: [`arn:aws:s3:::${other}/*`, `arn:aws:s3:::${victim}/*`] }] };
    await buckets().create(ns, other, { providerConfigRef: { name: pc }, policy: JSON.stringify(grantOther) });
    const b = await degraded(other, 'InvalidSpec');
    assert.match(condition(b, 'Degraded')!.message, new RegExp(`names "arn:aws:s3:::${victim}/\\*"`));
    assert.equal(await s3.send(new HeadBucketCommand({ Bucket: other })).then(() => true, () => false), false, 'not even created');

    const open = uniq('open');
    const publicWrite = { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${open}/*` }] };
    await buckets().create(ns, open, { providerConfigRef: { name: pc }, policy: JSON.stringify(publicWrite) });
    await degraded(open, 'PublicAccessNotGranted');
    assert.equal(await s3.send(new HeadBucketCommand({ Bucket: open })).then(() => true, () => false), false, 'nothing made');
  });

  it("ships logs only into a bucket this namespace manages, never into another team's", async () => {
    const theirs = uniq('theirs');
    await s3.send(new CreateBucketCommand({ Bucket: theirs }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: theirs, Policy: JSON.stringify(deliveryPolicy(theirs)) }));
    const name = uniq('logger');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, logging: { targetBucket: theirs } });
    const b = await degraded(name, 'ReferenceNotOwned');
    assert.match(condition(b, 'Degraded')!.message, /spec\.logging\.targetBucket/);
    assert.equal(await s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false), false, 'refused before any call');

    // A log bucket of this namespace's own: then the same Bucket converges, logging into it.
    const mine = uniq('mine');
    await buckets().create(ns, mine, { providerConfigRef: { name: pc }, policy: JSON.stringify(deliveryPolicy(mine)) });
    await ready(mine);
    await buckets().patchSpec(ns, name, { providerConfigRef: { name: pc }, logging: { targetBucket: mine } });
    await ready(name);
    assert.equal((await s3.send(new GetBucketLoggingCommand({ Bucket: name }))).LoggingEnabled?.TargetBucket, mine);
  });

  it('replicates into a versioned bucket of this namespace, never into an unmanaged one', async () => {
    const backup = uniq('backup');
    await buckets().create(ns, backup, { providerConfigRef: { name: replicating }, versioning: true });
    await ready(backup);
    const theirs = uniq('theirs');
    await s3.send(new CreateBucketCommand({ Bucket: theirs }));
    const role = `${ROLES}team-a-replication`;
    const name = uniq('repl');
    await buckets().create(ns, name, { providerConfigRef: { name: replicating }, versioning: true, replication: { role, rules: [{ id: 'all', destinationBucket: theirs }] } });
    const b = await degraded(name, 'ReferenceNotOwned');
    assert.match(condition(b, 'Degraded')!.message, /spec\.replication\.rules\[0\]\.destinationBucket/);
    assert.equal(await s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false), false, 'refused before any call');

    await buckets().patchSpec(ns, name, { providerConfigRef: { name: replicating }, versioning: true, replication: { role, rules: [{ id: 'all', destinationBucket: backup, storageClass: 'STANDARD_IA' }] } });
    await ready(name);
    const config = (await s3.send(new GetBucketReplicationCommand({ Bucket: name }))).ReplicationConfiguration;
    assert.equal(config?.Role, role);
    assert.deepEqual(config?.Rules?.map((r) => [r.ID, r.Status, r.Destination?.Bucket, r.Destination?.StorageClass]), [['all', 'Enabled', `arn:aws:s3:::${backup}`, 'STANDARD_IA']]);
  });

  it('never passes a replication role the config does not grant: refused at create and at update, nothing written', async () => {
    const backup = uniq('backup');
    await buckets().create(ns, backup, { providerConfigRef: { name: pc }, versioning: true });
    await ready(backup);
    const rules = [{ id: 'all', destinationBucket: backup }];
    // The platform team's own role, on a config whose policy grants no role at all.
    const admin = `${ROLES}platform-admin`;
    const made = uniq('rogue');
    await buckets().create(ns, made, { providerConfigRef: { name: pc }, versioning: true, replication: { role: admin, rules } });
    const refused = await degraded(made, 'RoleNotGranted');
    assert.match(condition(refused, 'Degraded')!.message, new RegExp(`^spec\\.replication\\.role: the IAM role ${admin} is not granted .*spec\\.policy\\.buckets\\.replicationRoles: it grants none`));
    assert.equal(await s3.send(new HeadBucketCommand({ Bucket: made })).then(() => true, () => false), false, 'refused before any call');

    // An existing bucket: the patch is refused, and S3 keeps no replication configuration.
    const name = uniq('plain');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, versioning: true });
    await ready(name);
    await buckets().patchSpec(ns, name, { providerConfigRef: { name: pc }, versioning: true, replication: { role: `${ROLES}team-a-replication`, rules } });
    await degraded(name, 'RoleNotGranted');
    await sleep(3 * RESYNC_S * 1000);
    assert.equal(await replicationOf(name), 'ReplicationConfigurationNotFoundError');
    assert.equal(condition(await buckets().get(ns, name), 'Degraded')?.reason, 'RoleNotGranted', 'still refused after resyncs');
    assert.deepEqual((await events(name)).filter((e) => /^(Updated|DriftCorrected)/.test(e)), [], 'no change claimed');
  });

  it('adopting with a thin spec leaves the policy and CORS as found', async () => {
    const name = uniq('thin');
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const found = JSON.stringify(deliveryPolicy(name));
    await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: found }));
    await s3.send(new PutBucketCorsCommand({ Bucket: name, CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'] }] } }));
    // The public access block a fresh emulator bucket lacks is left to it too (the test config refuses opening it).
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, adopt: true, ignoreChanges: ['publicAccessBlock'] });
    await ready(name);
    assert.ok((await events(name)).some((e) => e.startsWith('Adopted: ')), 'adopted');
    assert.equal(await policyOf(name), found);
    assert.deepEqual((await s3.send(new GetBucketCorsCommand({ Bucket: name }))).CORSRules?.[0]?.AllowedOrigins, ['*']);
  });
});

describe('managementPolicies', () => {
  it('[Observe, Create]: creates, never corrects, and leaves the bucket when the object goes', async () => {
    const name = uniq('oc');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, managementPolicies: ['Observe', 'Create'] });
    await ready(name);
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    const b = await eventually(async () => {
      const o = await buckets().get(ns, name);
      return condition(o, 'Drifted')?.status === 'True' ? o : undefined;
    }, 'drift reported', 30_000, () => status(name));
    assert.match(condition(b, 'Ready')!.message, /managementPolicies \[Observe, Create\]: not corrected/);
    await sleep(RESYNC_S * 2 * 1000);
    assert.equal(await versioningOf(name), 'Enabled', 'not corrected');
    await buckets().remove(ns, name);
    await eventually(async () => ((await buckets().tryGet(ns, name)) === undefined ? true : undefined), 'object gone', 30_000);
    assert.equal(await s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false), true, 'the bucket stays');
  });

  it('is refused beside ObserveOnly at the reconciler, naming both', async () => {
    const name = uniq('both');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, managementPolicy: 'ObserveOnly', managementPolicies: ['Observe'] });
    const b = await degraded(name, 'InvalidSpec');
    assert.match(condition(b, 'Degraded')!.message, /managementPolicies/);
  });
});

describe('mooring.dev/reconcile-interval', () => {
  it('a long interval holds the resync back where the default corrects; a short one is raised to the minimum with a Warning', async () => {
    const slow = uniq('slow');
    const fast = uniq('fast');
    await buckets().create(ns, slow, { providerConfigRef: { name: pc } }, { annotations: { 'mooring.dev/reconcile-interval': '1h' } });
    await buckets().create(ns, fast, { providerConfigRef: { name: pc } });
    await Promise.all([ready(slow), ready(fast)]);
    for (const Bucket of [slow, fast]) await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await eventually(async () => ((await versioningOf(fast)) === 'Suspended' ? true : undefined), 'the default resync corrects', 30_000);
    await sleep(RESYNC_S * 3 * 1000);
    assert.equal(await versioningOf(slow), 'Enabled', 'an hour has not passed');

    const eager = uniq('eager');
    await buckets().create(ns, eager, { providerConfigRef: { name: pc } }, { annotations: { 'mooring.dev/reconcile-interval': '100ms' } });
    await ready(eager);
    await eventually(async () => ((await events(eager)).find((e) => e.startsWith('ReconcileIntervalClamped: ')) ?? undefined), 'clamped Event', 30_000, async () => (await events(eager)).join('\n'));
    assert.ok((await events(eager)).some((e) => /under the operator's minimum .*every 1 s/.test(e)));
  });
});
