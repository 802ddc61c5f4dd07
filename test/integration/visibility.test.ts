// Plan before change, drift shown before it is corrected, fields another system owns, and refresh
// on demand (issue 10), on the real apiserver and S3 emulator. The operator's resync is left at its
// five-minute default, so every observe these tests see was asked for (a spec change or a refresh
// request), and what S3 holds is read through S3 itself, never through the adapter.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetBucketTaggingCommand, GetBucketVersioningCommand, HeadBucketCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { REFRESH_REQUESTED_AT } from '../../src/api/common.ts';
import { FINALIZER, type ManagedObject } from '../../src/reconcile/types.ts';
import { condition, emulatorS3, eventually, markOf, objects, prepare, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let s3: S3Client;
let operator: RunningOperator;
const buckets = () => objects(kc, 'buckets');

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
  s3 = emulatorS3(stack());
  operator = await startOperator(stack(), { namespace: ns });
});
after(async () => {
  await operator?.stop();
  s3?.destroy();
});

/** `mooring ARGS…` as its own process: exit code and output. */
async function mooring(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [MAIN, ...args, '--kubeconfig', stack().kube!.kubeconfig], { encoding: 'utf8' });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const until = (name: string, what: string, check: (b: ManagedObject) => boolean, timeoutMs = 30_000) =>
  eventually(async () => {
    const b = await buckets().get(ns, name);
    return check(b) ? b : undefined;
  }, `Bucket ${name}: ${what}`, timeoutMs, async () => JSON.stringify((await buckets().get(ns, name)).status));

const ready = (name: string) => until(name, 'Ready', (b) => condition(b, 'Ready')?.status === 'True' && b.status?.observedGeneration === b.metadata.generation);
const exists = (bucket: string) => s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
const tagsOf = async (bucket: string) =>
  Object.fromEntries(((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t): [string, string | undefined] => [t.Key ?? '', t.Value]));
const putTags = (bucket: string, tags: Record<string, string>) =>
  s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } }));

async function eventsOf(name: string): Promise<{ reason: string; message: string }[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '' }));
}

/** Sets the refresh annotation the way `mooring refresh` does, and waits until it is handled. */
async function refreshed(name: string): Promise<ManagedObject> {
  const { code, out } = await mooring('refresh', `bucket/${name}`, '-n', ns, '--wait');
  assert.equal(code, 0, out);
  return buckets().get(ns, name);
}

describe('managementPolicy Plan', () => {
  it('plans a create, makes nothing, and Full then makes exactly it', async () => {
    const name = uniq('plan');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, managementPolicy: 'Plan', versioning: true, tags: { team: 'a' } });
    const b = await until(name, 'planned', (o) => condition(o, 'Ready')?.reason === 'Planned');
    const [call] = b.status?.plan as { operation: string; fields: { path: string; new?: string }[] }[];
    assert.equal(call?.operation, 'create');
    assert.deepEqual(call.fields.filter((f) => ['tags.team', 'versioning'].includes(f.path)), [{ path: 'tags.team', new: '"a"' }, { path: 'versioning', new: 'true' }]);
    assert.ok(call.fields.some((f) => f.path === 'publicAccessBlock.blockPublicAcls'), 'the defaults the apiserver filled in are part of the plan');
    assert.equal(await exists(name), false, 'S3 has no such bucket: nothing was created');
    assert.ok(!(b.metadata.finalizers ?? []).includes(FINALIZER), 'no finalizer on what Plan never deletes');
    await buckets().patchSpec(ns, name, { ...b.spec, managementPolicy: 'Full' });
    const made = await ready(name);
    assert.equal(made.status?.plan, undefined, 'the plan is cleared under Full');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
  });

  it('plans an update with each field old → new, leaving the bucket as it is', async () => {
    const name = uniq('plan-upd');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
    const b = await ready(name);
    await buckets().patchSpec(ns, name, { ...b.spec, managementPolicy: 'Plan', tags: { team: 'b', env: 'dev' } });
    const planned = await until(name, 'planned', (o) => condition(o, 'Ready')?.reason === 'Planned' && o.status?.observedGeneration === o.metadata.generation);
    assert.deepEqual(planned.status?.plan, [{ operation: 'update', fields: [{ path: 'tags.env', new: '"dev"' }, { path: 'tags.team', old: '"a"', new: '"b"' }] }]);
    assert.deepEqual(await tagsOf(name), { team: 'a', 'mooring.dev/owner': await markOf(kc, 'buckets', ns, name) }, 'S3 unchanged');
  });

  it('mooring plan -f prints the calls for a manifest before it is applied, and stores nothing', async () => {
    const fresh = uniq('cli-new');
    const existing = uniq('cli-old');
    await buckets().create(ns, existing, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
    await ready(existing);
    const file = join(stack().dir, `${fresh}.yaml`);
    const doc = (name: string, spec: string) => `apiVersion: mooring.dev/v1alpha1\nkind: Bucket\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  providerConfigRef: {name: ${pc}}\n${spec}`;
    writeFileSync(file, [doc(fresh, '  versioning: true\n'), doc(existing, '  tags: {team: b}\n'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: skipped}\n'].join('---\n'));
    const { code, out } = await mooring('plan', '-f', file);
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`Bucket ${ns}/${fresh}: create\\n(.*\\n)*  \\+ versioning = true`));
    assert.match(out, new RegExp(`Bucket ${ns}/${existing}: update\\n  ~ tags.team: "a" → "b"`));
    assert.equal(await buckets().tryGet(ns, fresh), undefined, 'the dry run stored nothing');
    assert.equal(await exists(fresh), false, 'nothing created in S3');
    assert.equal((await tagsOf(existing)).team, 'a', 'nothing changed in S3');
    assert.equal((await buckets().get(ns, existing)).metadata.generation, 1, 'the stored object is unchanged');

    writeFileSync(file, doc(fresh, '  externalName: Not_A_Bucket\n'));
    const refused = await mooring('plan', '-f', file);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /refused — the apiserver refuses it: .*externalName/);
  });
});

describe('drift made visible, ignoreChanges', () => {
  it('an out-of-band change is reported (condition, Event) and corrected; a change on an ignored path stays', async () => {
    const name = uniq('drift');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' }, ignoreChanges: ['tags.cost-center'] });
    const before = await ready(name);
    assert.equal(condition(before, 'Drifted')?.status, 'False');
    await putTags(name, { team: 'intruder', 'cost-center': 'finops', 'mooring.dev/owner': await markOf(kc, 'buckets', ns, name) });
    const b = await refreshed(name);
    assert.deepEqual(await tagsOf(name), { team: 'a', 'cost-center': 'finops', 'mooring.dev/owner': await markOf(kc, 'buckets', ns, name) }, 'team restored, cost-center kept');
    const drifted = condition(b, 'Drifted')!;
    assert.deepEqual([drifted.status, drifted.reason], ['False', 'DriftCorrected']);
    assert.match(drifted.message, /tags\.team: "intruder" → "a"/);
    assert.doesNotMatch(drifted.message, /cost-center/, 'the ignored path is not reported');
    assert.ok(Date.parse(drifted.lastTransitionTime) > Date.parse(condition(before, 'Drifted')!.lastTransitionTime), 'it went True and back');
    const events = await eventually(async () => {
      const all = await eventsOf(name);
      return all.some((e) => e.reason === 'DriftDetected') ? all : undefined;
    }, 'a DriftDetected Event');
    assert.match(events.find((e) => e.reason === 'DriftDetected')!.message, /tags\.team: "intruder" → "a"/);
    assert.ok(events.some((e) => e.reason === 'DriftCorrected'));

    // Another refresh with nothing drifted keeps the corrected record and changes no tag.
    const again = await refreshed(name);
    assert.equal(condition(again, 'Drifted')?.reason, 'DriftCorrected');
    assert.equal((await tagsOf(name))['cost-center'], 'finops');
  });

  it('ObserveOnly shows the drift as Drifted=True and leaves it', async () => {
    const name = uniq('drift-obs');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
    const b = await ready(name);
    await buckets().patchSpec(ns, name, { ...b.spec, managementPolicy: 'ObserveOnly' });
    await until(name, 'observed', (o) => condition(o, 'Ready')?.reason === 'Observed');
    await putTags(name, { team: 'intruder', 'mooring.dev/owner': await markOf(kc, 'buckets', ns, name) });
    const seen = await refreshed(name);
    assert.equal(condition(seen, 'Drifted')?.status, 'True');
    assert.match(condition(seen, 'Drifted')!.message, /tags\.team: "intruder" → "a" \(ObserveOnly: not corrected\)/);
    assert.equal((await tagsOf(name)).team, 'intruder');
  });
});

describe('refresh on demand', () => {
  it('mooring refresh observes and reconciles at once (not at the resync) and records the request in status', async () => {
    const name = uniq('refresh');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
    await ready(name);
    await putTags(name, { team: 'intruder', 'mooring.dev/owner': await markOf(kc, 'buckets', ns, name) });
    const b = await refreshed(name);
    const requested = b.metadata.annotations?.[REFRESH_REQUESTED_AT];
    assert.ok(requested && b.status?.lastRefresh === requested, 'status.lastRefresh is the handled request');
    assert.equal((await tagsOf(name)).team, 'a', 'corrected by the refresh, five minutes before the resync would have');
  });

  it('refuses a target it cannot name', async () => {
    const { code, out } = await mooring('refresh', 'nosuchkind/x', '-n', ns);
    assert.equal(code, 2);
    assert.match(out, /KIND\/NAME[\s\S]*mooring refresh --help/);
  });
});
