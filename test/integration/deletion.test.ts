// Deletion you can see (issue 10): while a Bucket is emptied, status shows what is left after each
// step, as numbers (atProvider.versionsLeft, objectsLeft) and as the DELETION column of a plain
// `kubectl get`. The operator runs with small delete steps (100 versions a call), so emptying 1,000
// versions takes ten passes; it is stopped mid-way to read the column at leisure, and a fresh
// operator finishes the job from where the first stopped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { BucketConnector } from '../../providers/aws/index.ts';
import { GROUP, VERSION } from '../../src/api/common.ts';
import { builtinProviders } from '../../src/operator/builtin.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { binaries } from '../../src/stack/versions.ts';
import { condition, emulatorS3, eventually, objects, prepare, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let s3: S3Client;
const running: RunningOperator[] = [];
const buckets = () => objects(kc, 'buckets');

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
  s3 = emulatorS3(stack());
});
after(async () => {
  for (const o of running) await o.stop();
  s3?.destroy();
});

/** The operator with S3 delete steps of 100 versions, counting everything left after each. */
async function smallStepOperator(): Promise<RunningOperator> {
  const providers = builtinProviders().map((p) => (p.type === 'aws' ? { ...p, kinds: { ...p.kinds, Bucket: new BucketConnector({ pageSize: 100, pagesPerCall: 1, countPages: 30 }) } } : p));
  const operator = await startOperator(stack(), { namespace: ns, providers });
  running.push(operator);
  return operator;
}

/** Every atProvider the apiserver stores for one Bucket, from a watch (no write is missed). */
async function watchAtProvider(name: string, seen: Record<string, unknown>[]): Promise<{ abort(): void }> {
  return new Watch(kc).watch(`/apis/${GROUP}/${VERSION}/namespaces/${ns}/buckets`, { fieldSelector: `metadata.name=${name}` }, (_type, object: ManagedObject) => {
    if (object.status?.atProvider) seen.push(object.status.atProvider);
  }, () => undefined);
}

describe('deletion you can see', () => {
  it('a Bucket emptied over many passes shows versions and objects left in status and in kubectl get', async () => {
    const first = await smallStepOperator();
    const name = uniq('emptying');
    await buckets().create(ns, name, { providerConfigRef: { name: pc }, versioning: true, emptyOnDelete: true });
    await eventually(async () => condition(await buckets().get(ns, name), 'Ready')?.status === 'True', `Bucket ${name} Ready`);
    // 500 keys written twice: 1,000 versions, ten delete steps.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 500; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => s3.send(new PutObjectCommand({ Bucket: name, Key: `k/${i + j}`, Body: `v${round}` }))));
      }
    }
    const seen: Record<string, unknown>[] = [];
    const watch = await watchAtProvider(name, seen);
    try {
      await buckets().remove(ns, name);
      await eventually(async () => seen.filter((a) => typeof a.versionsLeft === 'number').length >= 2, 'two delete steps recorded in status', 60_000);
      await first.stop();
      running.splice(running.indexOf(first), 1);

      const midway = await buckets().get(ns, name);
      assert.equal(condition(midway, 'Progressing')?.reason, 'Deleting');
      const left = midway.status?.atProvider?.versionsLeft as number;
      assert.ok(left > 0 && left < 1000, `versions left mid-way: ${left}`);
      // S3 lists a key's versions together, so steps remove whole keys: two versions each.
      assert.equal(midway.status?.atProvider?.objectsLeft, Math.ceil(left / 2), 'objects left: the keys with versions left');
      const out = execFileSync(binaries().kubectl, ['--kubeconfig', stack().kube!.kubeconfig, 'get', 'buckets', '-n', ns, name], { encoding: 'utf8' });
      const [header, row] = out.trim().split('\n');
      assert.match(header!, /\bDELETION\b/, out);
      assert.match(row!, new RegExp(`${left} object versions and delete markers \\(\\d+ objects\\) left`), out);

      await smallStepOperator();
      await eventually(async () => (await buckets().tryGet(ns, name)) === undefined, 'Bucket object gone after the restart', 120_000);
      assert.equal(await s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false), false, 'the S3 bucket is gone');
      const counts = seen.map((a) => a.versionsLeft).filter((n): n is number => typeof n === 'number');
      assert.ok(counts.length >= 5, `many steps, each recorded: ${counts.join(', ')}`);
      assert.ok(counts.every((n, i) => i === 0 || n <= counts[i - 1]!), `the count only goes down: ${counts.join(', ')}`);
    } finally {
      watch.abort();
    }
  });

  it('a delete held by BucketNotEmpty goes within 60 s of the user emptying the bucket (a steady poll, not the failure backoff)', async () => {
    for (const o of running.splice(0)) await o.stop();
    // The operator's defaults: a 300 s resync and backoff maximum, the 30 s poll of a state that waits on the user.
    const operator = await startOperator(stack(), { namespace: ns });
    running.push(operator);
    const name = uniq('held');
    await buckets().create(ns, name, { providerConfigRef: { name: pc } });
    await eventually(async () => condition(await buckets().get(ns, name), 'Ready')?.status === 'True', `Bucket ${name} Ready`);
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'precious', Body: 'x' }));
    await buckets().remove(ns, name);
    await eventually(async () => condition(await buckets().get(ns, name), 'Degraded')?.reason === 'BucketNotEmpty', `Bucket ${name} Degraded/BucketNotEmpty`, 30_000);
    // Held long enough for a backoff to have grown past the poll, were it backed off.
    await new Promise((resolve) => setTimeout(resolve, 35_000));
    assert.equal(condition(await buckets().get(ns, name), 'Degraded')?.reason, 'BucketNotEmpty', 'still held while the object is there');
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'precious' }));
    const emptied = Date.now();
    await eventually(async () => (await buckets().tryGet(ns, name)) === undefined, 'Bucket gone within 60 s of being emptied', 60_000);
    assert.ok(Date.now() - emptied <= 60_000);
    assert.equal(await s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false), false, 'the S3 bucket is gone');
  });
});
