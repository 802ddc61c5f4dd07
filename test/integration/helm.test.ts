// The Helm chart on the real apiserver: it renders (helm built by the setup step), the committed
// plain manifests are a fresh render, the render applies server-side, and the operator then runs
// with the chart's own arguments under the chart's ServiceAccount token (TokenRequest): Bucket,
// DNSRecord and Database reach Ready and delete cleanly, proving the ClusterRole and Roles
// are enough, while calls outside them are refused.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { KubeConfig} from '@kubernetes/client-node';
import { CoordinationV1Api, CoreV1Api, loadAllYaml, RbacAuthorizationV1Api, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { applyObjects, waitForCrds } from '../../src/kube/apply.ts';
import { drift } from '../../src/generate/files.ts';
import { helmTemplate, manifestsOutput } from '../../src/generate/manifests.ts';
import { setup } from '../../src/stack/setup.ts';
import { binaries } from '../../src/stack/versions.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, kubeConfig, objects, postgresProviderConfig, uniq } from '../support/kube.ts';
import { tokenKubeconfig } from '../support/chart.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'postgres']);
const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const release = { name: uniq('rel'), namespace: uniq('mooring-system') };
const fullname = `${release.name}-mooring`;
let admin: KubeConfig;
let operatorKc: KubeConfig;
let operatorKubeconfig: string;
let rendered: KubernetesObject[];
let ns: string;
let operator: ChildProcess | undefined;

before(async () => {
  await stack.ready();
  await setup(['helm']);
  admin = kubeConfig(stack());
  // The admission policy bound to no test's namespace: the apiserver is shared with every other test file.
  // The test ProviderConfigs keep their credentials Secrets in `default`.
  rendered = (loadAllYaml(helmTemplate(binaries().helm, release, ['namespace.create=true', 'credentialsNamespaces={default}', `admissionPolicy.namespaceSelector.matchLabels.mooring-helm-test=${release.name}`])) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => Boolean(o?.kind));
});

after(async () => {
  if (operator && operator.exitCode === null) {
    operator.kill('SIGTERM');
    await new Promise((resolve) => operator!.once('exit', resolve));
  }
});

describe('the Helm chart', () => {
  it('renders, and deploy/manifests is its fresh render', () => {
    assert.deepEqual(drift(manifestsOutput(binaries().helm)), { stale: [], orphaned: [] }, 'deploy/manifests/ is stale: run `npm run generate` and commit it');
    const kinds = rendered.map((o) => o.kind).sort();
    for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'Namespace', 'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) assert.ok(kinds.includes(kind), kind);
    // The restricted Pod Security Standard, probes and resources.
    const pod = (rendered.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template.spec!;
    const container = pod.containers[0]!;
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.ok(container.resources?.requests?.memory && container.resources.limits?.memory);
    assert.deepEqual(container.volumeMounts?.map((m) => m.mountPath), ['/tmp']);
    // Bound only where the values say: here, no namespace but this test's label.
    const binding = rendered.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding') as KubernetesObject & { spec: { matchResources?: { namespaceSelector?: unknown } } };
    assert.deepEqual(JSON.parse(JSON.stringify(binding.spec.matchResources?.namespaceSelector)), { matchLabels: { 'mooring-helm-test': release.name } });
  });

  it('passes helm lint --strict', () => {
    const lint = spawnSync(binaries().helm, ['lint', '--strict', join(import.meta.dirname, '..', '..', 'deploy', 'helm', 'mooring')], { encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  });

  it('renders each mode and option as the values ask', () => {
    const render = (...values: string[]) => (loadAllYaml(helmTemplate(binaries().helm, release, values)) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => Boolean(o?.kind));
    const argsOf = (objects: KubernetesObject[]) => (objects.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template.spec!.containers[0]!.args!;
    const cases: { reason: string; values: string[]; has: string[]; lacks: string[] }[] = [
      { reason: 'one replica: leader election', values: [], has: ['--leader-elect'], lacks: ['--sharded', '--providers'] },
      { reason: 'replicas without sharding: leader election', values: ['replicaCount=3'], has: ['--leader-elect'], lacks: ['--sharded'] },
      { reason: 'replicas with sharding: sharded', values: ['replicaCount=3', 'sharding.enabled=true'], has: ['--sharded'], lacks: ['--leader-elect'] },
      { reason: 'sharding asked for one replica: nothing to share, leader election', values: ['sharding.enabled=true'], has: ['--leader-elect'], lacks: ['--sharded'] },
      { reason: 'plugins: --providers, only when set', values: ['providers={powerdns,acme}'], has: ['--providers=powerdns,acme'], lacks: [] },
      { reason: 'one watched namespace', values: ['operator.watchNamespace=team-a'], has: ['--namespace=team-a'], lacks: [] },
      { reason: 'watched namespaces', values: ['watchNamespaces={team-a,team-b}'], has: ['--namespace=team-a,team-b'], lacks: [] },
      { reason: 'every namespace by default', values: [], has: [], lacks: ['--namespace'] },
      { reason: 'credentials Secrets only in the release namespace by default', values: [], has: [`--credentials-namespaces=${release.namespace}`], lacks: [] },
      { reason: 'credentials namespaces the admin lists', values: ['credentialsNamespaces={mooring-system,platform-creds}'], has: ['--credentials-namespaces=mooring-system,platform-creds'], lacks: [] },
    ];
    for (const c of cases) {
      const args = argsOf(render(...c.values));
      for (const flag of c.has) assert.ok(args.includes(flag), `${c.reason}: ${flag} in ${args.join(' ')}`);
      for (const flag of c.lacks) assert.ok(!args.some((a) => a.startsWith(flag)), `${c.reason}: no ${flag} in ${args.join(' ')}`);
    }
    const extras = render('metrics.serviceMonitor.enabled=true', 'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::123456789012:role/mooring');
    assert.ok(extras.some((o) => o.kind === 'ServiceMonitor'));
    assert.equal(extras.find((o) => o.kind === 'ServiceAccount')!.metadata!.annotations!['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/mooring');
    assert.ok(!rendered.some((o) => o.kind === 'ServiceMonitor'), 'no ServiceMonitor by default');
  });

  it('applies server-side to the real apiserver', async () => {
    await applyObjects(admin, rendered, 'helm-test');
    await waitForCrds(admin, rendered.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata!.name!));
    const role = await admin.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name: fullname });
    assert.ok(role.rules?.some((r) => r.resources?.includes('buckets/status')));
  });

  it('gives the operator, under its own ServiceAccount token, what the main cases need', async () => {
    const { status } = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({ name: fullname, namespace: release.namespace, body: { spec: { expirationSeconds: 3600 } } });
    assert.ok(status?.token, 'TokenRequest returned a token');
    operatorKc = tokenKubeconfig(admin, status.token);
    operatorKubeconfig = join(stack().dir, `${release.name}.kubeconfig`);
    writeFileSync(operatorKubeconfig, operatorKc.exportConfig(), { mode: 0o600 });
    ns = await createNamespace(admin);
    operator = startOperator();
    await Promise.all([bucketCase(), dnsRecordCase(), databaseCase()]);
    // The chart's default is leader election, on a Lease in the release namespace (the Role).
    const lease = await admin.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: fullname, namespace: release.namespace });
    assert.equal(lease.spec?.holderIdentity, 'pod-0');
  });

  it('refuses calls outside the role', async () => {
    const core = operatorKc.makeApiClient(CoreV1Api);
    await assert.rejects(core.listPodForAllNamespaces(), (err: { code?: number }) => err.code === 403);
    await assert.rejects(core.deleteNamespacedSecret({ namespace: 'default', name: 'anything' }), (err: { code?: number }) => err.code === 403);
    // ConfigMaps are read where references may name them (every namespace, in this install) and
    // written only as exports: never deleted.
    await assert.rejects(core.deleteNamespacedConfigMap({ namespace: 'kube-system', name: 'anything' }), (err: { code?: number }) => err.code === 403);
    await assert.rejects(operatorKc.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: 'kube-system' }), (err: { code?: number }) => err.code === 403);
    await assert.rejects(operatorKc.makeApiClient(RbacAuthorizationV1Api).listClusterRole(), (err: { code?: number }) => err.code === 403);
    // Secrets are listed only where credentials live; connection Secrets are read one by one.
    await assert.rejects(core.listSecretForAllNamespaces(), (err: { code?: number }) => err.code === 403);
    await assert.rejects(core.listNamespacedSecret({ namespace: ns }), (err: { code?: number }) => err.code === 403);
    await core.listNamespacedSecret({ namespace: 'default' });
  });

  it('passes doctor\'s RBAC check for the ServiceAccount', () => {
    const out = spawnDoctor();
    assert.match(out, new RegExp(`ok {4}rbac +ServiceAccount ${release.namespace}/${fullname} may do all \\d+ things the operator does`));
  });

  it('stops on SIGTERM with exit code 0', async () => {
    operator!.kill('SIGTERM');
    const code = await new Promise((resolve) => operator!.once('exit', resolve));
    assert.equal(code, 0);
  });
});

/** The Deployment's own arguments, with the stack's kubeconfig, a free port and the test namespace. */
function startOperator(): ChildProcess {
  const deployment = rendered.find((o) => o.kind === 'Deployment') as V1Deployment;
  const container = deployment.spec!.template.spec!.containers[0]!;
  const log = join(stack().dir, `operator-${release.name}.log`);
  const args = [...container.args!, '--kubeconfig', operatorKubeconfig, '--namespace', ns, '--bind-address', '127.0.0.1:0', '--log-level', 'debug'];
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOORING_IDENTITY: 'pod-0' } });
  child.stdout.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
  child.stderr.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
  return child;
}

function spawnDoctor(): string {
  const result = spawnSync(process.execPath, [MAIN, 'doctor', '--kubeconfig', stack().kube!.kubeconfig, '--service-account', `${release.namespace}/${fullname}`, '--lease-namespace', release.namespace, '--credentials-namespaces', 'default', '--provider-config', 'none'], { encoding: 'utf8' });
  return result.stdout + result.stderr;
}

const ready = (plural: string, name: string, timeoutMs = 60_000) =>
  eventually(async () => {
    const o = await objects(admin, plural).get(ns, name);
    return condition(o, 'Ready')?.status === 'True' ? o : undefined;
  }, `${plural}/${name} Ready`, timeoutMs, async () => JSON.stringify((await objects(admin, plural).get(ns, name)).status));

const gone = (plural: string, name: string) => eventually(async () => (await objects(admin, plural).tryGet(ns, name)) === undefined, `${plural}/${name} deleted`, 60_000);

function awsClients() {
  const aws = stack().aws!;
  const config = { endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } };
  return { s3: new S3Client({ ...config, forcePathStyle: true }), r53: new Route53Client(config) };
}

async function bucketCase(): Promise<void> {
  const pc = await emulatorProviderConfig(admin, stack());
  const name = uniq('helm-bucket');
  await objects(admin, 'buckets').create(ns, name, { providerConfigRef: { name: pc }, versioning: true });
  await ready('buckets', name);
  const { s3 } = awsClients();
  await s3.send(new HeadBucketCommand({ Bucket: name }));
  await objects(admin, 'buckets').remove(ns, name);
  await gone('buckets', name);
  await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: name })), 'the bucket is gone');
}

async function dnsRecordCase(): Promise<void> {
  const pc = await emulatorProviderConfig(admin, stack());
  const { r53 } = awsClients();
  const zone = `${uniq('helm')}.test.`;
  const zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: uniq('ref') }))).HostedZone!.Id!;
  const name = uniq('www');
  await objects(admin, 'dnsrecords').create(ns, name, { providerConfigRef: { name: pc }, zone: { name: zone }, name, type: 'A', values: ['192.0.2.7'] });
  await ready('dnsrecords', name);
  const records = async () => (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
  assert.ok((await records()).some((r) => r.Name === `${name}.${zone}` && r.Type === 'A'));
  await objects(admin, 'dnsrecords').remove(ns, name);
  await gone('dnsrecords', name);
  assert.ok(!(await records()).some((r) => r.Name === `${name}.${zone}`), 'the record set is gone');
}

async function databaseCase(): Promise<void> {
  const pc = await postgresProviderConfig(admin, uniq('pg'), { url: stack().postgres!.url });
  const name = uniq('helm-db');
  await objects(admin, 'databases').create(ns, name, { providerConfigRef: { name: pc } });
  await ready('databases', name);
  const secret = await admin.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: `${name}-connection` });
  assert.ok(secret.data?.password, 'the connection Secret was written under the chart\'s role');
  await objects(admin, 'databases').remove(ns, name);
  await gone('databases', name);
}
