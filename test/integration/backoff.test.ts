// The failure backoff as the cloud sees it (issue 16, item 6): objects failing together must not
// come back together, and conflicts count in the same backoff, from a step set by --backoff-base.
// A fault proxy of this file's own (other files share the stack's) refuses S3's writes and journals
// when each bucket's CreateBucket arrived; the gaps between a bucket's attempts are the backoff.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { FaultProxy, type Faults } from '../../src/stack/faultproxy.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, installCrds, kubeConfig, objects, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const BASE_MS = 4_000;
const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let proxy: FaultProxy;
let operator: RunningOperator;
const buckets = () => objects(kc, 'buckets');

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  proxy = await FaultProxy.start(stack().aws!.endpoint);
  pc = await emulatorProviderConfig(kc, stack(), uniq('backoff'), { endpoint: proxy.endpoint });
  operator = await startOperator(stack(), { namespace: ns, backoffBaseMs: BASE_MS, concurrency: 16 });
});
after(async () => {
  await operator?.stop();
  await proxy?.stop();
});

/** Each bucket's CreateBucket attempts (a PUT of the bucket itself, `/<bucket>/`), as arrival times in ms. */
function attempts(names: string[]): Map<string, number[]> {
  const byBucket = new Map(names.map((n) => [n, [] as number[]]));
  for (const r of proxy.requests()) if (r.method === 'PUT' && r.action === 's3') byBucket.get(r.path.split('/')[1] ?? '')?.push(r.at);
  return byBucket;
}

/** Creates `n` Buckets under `faults` until each has been tried `tries` times; then lets them through to Ready. */
async function refusedTogether(prefix: string, n: number, faults: Faults, tries: number): Promise<number[][]> {
  proxy.resetStats();
  proxy.configure(faults);
  const names = Array.from({ length: n }, (_, i) => `${uniq(prefix)}-${i}`);
  await Promise.all(names.map((name) => buckets().create(ns, name, { providerConfigRef: { name: pc } })));
  const tried = await eventually(async () => {
    const byBucket = attempts(names);
    return [...byBucket.values()].every((t) => t.length >= tries) ? byBucket : undefined;
  }, `every bucket tried ${tries} times`, 120_000, async () => JSON.stringify([...attempts(names)].map(([k, t]) => [k, t.length])));
  proxy.configure({});
  for (const name of names) await eventually(async () => condition(await buckets().get(ns, name), 'Ready')?.status === 'True', `Bucket ${name} Ready once let through`, 60_000);
  return [...tried.values()].map((t) => t.slice(1, tries).map((at, i) => at - (t[i] ?? 0)));
}

const REFUSE_PUTS = (status: number, code?: string): Faults => ({ serverError: { apis: ['s3'], methods: ['PUT'], count: 1_000_000, status, ...(code ? { code } : {}) } });

describe('the failure backoff, jittered and counting conflicts', () => {
  it('objects refused together come back spread out: each first retry between half and all of --backoff-base, not all at once', async () => {
    const gaps = await refusedTogether('together', 24, REFUSE_PUTS(503), 3);
    const first = gaps.map((g) => g[0] ?? 0);
    const second = gaps.map((g) => g[1] ?? 0);
    // Never sooner than half the step (the jitter's floor); processing only adds to a gap.
    for (const g of first) assert.ok(g >= BASE_MS / 2 - 50, `a first retry after ${g} ms, under half of ${BASE_MS}: ${first.join(", ")}`);
    for (const g of second) assert.ok(g >= BASE_MS - 50, `the second retry waits half of twice the base at least, got ${g} ms: ${second.join(", ")}`);
    // Without jitter every first gap is the whole base plus processing (a pass, its status write), never
    // less; with it, half to all of the base plus processing, so many are under the base.
    const early = first.filter((g) => g < BASE_MS).length;
    assert.ok(early >= first.length / 4, `only ${early} of ${first.length} first retries came before the whole base: ${first.join(", ")}`);
  });

  it('conflicts retry from a tenth of --backoff-base and grow in the same backoff, so a key that keeps conflicting backs off too', async () => {
    const gaps = await refusedTogether('conflict', 6, REFUSE_PUTS(409, 'OperationAborted'), 5);
    for (const g of gaps) {
      const [c1 = 0, , , c4 = 0] = g;
      // A first step of a tenth of the base (jittered: 200–400 ms), far below a failure's 2–4 s.
      assert.ok(c1 >= BASE_MS / 20 - 50 && c1 < BASE_MS / 2, `the first conflict retry after ${c1} ms: ${g.join(", ")}`);
      // The fourth conflict in a row waits half of 8 × the tenth at least: counted, not a fixed short step.
      assert.ok(c4 >= (BASE_MS / 10) * 4 - 50, `the fourth conflict retry after only ${c4} ms: ${g.join(", ")}`);
    }
  });
});
