// What the status and the Events say is what happened (issue 16, items 3 and 5), on the real
// apiserver and S3 emulator:
// - a spec change whose first update is throttled (a fault proxy of this file's own answers the
//   first S3 write with SlowDown) is the user's change on the retry, never drift;
// - a Plan whose update would touch 100 tags fits the schema: the status is written, and says how
//   many fields it does not list.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetBucketTaggingCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { FaultProxy } from '../../src/stack/faultproxy.ts';
import { condition, emulatorProviderConfig, emulatorS3, eventually, markOf, objects, prepare, uniq, waiters } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let proxied: string;
// A proxy of this file's own: the stack's shared one is configured by other files meanwhile.
let proxy: FaultProxy;
let s3: S3Client;
let operator: RunningOperator;
const buckets = () => objects(kc, 'buckets');
const wait = () => waiters(kc, 'buckets', ns);

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
  proxy = await FaultProxy.start(stack().aws!.endpoint);
  proxied = await emulatorProviderConfig(kc, stack(), uniq('proxied'), { endpoint: proxy.endpoint });
  s3 = emulatorS3(stack());
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 2, backoffBaseMs: 500 });
});
after(async () => {
  await operator?.stop();
  await proxy?.stop();
  s3?.destroy();
});

async function eventsOf(name: string): Promise<{ type: string; reason: string; message: string }[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '' }));
}

const tagsOf = async (bucket: string): Promise<Record<string, string | undefined>> =>
  Object.fromEntries(((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t): [string, string | undefined] => [t.Key ?? '', t.Value]));

describe('a failed update is not drift', () => {
  it("a Bucket's first update after a spec change is throttled: the retry applies it as an update, never DriftDetected", async () => {
    const name = uniq('throttled');
    await buckets().create(ns, name, { providerConfigRef: { name: proxied }, tags: { team: 'a' } });
    const first = await wait().ready(name);
    assert.equal(first.status?.convergedGeneration, 1);

    // Only writes: the observe after the spec change passes, the update it leads to is refused.
    proxy.configure({ throttle: { count: 1, apis: ['s3'], methods: ['PUT'] } });
    await buckets().patchSpec(ns, name, { ...first.spec, tags: { team: 'b' } });
    await eventually(async () => (proxy.stats().faults.Throttling ?? 0) === 1 || undefined, 'the first S3 write throttled', 20_000);
    const second = await wait().ready(name, 30_000);
    assert.equal(second.metadata.generation, 2);
    assert.equal(second.status?.convergedGeneration, 2);
    assert.equal((await tagsOf(name)).team, 'b');

    // A few resyncs later (2 s each), still nothing claims drift.
    await new Promise((r) => setTimeout(r, 5_000));
    const events = await eventsOf(name);
    assert.ok(events.some((e) => e.type === 'Warning'), `the throttled update was reported: ${JSON.stringify(events)}`);
    assert.ok(events.some((e) => e.reason === 'Updated'), `the change was an update: ${JSON.stringify(events)}`);
    assert.deepEqual(events.filter((e) => e.reason === 'DriftDetected' || e.reason === 'DriftCorrected'), [], 'no drift reported');
    const now = await buckets().get(ns, name);
    assert.deepEqual([condition(now, 'Drifted')?.status, condition(now, 'Drifted')?.reason], ['False', 'InSync']);
  });
});

describe('a plan beyond the schema', () => {
  it('a Plan Bucket whose update touches 100 tags writes its status, listing 63 and saying how many more', async () => {
    const name = uniq('many');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
    const made = await wait().ready(name);
    const mark = await markOf(kc, 'buckets', ns, name);
    await buckets().patchSpec(ns, name, { ...made.spec, managementPolicy: 'Plan' });
    const planned = (o: ManagedObject) => condition(o, 'Ready')?.reason === 'Planned' && o.status?.observedGeneration === o.metadata.generation;
    await eventually(async () => planned(await buckets().get(ns, name)) || undefined, 'planned, no changes', 20_000);

    // 100 tags behind its back (the emulator takes more than S3's 50), the mark kept.
    const extra = Array.from({ length: 100 }, (_, i) => ({ Key: `extra-${String(i).padStart(3, '0')}`, Value: 'x' }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'team', Value: 'a' }, { Key: 'mooring.dev/owner', Value: mark }, ...extra] } }));

    const b = await eventually(async () => {
      const o = await buckets().get(ns, name);
      return planned(o) && (o.status?.plan?.length ?? 0) > 0 ? o : undefined;
    }, 'a plan of the 100 tags', 30_000, async () => JSON.stringify((await buckets().get(ns, name)).status));
    const [call] = b.status!.plan!;
    assert.equal(call?.operation, 'update');
    assert.equal(call.fields.length, 64);
    assert.deepEqual(call.fields.slice(0, 63).map((f) => f.path), extra.slice(0, 63).map((t) => `tags.${t.Key}`));
    assert.deepEqual(call.fields[0], { path: 'tags.extra-000', old: '"x"' }, 'a removal: old, no new');
    assert.deepEqual(call.fields[63], { path: '(37 more fields not listed; 100 in all)' });
    assert.match(condition(b, 'Ready')!.message, /\(37 more fields not listed; 100 in all\)$/);
    assert.equal(Object.keys(await tagsOf(name)).length, 102, 'Plan changed nothing');
  });
});
