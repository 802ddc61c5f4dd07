// A micro-benchmark of the work queue alone (no stack): keys added and handed to a handler that
// answers at once, spread over 1, 100 or 10,000 namespaces. `node bench/queue.ts`; prints the
// cost per key (add + dispatch + handler bookkeeping), best of five runs. `node bench/queue.ts 2000`:
// 2,000 keys instead of 200,000.
import { queueKey, WorkQueue } from '../src/runtime/queue.ts';

async function run(keys: number, namespaces: number): Promise<number> {
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((resolve) => (finish = resolve));
  const queue = new WorkQueue({
    concurrency: 4,
    handler: async () => {
      if (++done === keys) finish();
    },
  });
  const names = Array.from({ length: keys }, (_, i) => queueKey({ kind: 'Bucket', namespace: `ns-${i % namespaces}`, name: `b-${i}` }));
  const started = performance.now();
  for (const key of names) queue.add(key);
  queue.start();
  await all;
  const ms = performance.now() - started;
  await queue.shutdown();
  return (ms * 1e6) / keys;
}

const KEYS = Number(process.argv[2] ?? 200_000);
for (const namespaces of [1, 100, 10_000]) {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push(await run(KEYS, namespaces));
  console.log(`${KEYS} keys over ${String(namespaces).padStart(6)} namespaces: ${Math.min(...runs).toFixed(0)} ns per key`);
}
