// A name made up from metadata.name (no spec.externalName, no spec.username) passes the rules of
// the field it stands for, on the real apiserver: `kubectl apply` of a Bucket or Database whose
// derived name the cloud would refuse is refused, naming the rule, and so is a later write that
// makes such a name; with the field set, or a write that leaves the name alone, nothing is in the way.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, VERSION } from '../../src/api/common.ts';
import { crdFor } from '../../src/api/crd.ts';
import { BucketKind } from '../../src/api/kinds.ts';
import { applyObjects, waitForCrds } from '../../src/kube/apply.ts';
import { binaries } from '../../src/stack/versions.ts';
import { createNamespace, eventually, installCrds, kubeConfig, objects, refusalOf, uniq } from '../support/kube.ts';
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

/** `kubectl apply` of one object: its exit status and what it printed. */
function kubectlApply(kind: string, name: string, spec: Record<string, unknown>): { status: number | null; output: string } {
  const manifest = JSON.stringify({ apiVersion: API_VERSION, kind, metadata: { name, namespace: ns }, spec });
  const run = spawnSync(binaries().kubectl, ['--kubeconfig', stack().kube!.kubeconfig, 'apply', '-f', '-'], { input: manifest, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The apiserver's refusal of a create, or '' when it stored the object. */
const refusal = (plural: string, name: string, spec: Record<string, unknown>) => refusalOf(() => objects(kc, plural).create(ns, name, spec));


const pc = { providerConfigRef: { name: 'aws' } };
const pgc = { providerConfigRef: { name: 'postgres' } };

describe('names derived from metadata.name, at kubectl apply', () => {
  it('refuses a Bucket named xn--bad, naming the S3 rule', () => {
    const { status, output } = kubectlApply('Bucket', 'xn--bad', pc);
    assert.notEqual(status, 0, output);
    assert.match(output, /the bucket name \(metadata\.name, while spec\.externalName is unset\) must not start with xn-- \(S3 bucket naming rules: reserved prefix\)/);
  });

  it('refuses a Database named current-user, naming the PostgreSQL rule', () => {
    const { status, output } = kubectlApply('Database', 'current-user', pgc);
    assert.notEqual(status, 0, output);
    assert.match(output, /the login role \(the database name, unless spec\.rds is set, while spec\.username is unset\) may not be one of public, none, current_user, current_role, session_user \(PostgreSQL reserves/);
  });

  const buckets: [name: string, rule: RegExp][] = [
    ['ab', /must be 3-63 characters long/],
    ['a'.repeat(64), /must be 3-63 characters long/],
    ['192.168.5.4', /must not be formatted as an IP address/],
    ['sthree-x', /must not start with sthree-/],
    ['sthree-configurator-x', /must not start with sthree-/],
    ['amzn-s3-demo-x', /must not start with amzn-s3-demo-/],
    ['x-s3alias', /must not end with -s3alias \(S3 bucket naming rules: reserved for access point aliases\)/],
    ['x--ol-s3', /must not end with --ol-s3/],
    ['x.mrap', /must not end with \.mrap/],
    ['x--x-s3', /must not end with --x-s3/],
    ['x--table-s3', /must not end with --table-s3/],
  ];
  for (const [name, rule] of buckets) {
    it(`refuses a Bucket named ${name.length > 20 ? `${name.slice(0, 8)}… (${name.length})` : name}`, async () => {
      assert.match(await refusal('buckets', name, pc), rule);
    });
  }

  const databases: [name: string, spec: Record<string, unknown> & { externalName?: string }, rule: RegExp][] = [
    ['postgres', pgc, /the database name \(metadata\.name with - and \. as _, while spec\.externalName is unset\) may not be one of postgres, template0, template1/],
    ['template1', pgc, /may not be one of postgres, template0, template1/],
    ['1db', pgc, /not starting with a digit \(PostgreSQL identifiers written without quotes\)/],
    ['a'.repeat(64), pgc, /must be at most 63 characters/],
    ['public', pgc, /the login role .* may not be one of public/],
    ['session.user', pgc, /the login role .* may not be one of public/],
    ['pg-stats', pgc, /the login role .* must not start with pg_/],
    ['app', { ...pgc, externalName: 'current_user' }, /the login role .* may not be one of public/],
  ];
  for (const [name, spec, rule] of databases) {
    it(`refuses a Database named ${name.length > 20 ? `${name.slice(0, 8)}… (${name.length})` : name}${spec.externalName ? ` with externalName ${spec.externalName}` : ''}`, async () => {
      assert.match(await refusal('databases', name, spec), rule);
    });
  }

  it('stores the same names with the field set: then the field is the name', async () => {
    assert.equal(await refusal('buckets', 'xn--named', { ...pc, externalName: 'fine-bucket-name' }), '');
    assert.equal(await refusal('databases', 'current-user', { ...pgc, username: 'app' }), '');
    // With spec.rds the master user defaults to mooring: the database name is no role name.
    assert.equal(await refusal('databases', 'session-user', { providerConfigRef: { name: 'aws' }, rds: {} }), '');
    assert.equal(await refusal('buckets', 'fine-derived', pc), '');
  });

  it('lets a later write through that leaves the name alone', async () => {
    await objects(kc, 'buckets').patchSpec(ns, 'fine-derived', { ...pc, versioning: true });
    assert.equal((await objects(kc, 'buckets').get(ns, 'fine-derived')).spec.versioning, true);
  });

  it('checks a name again when a write changes what it is made from', async () => {
    // The login role is the database name: giving the Database spec.externalName later changes it.
    await objects(kc, 'databases').create(ns, 'orders', pgc);
    const refused = await objects(kc, 'databases').patchSpec(ns, 'orders', { ...pgc, externalName: 'session_user' }).then(() => '', (err: { body?: unknown }) => String(err.body));
    assert.match(refused, /the login role \(the database name, unless spec\.rds is set, while spec\.username is unset\) may not be one of public/);
    await objects(kc, 'databases').patchSpec(ns, 'orders', { ...pgc, externalName: 'orders_v2' });
  });

  it('does not lock in an object stored before the rules: it can still be changed and deleted', async () => {
    // The Bucket CRD under a group of this test's own (the shared CRDs stay as they are), first
    // without the rules at its root, as an older mooring installed it, then with them.
    const group = `${uniq('names')}.test`;
    const crd = crdFor(BucketKind);
    const own = { ...crd, metadata: { ...crd.metadata, name: `buckets.${group}` }, spec: { ...crd.spec, group } };
    const rules = own.spec.versions[0]!.schema.openAPIV3Schema['x-kubernetes-validations'];
    const withoutRules = structuredClone(own);
    delete withoutRules.spec.versions[0]!.schema.openAPIV3Schema['x-kubernetes-validations'];
    const api = kc.makeApiClient(CustomObjectsApi);
    const at = { group, version: VERSION, namespace: ns, plural: 'buckets' };
    const body = (name: string) => ({ apiVersion: `${group}/${VERSION}`, kind: 'Bucket', metadata: { name }, spec: pc });
    try {
      await applyObjects(kc, [withoutRules], 'names-test');
      await waitForCrds(kc, [own.metadata.name]);
      await eventually(() => api.createNamespacedCustomObject({ ...at, body: body('xn--old') }).then(() => true, () => false), 'the old CRD to serve');
      await applyObjects(kc, [own], 'names-test');
      assert.ok(rules?.length);
      await eventually(async () => (await refusalOf(() => api.createNamespacedCustomObject({ ...at, body: body('xn--new') }))) || undefined, 'the rules to apply', 10_000);
      await api.patchNamespacedCustomObject({ ...at, name: 'xn--old', body: [{ op: 'replace', path: '/spec/versioning', value: true }] });
      await api.patchNamespacedCustomObject({ ...at, name: 'xn--old', body: [{ op: 'add', path: '/metadata/finalizers', value: ['example.com/hold'] }] });
      await api.patchNamespacedCustomObject({ ...at, name: 'xn--old', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
      await api.deleteNamespacedCustomObject({ ...at, name: 'xn--old' });
    } finally {
      await kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: own.metadata.name }).catch(() => undefined);
    }
  });
});
