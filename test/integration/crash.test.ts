// A crash between the cloud's "created" and our record of it neither leaks nor duplicates: the
// operator (a real `mooring run` process) is SIGKILLed the moment the bucket appears in S3, and a
// fresh one finishes the job: exactly one bucket, ours, Ready.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetBucketTaggingCommand, HeadBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import type { KubeConfig } from '@kubernetes/client-node';
import { CREATE_PENDING, FINALIZER } from '../../src/reconcile/types.ts';
import { condition, emulatorS3, eventually, markOf, objects, prepare, uniq } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let s3: S3Client;
const children: ChildProcess[] = [];

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
  s3 = emulatorS3(stack());
});
after(() => {
  for (const child of children) child.kill('SIGKILL');
  s3?.destroy();
});

/** `mooring run` for this file's namespace (its key Secret there too, so both runs share it), its log appended to a file in the stack's folder. */
function startOperatorProcess(): ChildProcess {
  const log = createWriteStream(join(stack().dir, `operator-${ns}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [MAIN, 'run', '--kubeconfig', stack().kube!.kubeconfig, '--namespace', ns, '--lease-namespace', ns, '--log-level', 'debug', '--bind-address', '127.0.0.1:0', '--credentials-namespaces', 'default'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.push(child);
  return child;
}

const exists = (bucket: string) => s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);

describe('operator crash', () => {
  it('killed right after CreateBucket and restarted: exactly one bucket, ours, Ready', async () => {
    const name = uniq('crash');
    const first = startOperatorProcess();
    const exited = new Promise((resolve) => first.once('exit', resolve));
    await objects(kc, 'buckets').create(ns, name, { providerConfigRef: { name: pc }, versioning: true, tags: { team: 'crash' } });
    // Poll S3 as fast as it answers, so the kill lands between CreateBucket and the rest.
    const deadline = Date.now() + 60_000;
    while (!(await exists(name))) assert.ok(Date.now() < deadline, 'the bucket was never created');
    first.kill('SIGKILL');
    await exited;
    const midway = await objects(kc, 'buckets').get(ns, name);
    assert.notEqual(condition(midway, 'Ready')?.status, 'True', 'killed before the operator could call it Ready');
    assert.ok(midway.metadata.annotations?.[CREATE_PENDING], 'killed while the create was recorded as pending');

    startOperatorProcess();
    const b = await eventually(async () => {
      const o = await objects(kc, 'buckets').get(ns, name);
      return condition(o, 'Ready')?.status === 'True' ? o : undefined;
    }, `Bucket ${name} Ready after the restart`, 60_000);
    // The record is void once status.lastChecked bears the create out (src/reconcile/pending.ts).
    const signedAt = Number(b.metadata.annotations?.[CREATE_PENDING]?.split('.')[1]);
    assert.ok(Date.parse(b.status?.lastChecked ?? '') >= signedAt, `the pending-create record is borne out: ${b.status?.lastChecked} ≥ ${signedAt}`);
    assert.ok(b.metadata.finalizers?.includes(FINALIZER));
    const all = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(all.filter((x) => x.Name?.startsWith('crash-')).map((x) => x.Name), [name], 'exactly one bucket');
    const tags = Object.fromEntries(((await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet ?? []).map((t): [string, string | undefined] => [t.Key ?? '', t.Value]));
    assert.deepEqual(tags, { team: 'crash', 'mooring.dev/owner': await markOf(kc, 'buckets', ns, name) });
  });
});
