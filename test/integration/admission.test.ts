// The chart's admission policy on the real apiserver: a tenant's object that its namespace was not
// granted, or that exceeds the config's policy, is refused at create, naming the field and the
// reason; what is granted is stored; the operator's own metadata writes and deletions pass. The
// policy is bound only to this file's namespaces (the apiserver is shared with the other files).
import assert from 'node:assert/strict';
import { before, after, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import { applyObjects } from '../../src/kube/apply.ts';
import { admissionObjects } from '../../src/generate/admission.ts';
import { eventually, installCrds, kubeConfig, objects, refusalOf, uniq } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube']);
let kc: KubeConfig;
const id = uniq('adm');
const label = { 'mooring-admission-test': id };
const ns = { a: uniq('team-a'), other: uniq('other') };
const pcs = { shared: uniq('shared'), aws: uniq('aws-strict') };
const policyName = `${id}-grants`;

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns.a, labels: { ...label, team: 'a' } } } });
  await core.createNamespace({ body: { metadata: { name: ns.other, labels: { ...label } } } });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const config = (name: string, spec: Record<string, unknown>) =>
    custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'providerconfigs', body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name }, spec } });
  await config(pcs.shared, { type: 'aws', grants: { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] } }, policy: { dns: { zones: ['example.com'], recordTypes: ['A', 'NS'] } } });
  await config(pcs.aws, {
    type: 'aws', grants: { namespaces: [ns.a] },
    policy: { rds: { instanceClasses: ['db.t4g.micro'], maxAllocatedStorageGiB: 50, kmsKeys: ['alias/team-a'], securityGroups: ['sg-0a*'] }, buckets: { replicationRoles: ['arn:aws:iam::123456789012:role/team-a-*'] } },
  });
  await applyObjects(kc, admissionObjects(policyName, { matchLabels: label }), 'admission-test');
});
after(async () => {
  const api = kc?.makeApiClient(CustomObjectsApi);
  await api?.deleteClusterCustomObject({ group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingadmissionpolicybindings', name: policyName }).catch(() => undefined);
  await api?.deleteClusterCustomObject({ group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingadmissionpolicies', name: policyName }).catch(() => undefined);
});

const refusal = refusalOf;

describe('admission: grants and policy refused at kubectl apply', () => {
  it('refuses a namespace the config is not granted to, naming the field and the reason (once the policy is live)', async () => {
    const message = await eventually(async () => {
      const m = await refusal(() => objects(kc, 'buckets').create(ns.other, uniq('b'), { providerConfigRef: { name: pcs.shared } }));
      return m || undefined;
    }, 'the admission policy to refuse', 30_000);
    assert.match(message, /spec\.providerConfigRef\.name: ProviderConfig .* is not granted to namespace .*NotGranted/);
  });

  it('stores what the grant and policy allow', async () => {
    await objects(kc, 'buckets').create(ns.a, 'fine', { providerConfigRef: { name: pcs.shared } });
    await objects(kc, 'dnsrecords').create(ns.a, 'www', { providerConfigRef: { name: pcs.shared }, zone: { name: 'Example.com.' }, name: 'www', type: 'A', values: ['192.0.2.1'] });
    await objects(kc, 'dnsrecords').create(ns.a, 'delegation', { providerConfigRef: { name: pcs.shared }, zone: { name: 'example.com' }, name: 'sub', type: 'NS', values: ['ns.example.net.'] });
    await objects(kc, 'databases').create(ns.a, 'small', { providerConfigRef: { name: pcs.aws }, rds: { instanceClass: 'db.t4g.micro', allocatedStorageGiB: 40 } });
    // A config this policy does not know: the operator reports ProviderConfigNotFound later.
    await objects(kc, 'buckets').create(ns.a, 'unknown-config', { providerConfigRef: { name: 'no-such-config' } });
  });

  const refused: { reason: string; plural: string; spec: Record<string, unknown>; message: RegExp }[] = [
    { reason: 'adopt where adoption is forbidden', plural: 'buckets', spec: { adopt: true }, message: /spec\.adopt: .*AdoptionNotGranted/ },
    { reason: 'a relaxed public access block', plural: 'buckets', spec: { publicAccessBlock: { restrictPublicBuckets: false } }, message: /spec\.publicAccessBlock: .*PublicAccessNotGranted/ },
    { reason: 'a zone not listed', plural: 'dnsrecords', spec: { zone: { name: 'prod.example' }, name: 'www', type: 'A', values: ['192.0.2.1'] }, message: /spec\.zone: .*ZoneNotGranted/ },
    { reason: 'a record type not listed', plural: 'dnsrecords', spec: { zone: { name: 'example.com' }, name: 'www', type: 'TXT', values: ['hi'] }, message: /spec\.type: .*TXT records.*RecordTypeNotGranted/ },
    { reason: 'NS at the apex', plural: 'dnsrecords', spec: { zone: { name: 'example.com' }, name: '@', type: 'NS', values: ['ns.evil.example.'] }, message: /spec\.name: .*apex.*RecordTypeNotGranted/ },
    { reason: 'NS at the apex by FQDN', plural: 'dnsrecords', spec: { zone: { name: 'example.com' }, name: 'EXAMPLE.com.', type: 'NS', values: ['ns.evil.example.'] }, message: /RecordTypeNotGranted/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.reason}`, async () => {
      const message = await refusal(() => objects(kc, c.plural).create(ns.a, uniq('x'), { providerConfigRef: { name: pcs.shared }, ...c.spec }));
      assert.match(message, c.message);
    });
  }

  it('refuses RDS asks beyond the policy: the default class counts, storage over the limit, a public instance', async () => {
    const create = (rds: Record<string, unknown> | undefined) => refusal(() => objects(kc, 'databases').create(ns.a, uniq('db'), { providerConfigRef: { name: pcs.aws }, ...(rds ? { rds } : {}) }));
    assert.match(await create({}), /spec\.rds\.instanceClass: .*InstanceClassNotGranted/);
    assert.match(await create({ instanceClass: 'db.t4g.micro', allocatedStorageGiB: 500 }), /spec\.rds\.allocatedStorageGiB: .*StorageNotGranted/);
    assert.match(await create({ instanceClass: 'db.t4g.micro', publiclyAccessible: true }), /spec\.rds\.publiclyAccessible: .*PublicAccessNotGranted/);
  });

  it('refuses account-level assets the policy does not grant (unset grants none), and stores the granted ones', async () => {
    const create = (plural: string, spec: Record<string, unknown>) => refusal(() => objects(kc, plural).create(ns.a, uniq('n'), { providerConfigRef: { name: pcs.aws }, ...spec }));
    const role = (name: string) => ({ versioning: true, replication: { role: `arn:aws:iam::123456789012:role/${name}`, rules: [] } });
    const rds = (more: Record<string, unknown>) => ({ rds: { instanceClass: 'db.t4g.micro', ...more } });
    assert.equal(await create('buckets', role('team-a-repl')), '');
    assert.match(await create('buckets', role('platform-admin')), /spec\.replication\.role: .*RoleNotGranted/);
    assert.match(await create('buckets', role('team-a-x/admin')), /RoleNotGranted/, 'the * never reaches past a /');
    assert.match(await create('buckets', { encryption: { algorithm: 'aws:kms', kmsKeyId: 'alias/team-a' } }), /spec\.encryption\.kmsKeyId: .*KmsKeyNotGranted/, 'the RDS key grant is not the buckets\'');
    assert.equal(await create('databases', rds({ kmsKeyId: 'alias/team-a', securityGroupIds: ['sg-0a23456789abcdef0'] })), '');
    assert.match(await create('databases', rds({ kmsKeyId: 'alias/other' })), /spec\.rds\.kmsKeyId: .*KmsKeyNotGranted/);
    assert.match(await create('databases', rds({ performanceInsights: { enabled: true, kmsKeyId: 'alias/other' } })), /spec\.rds\.performanceInsights\.kmsKeyId: .*KmsKeyNotGranted/);
    assert.match(await create('databases', rds({ parameterGroupName: 'prod-tuned' })), /spec\.rds\.parameterGroupName: .*GroupNotGranted/);
    assert.match(await create('databases', rds({ subnetGroupName: 'prod-private' })), /spec\.rds\.subnetGroupName: .*GroupNotGranted/);
    assert.match(await create('databases', rds({ securityGroupIds: ['sg-0a23456789abcdef0', 'sg-0b23456789abcdef0'] })), /spec\.rds\.securityGroupIds: .*GroupNotGranted/);
  });

  it('lets metadata writes (the operator\'s finalizer and annotations) and deletion through once the grant is gone', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    await objects(kc, 'buckets').create(ns.a, 'revoked', { providerConfigRef: { name: pcs.shared } });
    // The admin takes team a out of the grant: the object stays, its spec is now refused.
    await kc.makeApiClient(CoreV1Api).patchNamespace({ name: ns.a, body: [{ op: 'replace', path: '/metadata/labels/team', value: 'b' }] });
    await eventually(async () => (await refusal(() => objects(kc, 'buckets').patchSpec(ns.a, 'revoked', { providerConfigRef: { name: pcs.shared }, versioning: true }))) || undefined, 'a spec change refused after the revocation');
    await api.patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'buckets', namespace: ns.a, name: 'revoked', body: [{ op: 'add', path: '/metadata/finalizers', value: ['mooring.dev/finalizer'] }] });
    await objects(kc, 'buckets').remove(ns.a, 'revoked');
    await api.patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'buckets', namespace: ns.a, name: 'revoked', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await eventually(async () => (await objects(kc, 'buckets').tryGet(ns.a, 'revoked')) === undefined, 'the revoked bucket gone');
  });
});
