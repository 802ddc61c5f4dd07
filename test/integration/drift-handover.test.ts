// Drift made behind a Bucket's back, as the user sees it on the real apiserver and S3 emulator:
// Drifted=True (reason Drifted, the field named) and a DriftDetected Event while S3 still shows the
// drift, Drifted=False (DriftCorrected) and a DriftCorrected Event once S3 shows the correction,
// also when the correction fails in one operator and lands in the next (a restart, or a shard
// handed to another replica: a new process with nothing in memory). S3 is read straight from the
// emulator; the operator reaches it through the fault proxy, which refuses its writes when told.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetBucketTaggingCommand, PutBucketTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { REFRESH_REQUESTED_AT } from '../../src/api/common.ts';
import { FaultProxyClient } from '../../src/stack/faultproxy.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { condition, createNamespace, emulatorProviderConfig, emulatorS3, eventually, installCrds, kubeConfig, markOf, objects, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let s3: S3Client;
let proxy: FaultProxyClient;
let operator: RunningOperator | undefined;
const buckets = () => objects(kc, 'buckets');
/** S3's writes through the proxy answered 503 (SlowDown), however often the operator retries. */
const REFUSE_WRITES = { serverError: { apis: ['s3'], methods: ['PUT', 'DELETE'], count: 1_000_000 } };

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  const aws = stack().aws!;
  pc = await emulatorProviderConfig(kc, stack(), uniq('drift'), { endpoint: aws.proxyEndpoint });
  proxy = new FaultProxyClient(aws.proxyEndpoint!);
  s3 = emulatorS3(stack());
});
after(async () => {
  await operator?.stop();
  // On a shared stack the proxy serves other files too; a file run alone has stopped its stack by now.
  await proxy?.configure({}).catch(() => undefined);
  s3?.destroy();
});

const start = async () => (operator = await startOperator(stack(), { namespace: ns, backoffBaseMs: 500 }));
const stop = async () => {
  await operator?.stop();
  operator = undefined;
};
const until = (name: string, what: string, check: (b: ManagedObject) => boolean) =>
  eventually(async () => {
    const b = await buckets().get(ns, name);
    return check(b) ? b : undefined;
  }, `Bucket ${name}: ${what}`, 60_000, async () => JSON.stringify((await buckets().get(ns, name)).status));
const drifted = (b: ManagedObject) => condition(b, 'Drifted');
const team = async (bucket: string) => (await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet?.find((t) => t.Key === 'team')?.Value;
const putTeam = async (bucket: string, value: string) =>
  s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'team', Value: value }, { Key: 'mooring.dev/owner', Value: await markOf(kc, 'buckets', ns, bucket) }] } }));
const refresh = (name: string) => buckets().annotate(ns, name, { [REFRESH_REQUESTED_AT]: new Date().toISOString() });
const events = async (name: string) =>
  (await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => `${e.reason}: ${e.message}`);

/** A Ready bucket with `team: a`, drifted to `team: intruder` while the operator's writes are refused: Drifted=True. */
async function driftedWhileRefused(name: string): Promise<ManagedObject> {
  await start();
  await buckets().create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
  await until(name, 'Ready', (b) => condition(b, 'Ready')?.status === 'True');
  await proxy.configure(REFUSE_WRITES);
  await putTeam(name, 'intruder');
  await refresh(name);
  return until(name, 'Drifted=True, the correction refused', (b) => drifted(b)?.status === 'True' && condition(b, 'Degraded')?.status === 'True');
}

describe('the Drifted condition, across an operator restart', () => {
  it('drift whose correction fails stays Drifted=True; the next operator corrects it: Drifted=False, DriftCorrected, and the Events', async () => {
    const name = uniq('drift-handover');
    const seen = await driftedWhileRefused(name);
    assert.equal(drifted(seen)!.reason, 'Drifted');
    assert.match(drifted(seen)!.message, /tags\.team: "intruder" → "a"/);
    // Failed passes go on (backoff from 0.5 s); the condition must keep saying what S3 shows.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await team(name), 'intruder');
    const still = await buckets().get(ns, name);
    assert.deepEqual([drifted(still)?.status, drifted(still)?.reason], ['True', 'Drifted'], `nothing corrected, nothing claimed: ${JSON.stringify(drifted(still))}`);
    assert.ok(!(await events(name)).some((e) => e.startsWith('DriftCorrected')), 'no DriftCorrected Event while S3 shows the drift');
    assert.ok((await events(name)).some((e) => e.startsWith('DriftDetected') && e.includes('tags.team: "intruder" → "a"')));

    // Stopped with Drifted=True on the object; the writes are let through; a new operator takes over.
    await stop();
    await proxy.configure({});
    await start();
    const corrected = await until(name, 'Drifted=False', (b) => drifted(b)?.status === 'False' && condition(b, 'Ready')?.status === 'True');
    assert.equal(await team(name), 'a', 'S3 shows the correction');
    assert.deepEqual([drifted(corrected)!.reason, drifted(corrected)!.message], ['DriftCorrected', 'corrected: tags.team: "intruder" → "a"']);
    await eventually(async () => (await events(name)).some((e) => e.startsWith('DriftCorrected')), 'a DriftCorrected Event', 15_000);
    await stop();
  });

  it('a correction that landed before its operator stopped: the next one, finding Drifted=True and S3 as wanted, says DriftCorrected', async () => {
    const name = uniq('drift-landed');
    await driftedWhileRefused(name);
    await stop();
    await proxy.configure({});
    // What the stopped operator's last write did, had it landed just before it stopped.
    await putTeam(name, 'a');
    await start();
    const b = await until(name, 'Drifted=False', (o) => drifted(o)?.status === 'False');
    assert.deepEqual([drifted(b)!.reason, drifted(b)!.message], ['DriftCorrected', 'corrected: tags.team: "intruder" → "a"']);
    await stop();
  });
});
