// Is memory growth garbage or retained? Runs the operator in this process (node --expose-gc),
// converges N Buckets, then forces GC and reports the live heap after each of several resyncs.
//   node --expose-gc bench/heap-probe.ts [N]
import { writeHeapSnapshot } from 'node:v8';
import { startStack, stackInfo } from '../src/stack/index.ts';
import { createNamespace, emulatorProviderConfig, installCrds, kubeConfig, objects } from '../test/support/kube.ts';
import { startOperator } from '../test/support/operator.ts';
import { allReady } from './support.ts';

const N = Number(process.argv[2] ?? 50);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const live = () => {
  gc();
  return Math.round(process.memoryUsage().heapUsed / 1048576);
};
const stack = await startStack({ components: ['kube', 'aws'] });
try {
  const info = stackInfo(stack);
  const kc = kubeConfig(info);
  await installCrds(kc);
  const ns = await createNamespace(kc, 'probe');
  const pc = await emulatorProviderConfig(kc, info);
  const operator = await startOperator(info, { namespace: ns, resyncSeconds: 5 });
  console.log(`idle: ${live()} MiB live`);
  for (let i = 0; i < N; i++) await objects(kc, 'buckets').create(ns, `probe-${i}-${ns}`, { providerConfigRef: { name: pc } });
  await allReady(kc, ns, 'buckets', N);
  console.log(`${N} Ready: ${live()} MiB live`);
  for (let round = 1; round <= 4; round++) {
    await new Promise((r) => setTimeout(r, 6_000));
    console.log(`after resync ${round}: ${live()} MiB live`);
  }
  if (process.env.SNAPSHOT) console.log(writeHeapSnapshot(process.env.SNAPSHOT));
  await operator.stop();
} finally {
  await stack.stop();
}
