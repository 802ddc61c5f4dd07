// Bucket on S3, end to end: the real apiserver, the operator, the emulator. Every setting is
// checked through the S3 API directly (an independent oracle), never through the adapter.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand, DeletePublicAccessBlockCommand, GetBucketEncryptionCommand, GetBucketLifecycleConfigurationCommand,
  GetBucketTaggingCommand, GetBucketVersioningCommand, GetPublicAccessBlockCommand, HeadBucketCommand, PutBucketTaggingCommand,
  GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { KubeConfig } from '@kubernetes/client-node';
import { ADOPT_WITH_CHANGES } from '../../src/reconcile/adoption.ts';
import { FINALIZER, PAUSED } from '../../src/reconcile/types.ts';
import { binaries } from '../../src/stack/versions.ts';
import { condition, createCredentialsSecret, emulatorClientConfig, emulatorProviderConfig, emulatorS3, eventually, markOf, objects, prepare, uniq, secretOf as secretOfIn } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let s3: S3Client;
let operator: RunningOperator;
const buckets = () => objects(kc, 'buckets');
/** The ownership mark the operator gives a Bucket (its uid read from the apiserver). */
const mark = (name: string) => markOf(kc, 'buckets', ns, name);

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
  s3 = emulatorS3(stack());
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 3 });
});
after(async () => {
  await operator?.stop();
  s3?.destroy();
});

const ready = (name: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const b = await buckets().get(ns, name);
    return condition(b, 'Ready')?.status === 'True' && b.status?.observedGeneration === b.metadata.generation ? b : undefined;
  }, `Bucket ${name} Ready`, timeoutMs, async () => JSON.stringify((await buckets().get(ns, name)).status));

const degraded = (name: string, reason: string) =>
  eventually(async () => {
    const b = await buckets().get(ns, name);
    return condition(b, 'Degraded')?.reason === reason ? b : undefined;
  }, `Bucket ${name} Degraded/${reason}`, 30_000, async () => JSON.stringify((await buckets().get(ns, name)).status));

const secretOf = (name: string) => secretOfIn(kc, ns, name);

const exists = async (bucket: string) => s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
const tagsOf = async (bucket: string): Promise<Record<string, string | undefined>> => Object.fromEntries(((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t): [string, string | undefined] => [t.Key ?? '', t.Value]));

describe('Bucket', () => {
  it('converges to Ready with every setting visible through S3, the ARN in status', async () => {
    const name = uniq('full');
    await buckets().create(ns, name, {
      providerConfigRef: { name: pc }, versioning: true, encryption: { algorithm: 'AES256' }, tags: { team: 'a' },
      lifecycleRules: [{ id: 'old', noncurrentVersionExpirationDays: 30 }],
    });
    const b = await ready(name);
    assert.equal(b.status?.atProvider?.arn, `arn:aws:s3:::${name}`);
    assert.ok(b.metadata.finalizers?.includes(FINALIZER));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: name }));
    assert.equal(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'AES256');
    const pab = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: name }))).PublicAccessBlockConfiguration;
    assert.deepEqual(pab, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    assert.deepEqual(await tagsOf(name), { team: 'a', 'mooring.dev/owner': await mark(name) });
    const lc = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }));
    assert.equal(lc.Rules?.[0]?.ID, 'old');
  });

  // Issue 16: the field was accepted and nothing was written. What an application's S3 client needs
  // (docs/bucket.md, "Connection details"), and an S3 client built from the Secret alone works.
  it('writes its connection details to the Secret spec.writeConnectionSecretToRef names, owned by the Bucket', async () => {
    const name = uniq('conn');
    const secretName = `${name}-s3`;
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, writeConnectionSecretToRef: { name: secretName } });
    const b = await ready(name);
    const secret = await eventually(() => secretOf(secretName), `Secret ${secretName}`, 10_000);
    const { region, endpoint } = stack().aws!;
    assert.deepEqual(secret.data, { bucket: name, region, arn: `arn:aws:s3:::${name}`, endpoint, forcePathStyle: 'true' });
    // Owned by the Bucket as its controller: the garbage collector removes it with the Bucket (this
    // stack runs no kube-controller-manager, so the reference is what can be checked here).
    assert.deepEqual(secret.owners, [`Bucket/${name}/${b.metadata.uid}/true`]);

    const { aws } = stack();
    const app = new S3Client({
      region: secret.data.region, endpoint: secret.data.endpoint, forcePathStyle: secret.data.forcePathStyle === 'true',
      credentials: { accessKeyId: aws!.accessKeyId, secretAccessKey: aws!.secretAccessKey },
    });
    try {
      await app.send(new PutObjectCommand({ Bucket: secret.data.bucket, Key: 'hello', Body: 'from the app' }));
      assert.equal(await (await app.send(new GetObjectCommand({ Bucket: secret.data.bucket, Key: 'hello' }))).Body?.transformToString(), 'from the app');
    } finally {
      app.destroy();
    }
  });

  it('shows Ready, reason, external name, deletion progress and age in kubectl get', async () => {
    const name = uniq('columns');
    const external = uniq('columns-ext');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, externalName: external });
    await ready(name);
    const out = execFileSync(binaries().kubectl, ['--kubeconfig', stack().kube!.kubeconfig, 'get', 'buckets', '-n', ns, name], { encoding: 'utf8' });
    const [header, row] = out.trim().split('\n').map((line) => line.trim().split(/\s+/));
    assert.deepEqual(header, ['NAME', 'READY', 'REASON', 'EXTERNAL-NAME', 'DELETION', 'AGE']);
    assert.deepEqual(row?.slice(0, 4), [name, 'True', 'Available', external]);
    // When it was last checked for drift: status.lastChecked, in the wide view.
    const wide = execFileSync(binaries().kubectl, ['--kubeconfig', stack().kube!.kubeconfig, 'get', 'buckets', '-n', ns, name, '-o', 'wide'], { encoding: 'utf8' });
    const [wideHeader, wideRow] = wide.trim().split('\n').map((line) => line.trim().split(/\s+/));
    assert.deepEqual(wideHeader, ['NAME', 'READY', 'REASON', 'EXTERNAL-NAME', 'DELETION', 'LAST-CHECKED', 'AGE']);
    assert.match(wideRow?.[5] ?? '', /^\d+s$/, wide);
    const b = await buckets().get(ns, name);
    assert.ok(Date.now() - Date.parse(b.status?.lastChecked ?? '') < 60_000, `status.lastChecked ${b.status?.lastChecked}`);
  });

  it('reports itself ready and its work in /metrics', async () => {
    const name = uniq('metrics');
    await buckets().create(ns, name, { providerConfigRef: { name: pc } });
    await ready(name);
    assert.equal((await fetch(`${operator.httpUrl}/readyz`)).status, 200);
    const scrape = async () => {
      const text = await (await fetch(`${operator.httpUrl}/metrics`)).text();
      return { text, value: (prefix: string) => Number(text.split('\n').find((l) => l.startsWith(prefix))?.split(' ').pop() ?? NaN) };
    };
    const { text, value } = await scrape();
    assert.ok(value('mooring_adapter_calls_total{kind="Bucket",provider="aws",operation="create",outcome="success"}') >= 1, text);
    assert.ok(value('mooring_reconcile_total{kind="Bucket",result="success"}') >= 1);
    assert.ok(value('mooring_resources{kind="Bucket",ready="True",reason="Available"}') >= 1);
    // The drift checks' budget of the config's account, keyed like the account limiters
    // (`aws:<account id>@<region>`, the account as STS names it), and what a check costs there (S3
    // reads): measured once a drift check (every 3 s here) ran since the operator's probe named it.
    const sts = new STSClient(emulatorClientConfig(stack()));
    const account = `aws:${(await sts.send(new GetCallerIdentityCommand({}))).Account}@${stack().aws!.region}`;
    sts.destroy();
    const budget = await eventually(async () => {
      const m = await scrape();
      return m.value(`mooring_resync_reads_per_check{account="${account}"}`) > 0 && m;
    }, `a drift check of account ${account} measured`, 20_000, async () => (await scrape()).text);
    assert.equal(budget.value(`mooring_resync_budget_reads_per_second{account="${account}"}`), 5, budget.text);
    assert.doesNotMatch(budget.text, new RegExp(`account="${pc}"`), 'keyed by the account, not the ProviderConfig');
  });

  it('restores drift made behind its back at the next resync', async () => {
    const name = uniq('drift');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, versioning: true, tags: { team: 'a' } });
    await ready(name);
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Suspended' } }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'team', Value: 'intruder' }, { Key: 'mooring.dev/owner', Value: await mark(name) }] } }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: name }));
    await eventually(async () => (await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status === 'Enabled', 'versioning restored', 20_000);
    await eventually(async () => (await tagsOf(name)).team === 'a', 'tags restored', 20_000);
    await eventually(async () => s3.send(new GetPublicAccessBlockCommand({ Bucket: name })).then((r) => r.PublicAccessBlockConfiguration?.BlockPublicAcls === true, () => false), 'public access block restored', 20_000);
  });

  it('converges a spec change and follows it with observedGeneration', async () => {
    const name = uniq('change');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
    const first = await ready(name);
    await buckets().patchSpec(ns, name, { ...first.spec, tags: { team: 'b', env: 'dev' } });
    const second = await ready(name);
    assert.equal(second.status?.observedGeneration, 2);
    assert.deepEqual(await tagsOf(name), { team: 'b', env: 'dev', 'mooring.dev/owner': await mark(name) });
  });

  it('refuses invalid specs at the apiserver, naming the field', async () => {
    await assert.rejects(buckets().create(ns, uniq('bad'), { providerConfigRef: { name: pc }, externalName: 'Not_A_Bucket' }), /externalName/);
    await assert.rejects(buckets().create(ns, uniq('bad'), { providerConfigRef: { name: pc }, tags: { 'aws:x': '1' } }), /tags/);
    const name = uniq('immutable');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, region: 'us-east-1', externalName: name });
    await assert.rejects(buckets().patchSpec(ns, name, { providerConfigRef: { name: pc }, region: 'eu-west-1', externalName: name }), /region/);
    await assert.rejects(buckets().patchSpec(ns, name, { providerConfigRef: { name: pc }, region: 'us-east-1', externalName: `${name}-x` }), /externalName/);
    await assert.rejects(buckets().patchSpec(ns, name, { providerConfigRef: { name: pc }, externalName: name }), /spec\.region: Forbidden/);
    const bare = uniq('bare');
    await buckets().create(ns, bare, { providerConfigRef: { name: pc } });
    await assert.rejects(buckets().patchSpec(ns, bare, { providerConfigRef: { name: pc }, externalName: `${bare}-later` }), /spec\.externalName: Forbidden/);
    await buckets().remove(ns, bare);
  });

  it('empties and deletes a bucket of 3,000 object versions with emptyOnDelete, and removes the finalizer', async () => {
    const name = uniq('empty');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, versioning: true, emptyOnDelete: true });
    await ready(name);
    // 1,000 keys written three times: 3,000 versions.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 1000; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => s3.send(new PutObjectCommand({ Bucket: name, Key: `k/${i + j}`, Body: `v${round}` }))));
      }
    }
    await buckets().remove(ns, name);
    await eventually(async () => (await buckets().tryGet(ns, name)) === undefined, 'Bucket object gone', 120_000);
    assert.equal(await exists(name), false, 'the S3 bucket is gone');
  });

  it('keeps a non-empty bucket without emptyOnDelete: BucketNotEmpty, nothing removed', async () => {
    const name = uniq('keep');
    await buckets().create(ns, name, { providerConfigRef: { name: pc } });
    await ready(name);
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'precious', Body: 'x' }));
    await buckets().remove(ns, name);
    const b = await degraded(name, 'BucketNotEmpty');
    assert.match(condition(b, 'Degraded')!.message, /emptyOnDelete/);
    assert.ok(await exists(name));
    // The way out the message names: switch to Retain.
    await buckets().patchSpec(ns, name, { ...b.spec, deletionPolicy: 'Retain' });
    await eventually(async () => (await buckets().tryGet(ns, name)) === undefined, 'Bucket released', 30_000);
    assert.ok(await exists(name), 'Retain leaves the bucket');
  });

  it('Retain leaves the bucket and its ownership mark', async () => {
    const name = uniq('retain');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, deletionPolicy: 'Retain' });
    await ready(name);
    const owner = await mark(name);
    await buckets().remove(ns, name);
    await eventually(async () => (await buckets().tryGet(ns, name)) === undefined, 'Bucket object gone', 30_000);
    assert.equal((await tagsOf(name))['mooring.dev/owner'], owner);
  });

  it('leaves a paused Bucket alone, even its deletion, until the annotation goes', async () => {
    const kubectl = (...args: string[]) => execFileSync(binaries().kubectl, ['--kubeconfig', stack().kube!.kubeconfig, '-n', ns, ...args], { encoding: 'utf8' });
    const name = uniq('paused');
    await buckets().create(ns, name, { providerConfigRef: { name: pc } }, { annotations: { [PAUSED]: 'true' } });
    await new Promise((r) => setTimeout(r, 4_000)); // longer than the resync period
    assert.equal(await exists(name), false, 'nothing created while paused');
    const untouched = await buckets().get(ns, name);
    assert.equal(untouched.status, undefined, 'no status written');
    assert.equal(untouched.metadata.finalizers, undefined, 'no finalizer added');
    kubectl('annotate', 'bucket', name, `${PAUSED}-`);
    await ready(name);

    kubectl('annotate', 'bucket', name, `${PAUSED}=true`);
    await buckets().remove(ns, name);
    await new Promise((r) => setTimeout(r, 4_000));
    assert.ok(await exists(name), 'a paused deletion deletes nothing');
    assert.deepEqual((await buckets().get(ns, name)).metadata.finalizers, [FINALIZER], 'and keeps the finalizer');
    kubectl('annotate', 'bucket', name, `${PAUSED}-`);
    await eventually(async () => (await buckets().tryGet(ns, name)) === undefined, 'Bucket gone once unpaused', 30_000);
    assert.equal(await exists(name), false);
  });

  it('never touches an existing unowned bucket until it is adopted', async () => {
    const name = uniq('foreign');
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'owner', Value: 'someone' }] } }));
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, versioning: true });
    const b = await degraded(name, 'NotOwned');
    assert.match(condition(b, 'Degraded')!.message, /adopt/);
    assert.deepEqual(await tagsOf(name), { owner: 'someone' }, 'untouched');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, undefined);
    await buckets().patchSpec(ns, name, { ...b.spec, adopt: true });
    // The spec asks for versioning the bucket lacks: shown first, changed only once accepted.
    const shown = await degraded(name, 'AdoptionWouldChange');
    assert.deepEqual(shown.status?.plan?.[0]?.fields.find((f) => f.path === 'versioning'), { path: 'versioning', old: '"Unversioned"', new: '"Enabled"' });
    assert.deepEqual(await tagsOf(name), { owner: 'someone' }, 'still untouched');
    await buckets().annotate(ns, name, { [ADOPT_WITH_CHANGES]: 'true' });
    await ready(name);
    assert.equal((await tagsOf(name))['mooring.dev/owner'], await mark(name));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
  });

  // Issue 16: adopting with a spec that leaves settings out converged the schema's defaults onto
  // the bucket (versioning suspended, a public bucket's access blocked). It is taken as it is, or not at all.
  it('adopting a versioned, public bucket with a thin spec changes nothing until the spec says what is there', async () => {
    const name = uniq('thin');
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: name }));
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, adopt: true });
    const b = await degraded(name, 'AdoptionWouldChange');
    assert.match(condition(b, 'Degraded')!.message, /versioning: "Enabled" → "Suspended".*nothing was changed/);
    assert.deepEqual(b.status?.plan?.[0]?.fields.map((f) => f.path).sort(), [
      'ownershipMark', 'publicAccessBlock.blockPublicAcls', 'publicAccessBlock.blockPublicPolicy', 'publicAccessBlock.ignorePublicAcls', 'publicAccessBlock.restrictPublicBuckets', 'versioning',
    ]);
    assert.deepEqual(b.metadata.finalizers ?? [], [], 'no finalizer for an adoption not made');
    // Given time for a wrong write to land: still versioned, still public, still unmarked.
    await new Promise((r) => setTimeout(r, 4_000));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
    await assert.rejects(s3.send(new GetPublicAccessBlockCommand({ Bucket: name })), /NoSuchPublicAccessBlockConfiguration/);
    assert.deepEqual(await tagsOf(name).catch(() => ({})), {});

    // Saying what is there (versioning), and leaving the rest as found (the test config's policy
    // refuses a spec that opens the public access block): adopted with only the ownership tag written.
    await buckets().patchSpec(ns, name, { ...b.spec, versioning: true, ignoreChanges: ['publicAccessBlock'] });
    const adopted = await ready(name);
    assert.equal(adopted.status?.plan, undefined);
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled', 'still versioned');
    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: name })).then((r) => r.PublicAccessBlockConfiguration, () => undefined);
    assert.ok(!pab || Object.values(pab).every((v) => v === false), `still public: ${JSON.stringify(pab)}`);
    assert.deepEqual(await tagsOf(name), { 'mooring.dev/owner': await markOf(kc, 'buckets', ns, name) });
  });

  it('refuses a second Bucket on the same external name: AlreadyOwned', async () => {
    const external = uniq('shared');
    await buckets().create(ns, 'first-' + external, { providerConfigRef: { name: pc }, externalName: external });
    await ready('first-' + external);
    await buckets().create(ns, 'second-' + external, { providerConfigRef: { name: pc }, externalName: external, adopt: true });
    const b = await degraded('second-' + external, 'AlreadyOwned');
    assert.match(condition(b, 'Degraded')!.message, new RegExp(`first-${external}`));
    assert.equal((await tagsOf(external))['mooring.dev/owner'], await mark(`first-${external}`));
    // Deleting the loser must not delete the winner's bucket.
    await buckets().remove(ns, 'second-' + external);
    await eventually(async () => (await buckets().tryGet(ns, 'second-' + external)) === undefined, 'second Bucket gone', 30_000);
    assert.ok(await exists(external));
  });

  it('ObserveOnly reports and never writes', async () => {
    const name = uniq('observe');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, managementPolicy: 'ObserveOnly', versioning: true });
    await degraded(name, 'ExternalResourceNotFound');
    assert.equal(await exists(name), false, 'never created');
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const b = await eventually(async () => {
      const o = await buckets().get(ns, name);
      return condition(o, 'Ready')?.reason === 'Observed' ? o : undefined;
    }, 'Observed', 20_000);
    assert.match(condition(b, 'Ready')!.message, /versioning/);
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, undefined, 'not corrected');
    assert.ok(!(b.metadata.finalizers ?? []).includes(FINALIZER), 'no finalizer on what we never delete');
  });

  it('is Degraded while its ProviderConfig or credentials are missing, and recovers when they appear', async () => {
    const name = uniq('late');
    const latePc = uniq('late-pc');
    await buckets().create(ns, name, { providerConfigRef: { name: latePc } });
    await degraded(name, 'ProviderConfigNotFound');
    await emulatorProviderConfig(kc, stack(), latePc, { withSecret: false });
    await degraded(name, 'CredentialsNotFound');
    await createCredentialsSecret(kc, stack(), 'default', `${latePc}-creds`);
    await ready(name);
  });
});
