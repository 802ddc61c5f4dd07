// Memory with many objects in the watch cache. 10,000 Buckets made for real would take the
// emulator an hour, so they are paused (`mooring.dev/paused`): watched and cached like any other,
// never reconciled. When the resident set passes the goal, a heap snapshot says what holds it.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PAUSED } from '../src/reconcile/types.ts';
import { objects } from '../test/support/kube.ts';
import { sleep, type Bench } from './context.ts';
import { allGone, kubectl, pool, type BenchOperator } from './support.ts';

export async function cachedObjects(bench: Bench, operator: BenchOperator, count: number, goalMiB: number): Promise<void> {
  const api = objects(bench.kc, 'buckets');
  const names = Array.from({ length: count }, (_, i) => `cached-${i}`);
  await pool(names, 16, async (name) => {
    await api.create(bench.ns, name, { providerConfigRef: { name: bench.pc }, tags: { bench: 'yes', owner: 'team-platform', 'cost-center': '1234' } }, {
      labels: { 'bench-set': 'cached' },
      annotations: { [PAUSED]: 'true' },
    });
  });
  await sleep(10_000); // the watch delivers them; let the heap settle
  const rss = operator.rssMiB();
  bench.row(`memory with ${count.toLocaleString('en')} Buckets cached (RSS)`, `${rss} MiB`, `paused: cached, not reconciled; goal ${goalMiB} MiB; ${await operator.heap()}`);
  if (rss > goalMiB) bench.row('top of the heap (self size by constructor)', await topOfHeap(operator), 'heap snapshot taken when the goal is missed');
  kubectl(bench.info, bench.dir, ['delete', 'buckets', '-l', 'bench-set=cached', '-n', bench.ns, '--wait=false']);
  await allGone(bench.kc, bench.ns, 'buckets', { labelSelector: 'bench-set=cached' });
}

/** Asks the operator (run with --heapsnapshot-signal=SIGUSR2) for a snapshot and sums it by constructor. */
async function topOfHeap(operator: BenchOperator): Promise<string> {
  const before = new Set(snapshots(operator.cwd));
  operator.process.kill('SIGUSR2');
  let file: string | undefined;
  for (let i = 0; i < 120 && !file; i++) {
    await sleep(1000);
    file = snapshots(operator.cwd).find((f) => !before.has(f));
  }
  if (!file) return 'no snapshot written';
  await sleep(3000); // written in one go, but give it time to finish
  const path = join(operator.cwd, file);
  const snapshot = JSON.parse(readFileSync(path, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  rmSync(path);
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const bySize = new Map<string, number>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? '?';
    // Objects by constructor; strings, code and the rest by type (their "names" are contents).
    const name = type === 'object' ? (snapshot.strings[snapshot.nodes[i + nameAt]!] ?? '?') : `(${type})`;
    bySize.set(name, (bySize.get(name) ?? 0) + snapshot.nodes[i + sizeAt]!);
  }
  return [...bySize].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, size]) => `${name.slice(0, 30).replace(/\|/g, '/')} ${(size / 1048576).toFixed(0)} MiB`).join(', ');
}

const snapshots = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));

export const HEAP_SNAPSHOT_FLAG = '--heapsnapshot-signal=SIGUSR2';
