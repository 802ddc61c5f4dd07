// The chart's namespace-scoped install on the real apiserver, and what breaks without each of its
// rules. The chart is rendered with two watched namespaces and a credentials namespace of its own;
// the operator runs with the Deployment's own arguments under the chart's ServiceAccount token
// (TokenRequest). Then each rule of src/operator/permissions.ts is taken out of the applied roles
// in turn: `mooring doctor`'s RBAC check names exactly that rule, and for the rules whose loss
// shows on the objects, the operator is watched failing the way docs/security.md says, then
// recovering once the rule is back.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, RbacAuthorizationV1Api, type KubernetesObject, type V1Deployment, type V1PolicyRule } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import { checkRbac } from '../../src/doctor/rbac.ts';
import { applyObjects, waitForCrds } from '../../src/kube/apply.ts';
import { OPERATOR_KEY_SECRET } from '../../src/kube/operator-key.ts';
import { RULES, namesOf, type PolicyRule } from '../../src/operator/permissions.ts';
import { Reason } from '../../src/reconcile/reasons.ts';
import { setup } from '../../src/stack/setup.ts';
import { condition, createCredentialsSecret, createNamespace, emulatorS3, eventually, GRANT_ALL, kubeConfig, objects, TEST_POLICY, uniq } from '../support/kube.ts';
import { renderChart, serviceAccountKubeconfig, spawnChartOperator, stopProcess } from '../support/chart.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'postgres']);
const release = { name: uniq('rbac'), namespace: uniq('rbac-op') };
const fullname = `${release.name}-mooring`;
const teamA = uniq('team-a');
const teamB = uniq('team-b');
const outside = uniq('outside');
const creds = uniq('creds');
const layout = { leaseNamespace: release.namespace, watchNamespaces: [teamA, teamB], credentialsNamespaces: [creds], serviceAccount: `${release.namespace}/${fullname}` };
let admin: KubeConfig;
let operatorKc: KubeConfig;
let operatorKubeconfig: string;
let rendered: KubernetesObject[];
let awsPc: string;
let pgPc: string;
const running: ChildProcess[] = [];
/** The operator the first tests start and the per-rule cases watch. */
let main: { child: ChildProcess; log: string };

type RoleObject = KubernetesObject & { rules?: V1PolicyRule[] };

const render = (values: string[]) => renderChart(release, values);

before(async () => {
  await stack.ready();
  await setup(['helm']);
  admin = kubeConfig(stack());
  for (const ns of [teamA, teamB, outside, creds]) await createNamespace(admin, ns);
  // The admission policy is test/integration/admission.test.ts's: here only RBAC is under test.
  rendered = render(['namespace.create=true', `watchNamespaces={${teamA},${teamB}}`, `credentialsNamespaces={${creds}}`, 'admissionPolicy.enabled=false']);
});

after(async () => {
  for (const child of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
});

/** The Deployment's own arguments, with a token kubeconfig and a free port; `extra` flags last (they win). */
function startOperator(tag: string, extra: string[] = []): { child: ChildProcess; log: string } {
  const log = join(stack().dir, `operator-${release.name}-${tag}.log`);
  const child = spawnChartOperator(rendered, operatorKubeconfig, log, extra, { MOORING_IDENTITY: `pod-${tag}` });
  running.push(child);
  return { child, log };
}

const stop = stopProcess;

async function providerConfigs(): Promise<void> {
  const info = stack();
  const api = admin.makeApiClient(CustomObjectsApi);
  const create = (name: string, spec: Record<string, unknown>) =>
    api.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'providerconfigs', body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name }, spec: { ...spec, grants: GRANT_ALL, policy: TEST_POLICY } } });
  awsPc = uniq('aws');
  await createCredentialsSecret(admin, info, creds, `${awsPc}-creds`);
  await create(awsPc, { type: 'aws', region: info.aws!.region, endpoint: info.aws!.endpoint, credentials: { source: 'Secret', secretRef: { namespace: creds, name: `${awsPc}-creds` } }, settings: { forcePathStyle: 'true' } });
  pgPc = uniq('pg');
  await admin.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: creds, body: { metadata: { name: `${pgPc}-admin` }, stringData: { url: info.postgres!.url } } });
  await create(pgPc, { type: 'postgres', credentials: { source: 'Secret', secretRef: { namespace: creds, name: `${pgPc}-admin` } } });
}

// --- the applied roles, and taking one rule out of them ---

const rbac = () => admin.makeApiClient(RbacAuthorizationV1Api);
const same = (a: string[] | undefined, b: string[] | undefined) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());

/** Whether an applied rule is the policy rule (its names as this layout narrows them). */
function isRule(applied: V1PolicyRule, rule: PolicyRule): boolean {
  const names = namesOf(rule, { operatorNamespace: release.namespace, watchNamespaces: layout.watchNamespaces, credentialsNamespaces: layout.credentialsNamespaces });
  return same(applied.apiGroups, rule.apiGroups) && same(applied.resources, rule.resources) && same(applied.verbs, rule.verbs) && same(applied.resourceNames, names);
}

const roles = () => rendered.filter((o): o is RoleObject => o.kind === 'ClusterRole' || o.kind === 'Role');

async function replaceRules(role: RoleObject, rules: V1PolicyRule[]): Promise<void> {
  const { name, namespace } = role.metadata!;
  if (role.kind === 'ClusterRole') {
    const live = await rbac().readClusterRole({ name: name! });
    await rbac().replaceClusterRole({ name: name!, body: { ...live, rules } });
  } else {
    const live = await rbac().readNamespacedRole({ name: name!, namespace: namespace! });
    await rbac().replaceNamespacedRole({ name: name!, namespace: namespace!, body: { ...live, rules } });
  }
}

async function doctorSays(): Promise<string> {
  const finding = await checkRbac(admin, layout);
  return finding.ok ? 'ok' : finding.detail;
}

/**
 * Runs `during` with `rule` taken out of every applied role, then puts it back. Doctor is asked
 * first: it must name this rule, and no other.
 */
async function withoutRule(id: string, during: () => Promise<void> = async () => {}): Promise<void> {
  const rule = RULES.find((r) => r.id === id)!;
  const holders = roles().filter((r) => r.rules?.some((applied) => isRule(applied, rule)));
  assert.ok(holders.length > 0, `rule ${id} is in some rendered role`);
  for (const role of holders) await replaceRules(role, role.rules!.filter((applied) => !isRule(applied, rule)));
  try {
    const said = await eventually(async () => {
      const message = await doctorSays();
      return message.includes(`rule ${id} (to ${rule.why})`) ? message : undefined;
    }, `doctor names rule ${id}`, 15_000, doctorSays);
    const others = RULES.filter((r) => r.id !== id && said.includes(`rule ${r.id} (`)).map((r) => r.id);
    assert.deepEqual(others, [], `doctor names only ${id}: ${said}`);
    assert.ok(said.includes(`without it ${rule.without}`), 'and says what breaks without it');
    await during();
  } finally {
    for (const role of holders) await replaceRules(role, role.rules!);
    await eventually(async () => (await doctorSays()) === 'ok', `rule ${id} back`, 15_000, doctorSays);
  }
}

const logHas = (log: string, text: string) => readFileSync(log, 'utf8').includes(text);

describe('a namespace-scoped install', () => {
  it('renders Roles in each watched and credentials namespace, and only cluster-scoped reads cluster-wide', () => {
    const found = (kind: string, namespace?: string) => roles().filter((r) => r.kind === kind && r.metadata?.namespace === namespace);
    const [clusterRole] = found('ClusterRole');
    assert.deepEqual(clusterRole!.rules!.flatMap((r) => r.resources).sort(), ['customresourcedefinitions', 'namespaces', 'namespaces', 'providerconfigs', 'providerconfigs/status']);
    assert.deepEqual(clusterRole!.rules!.find((r) => r.resources?.includes('namespaces'))!.resourceNames, [teamA, teamB], 'Namespaces only by name');
    for (const ns of [teamA, teamB]) {
      const [role] = found('Role', ns);
      assert.ok(role, `a Role in ${ns}`);
      const secrets = role.rules!.find((r) => r.resources?.includes('secrets'))!;
      assert.deepEqual(secrets.verbs, ['get', 'create', 'update'], 'connection Secrets: never listed or watched');
      assert.ok(role.rules!.some((r) => r.resources?.includes('buckets/status')));
    }
    assert.deepEqual(found('Role', creds)[0]!.rules, [{ apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] }]);
    assert.deepEqual(found('Role', outside), [], 'nothing in an unwatched namespace');
    const bindings = rendered.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata!.namespace).sort();
    assert.deepEqual(bindings, [creds, release.namespace, teamA, teamB].sort());
    const args = (rendered.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template.spec!.containers[0]!.args!;
    assert.ok(args.includes(`--namespace=${teamA},${teamB}`), args.join(' '));
  });

  it('runs the operator under the chart\'s RBAC: objects in the watched namespaces reach Ready, one outside is never seen', async () => {
    await applyObjects(admin, rendered, 'rbac-test');
    await waitForCrds(admin, rendered.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata!.name!));
    ({ kc: operatorKc, file: operatorKubeconfig } = await serviceAccountKubeconfig(admin, release, stack().dir));
    await providerConfigs();
    assert.equal(await doctorSays(), 'ok', 'doctor: the ServiceAccount may do everything, laid out as it runs');
    main = startOperator('main');
    const bucket = uniq('rbac-bucket');
    const db = uniq('rbac-db');
    const stray = uniq('stray');
    await objects(admin, 'buckets').create(outside, stray, { providerConfigRef: { name: awsPc } });
    await objects(admin, 'buckets').create(teamA, bucket, { providerConfigRef: { name: awsPc } });
    await objects(admin, 'databases').create(teamB, db, { providerConfigRef: { name: pgPc } });
    await ready('buckets', teamA, bucket);
    await ready('databases', teamB, db);
    const secret = await admin.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: teamB, name: `${db}-connection` });
    assert.ok(secret.data?.password, 'the connection Secret, written under the watched namespace\'s Role');
    await admin.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: release.namespace, name: OPERATOR_KEY_SECRET });
    const untouched = await objects(admin, 'buckets').get(outside, stray);
    assert.equal(untouched.status, undefined, 'an unwatched namespace\'s object has no status');
    assert.equal(untouched.metadata.finalizers, undefined, 'and no finalizer');
  });

  it('refuses the operator what it does not need: Secrets listed only in the credentials namespace, nothing outside', async () => {
    const core = operatorKc.makeApiClient(CoreV1Api);
    const forbidden = (err: { code?: number }) => err.code === 403;
    await assert.rejects(core.listNamespacedSecret({ namespace: teamA }), forbidden);
    await assert.rejects(core.listSecretForAllNamespaces(), forbidden);
    await assert.rejects(core.readNamespacedSecret({ namespace: outside, name: 'anything' }), forbidden);
    await assert.rejects(core.readNamespacedSecret({ namespace: creds, name: `${awsPc}-creds` }), forbidden, 'credentials are watched, never read one by one');
    await assert.rejects(core.readNamespacedSecret({ namespace: release.namespace, name: 'another-secret' }), forbidden, 'in its own namespace only the key Secret');
    await core.listNamespacedSecret({ namespace: creds });
    await assert.rejects(core.readNamespace({ name: outside }), forbidden);
    await core.readNamespace({ name: teamA });
    await assert.rejects(operatorKc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'buckets' }), forbidden);
    await assert.rejects(operatorKc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'buckets', namespace: outside }), forbidden);
    await assert.rejects(operatorKc.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name: fullname }), forbidden);
  });
});

const ready = (plural: string, ns: string, name: string, timeoutMs = 60_000) =>
  eventually(async () => {
    const o = await objects(admin, plural).get(ns, name);
    return condition(o, 'Ready')?.status === 'True' ? o : undefined;
  }, `${plural} ${ns}/${name} Ready`, timeoutMs, async () => JSON.stringify((await objects(admin, plural).get(ns, name)).status));

describe('without each rule', () => {
  it('status: the cloud asset is made, and the object never says so', async () => {
    const name = uniq('no-status');
    await withoutRule('status', async () => {
      await objects(admin, 'buckets').create(teamA, name, { providerConfigRef: { name: awsPc } });
      // The asset exists (the finalizer patch and the cloud create were allowed)...
      await eventually(async () => (await emulatorS3(stack()).send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false)), `bucket ${name} in S3`, 30_000);
      await eventually(async () => logHas(main.log, `"name":"${name}"`) && readFileSync(main.log, 'utf8').split('\n').some((l) => l.includes(name) && l.includes('status') && l.includes('403')), 'a refused status write in the log', 30_000);
      // ...and the object shows nothing.
      assert.equal((await objects(admin, 'buckets').get(teamA, name)).status?.conditions, undefined);
    });
    await ready('buckets', teamA, name);
  });

  it('connection-secrets: a Database\'s connection Secret is refused with KubeForbidden', async () => {
    const name = uniq('no-secret');
    await withoutRule('connection-secrets', async () => {
      await objects(admin, 'databases').create(teamB, name, { providerConfigRef: { name: pgPc } });
      const refused = await eventually(async () => {
        const o = await objects(admin, 'databases').get(teamB, name);
        return condition(o, 'Ready')?.reason === Reason.KubeForbidden ? o : undefined;
      }, `Database ${name} KubeForbidden`, 60_000, async () => JSON.stringify((await objects(admin, 'databases').get(teamB, name)).status));
      assert.match(condition(refused, 'Ready')!.message ?? '', /secrets/);
      await assert.rejects(admin.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: teamB, name: `${name}-connection` }), (err: { code?: number }) => err.code === 404);
    });
    await ready('databases', teamB, name);
  });

  it('crds: a deleted object keeps its finalizer and its cloud asset (the uninstall guard cannot ask)', async () => {
    const name = uniq('no-crd');
    await objects(admin, 'buckets').create(teamA, name, { providerConfigRef: { name: awsPc } });
    await ready('buckets', teamA, name);
    await withoutRule('crds', async () => {
      await objects(admin, 'buckets').remove(teamA, name);
      await eventually(async () => condition(await objects(admin, 'buckets').get(teamA, name), 'Ready')?.reason === Reason.KubeForbidden, `Bucket ${name} KubeForbidden on delete`, 60_000, async () => JSON.stringify((await objects(admin, 'buckets').tryGet(teamA, name))?.status));
      await emulatorS3(stack()).send(new HeadBucketCommand({ Bucket: name }));
    });
    await eventually(async () => (await objects(admin, 'buckets').tryGet(teamA, name)) === undefined, `Bucket ${name} deleted once the rule is back`, 90_000);
    await assert.rejects(emulatorS3(stack()).send(new HeadBucketCommand({ Bucket: name })), 'and its bucket with it');
  });

  it('events: objects still reach Ready, with no Events', async () => {
    const name = uniq('no-events');
    const events = async () => (await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: teamA, fieldSelector: `involvedObject.name=${name}` })).items;
    await withoutRule('events', async () => {
      await objects(admin, 'buckets').create(teamA, name, { providerConfigRef: { name: awsPc } });
      await ready('buckets', teamA, name);
      assert.deepEqual(await events(), []);
    });
    const other = uniq('with-events');
    await objects(admin, 'buckets').create(teamA, other, { providerConfigRef: { name: awsPc } });
    await ready('buckets', teamA, other);
    await eventually(async () => (await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: teamA, fieldSelector: `involvedObject.name=${other}` })).items.length > 0, 'Events again with the rule back', 15_000);
  });

  it('the operator stops with exit code 0', async () => {
    assert.equal(await stop(main.child), 0);
  });

  // Rules the operator needs before it reconciles anything: without one, a fresh operator never
  // gets to "caches synced; reconciling" (or never leads); with it back, the same process does.
  for (const id of ['credentials-secrets', 'namespaces', 'providerconfigs', 'managed', 'leases']) {
    it(`${id}: a fresh operator never starts reconciling, and does once the rule is back`, async () => {
      let started: { child: ChildProcess; log: string } | undefined;
      await withoutRule(id, async () => {
        started = startOperator(id);
        await eventually(async () => readFileSync(started!.log, 'utf8').includes('403'), `${id}: a refused request in the log`, 30_000);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        assert.ok(!logHas(started.log, 'caches synced; reconciling'), `${id}: no reconciling without the rule`);
      });
      await eventually(async () => logHas(started!.log, 'caches synced; reconciling'), `${id}: reconciling once the rule is back`, 30_000, async () => readFileSync(started!.log, 'utf8').split('\n').slice(-5).join('\n'));
      assert.equal(await stop(started!.child), 0);
    });
  }

  // The rest: doctor names each one (their effects are in docs/security.md).
  for (const rule of RULES.filter((r) => !['status', 'connection-secrets', 'crds', 'events', 'credentials-secrets', 'namespaces', 'providerconfigs', 'managed', 'leases'].includes(r.id))) {
    it(`${rule.id}: doctor names it`, () => withoutRule(rule.id));
  }
});
