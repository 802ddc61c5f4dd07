// Deadlines on the real stack: one ProviderConfig reaches S3 through a fault proxy that holds
// every S3 request open and never answers (a blackholed endpoint), another reaches the emulator
// directly. With one worker, a Bucket on the blackholed path reports CallTimeout in bounded time,
// its request is closed by the operator (not left to the SDK's 20 s timeout), and a Bucket on the
// healthy path queued behind it still converges. Stopping the operator aborts a call in flight.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { Reason } from '../../src/reconcile/reasons.ts';
import { FaultProxy } from '../../src/stack/faultproxy.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, objects, prepare, uniq, waiters } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let healthy: string;
let blackholed: string;
// A proxy of this file's own: the stack's shared one is configured by other files meanwhile.
let proxy: FaultProxy;
let operator: RunningOperator | undefined;
const CALL_TIMEOUT_MS = 2_000;

before(async () => {
  ({ kc, ns, pc: healthy } = await prepare(stack));
  proxy = await FaultProxy.start(stack().aws!.endpoint);
  proxy.configure({ hang: { apis: ['s3'] } });
  blackholed = await emulatorProviderConfig(kc, stack(), uniq('blackholed'), { endpoint: proxy.endpoint });
});
after(async () => {
  await operator?.stop();
  await proxy?.stop();
});

const buckets = () => waiters(kc, 'buckets', ns);
const items = () => objects(kc, 'buckets');

describe('adapter call deadlines', () => {
  it('a Bucket on a blackholed S3 reports CallTimeout in bounded time, its request is aborted, and the Bucket queued behind it converges', async () => {
    // One worker, backoff longer than the test: whatever converges was not waiting on a retry.
    operator = await startOperator(stack(), { namespace: ns, concurrency: 1, callTimeoutMs: CALL_TIMEOUT_MS, backoffBaseMs: 120_000 });
    const stuck = uniq('stuck');
    const fine = uniq('fine');
    const created = Date.now();
    await items().create(ns, stuck, { providerConfigRef: { name: blackholed } });
    // The one worker is inside the stuck Bucket's observe before the other Bucket exists.
    await eventually(async () => proxy.stats().held > 0, 'an S3 request held by the blackhole', 15_000);
    await items().create(ns, fine, { providerConfigRef: { name: healthy } });

    const degraded = await buckets().degraded(stuck, Reason.CallTimeout, 15_000);
    const tookMs = Date.now() - created;
    assert.ok(tookMs < 12_000, `CallTimeout within a bounded time (${tookMs} ms)`);
    assert.match(condition(degraded, 'Degraded')?.message ?? '', /the aws adapter's observe of bucket .* did not finish within 2 s/);
    assert.equal(condition(degraded, 'Ready')?.status, 'False');

    // The abort reached the SDK: the held request is closed now, long before its 20 s request timeout.
    await eventually(async () => proxy.stats().held === 0, 'the held S3 request closed by the operator', 3_000, async () => JSON.stringify(proxy.stats()));

    await buckets().ready(fine, 20_000);
  });

  it('stopping the operator aborts a call still in flight after the shutdown grace', async () => {
    await operator?.stop();
    operator = undefined;
    // A namespace of its own: the first test's Bucket on the blackhole would take the one worker.
    const own = await createNamespace(kc);
    // A call deadline far longer than the grace: only the stop can end the held call in time.
    const running = await startOperator(stack(), { namespace: own, concurrency: 1, callTimeoutMs: 60_000, shutdownGraceMs: 1_000, backoffBaseMs: 120_000 });
    const name = uniq('stopping');
    const before = proxy.stats().faults.hang ?? 0;
    await items().create(own, name, { providerConfigRef: { name: blackholed } });
    await eventually(async () => (proxy.stats().faults.hang ?? 0) > before && proxy.stats().held > 0, 'an S3 request held by the blackhole', 15_000);
    const started = Date.now();
    await running.stop();
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 6_000, `stopped within the grace and a little more (${tookMs} ms), not after the 60 s call deadline`);
    const stopped = await items().get(own, name);
    assert.equal(condition(stopped, 'Degraded')?.reason, Reason.OperatorStopping);
  });
});
