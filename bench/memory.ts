// Memory: idle, with Buckets converged, and with many objects in the watch cache. 10,000 Buckets
// made for real would take the emulator an hour, so they are paused (`mooring.dev/paused`):
// watched and cached like any other, never reconciled. Each figure is printed beside its goal;
// when one is missed, the rows after it say where the memory is: the process's mappings, the heap
// by constructor (a heap snapshot) and the modules loaded by package.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PAUSED } from '../src/reconcile/types.ts';
import { objects } from '../test/support/kube.ts';
import { sleep, type Bench } from './context.ts';
import { describeFootprint, footprint } from './footprint.ts';
import { against, type Goal } from './goals.ts';
import { moduleLogFlag, modulesByPackage } from './modules.ts';
import { allGone, kubectl, pool, startBenchOperator, sum, type BenchOperator } from './support.ts';

export const HEAP_SNAPSHOT_FLAG = '--heapsnapshot-signal=SIGUSR2';

/** An operator whose memory is measured: it answers SIGUSR2 with a heap snapshot and logs its modules. */
export interface MemoryOperator extends BenchOperator {
  /** After its last figure: if a goal was missed, the heap by constructor (writing a snapshot grows the process, which would spoil any figure after it). */
  heapBreakdown(): Promise<void>;
  /** Stops it; if a goal was missed while it ran, adds the modules it loaded to the table. */
  finish(): Promise<void>;
  missed: boolean;
}

export async function startMemoryOperator(bench: Bench, id: string): Promise<MemoryOperator> {
  const log = join(bench.dir, `modules-${id}.txt`);
  const nodeArgs = [...bench.nodeArgs, HEAP_SNAPSHOT_FLAG, moduleLogFlag(log)];
  const operator = await startBenchOperator(bench.info, bench.ns, { id, args: bench.operatorArgs, nodeArgs });
  const memory: MemoryOperator = {
    ...operator,
    missed: false,
    heapBreakdown: async () => {
      if (memory.missed) bench.row('↳ top of the heap (self size by constructor)', await topOfHeap(operator), `operator "${id}" after its last figure: a heap snapshot`);
    },
    finish: async () => {
      await operator.stop();
      if (memory.missed) bench.row('↳ modules loaded, by package', modulesByPackage(readFileSync(log, 'utf8').split('\n')), `operator "${id}": source size of each package's files`);
    },
  };
  return memory;
}

/** Prints the resident set beside its goal; when missed, where it is (the heap and the modules follow, by heapBreakdown() and finish()). */
export async function memoryRow(bench: Bench, operator: MemoryOperator, what: string, goal: Goal, note: string): Promise<void> {
  const rss = operator.rssMiB();
  const verdict = against(goal, rss);
  bench.row(what, `${rss} MiB`, `${note}; ${await operator.heap()}`, verdict);
  if (verdict.met) return;
  operator.missed = true;
  bench.row('↳ resident set by mapping', describeFootprint(footprint(operator.process.pid!)), 'from /proc/PID/smaps');
}

/** `count` paused Buckets in the cache, with the heap each one costs. */
export async function cachedObjects(bench: Bench, operator: MemoryOperator, count: number, goal: Goal): Promise<void> {
  const api = objects(bench.kc, 'buckets');
  const heapUsed = async () => sum(await operator.metrics(), 'mooring_nodejs_heap_size_used_bytes');
  const before = await heapUsed();
  const names = Array.from({ length: count }, (_, i) => `cached-${i}`);
  await pool(names, 16, async (name) => {
    await api.create(bench.ns, name, { providerConfigRef: { name: bench.pc }, tags: { bench: 'yes', owner: 'team-platform', 'cost-center': '1234' } }, {
      labels: { 'bench-set': 'cached' },
      annotations: { [PAUSED]: 'true' },
    });
  });
  await sleep(10_000); // the watch delivers them; let the heap settle
  const perObject = ((await heapUsed()) - before) / count / 1024;
  await memoryRow(bench, operator, `memory with ${count.toLocaleString('en')} Buckets cached (RSS)`, goal, `paused: cached, not reconciled; about ${perObject.toFixed(1)} KiB of heap each`);
  await operator.heapBreakdown();
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
  const path = join(operator.cwd, file);
  // Written as the heap is walked, which on a busy machine pauses: read until it parses whole.
  let failure = '';
  for (let i = 0; i < 60; i++) {
    await sleep(2000);
    try {
      const sizes = summariseSnapshot(readFileSync(path, 'utf8'));
      rmSync(path);
      return bySize(sizes, 8);
    } catch (err) {
      failure = (err as Error).message;
    }
  }
  return `the snapshot could not be read: ${failure}`;
}

/** Self size by constructor for objects, by node type for the rest (strings, code, arrays). */
export function summariseSnapshot(text: string): Map<string, number> {
  const snapshot = JSON.parse(text) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const sizes = new Map<string, number>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? '?';
    // Objects by constructor; strings, code and the rest by type (their "names" are contents).
    const name = type === 'object' ? (snapshot.strings[snapshot.nodes[i + nameAt]!] ?? '?') : `(${type})`;
    sizes.set(name, (sizes.get(name) ?? 0) + snapshot.nodes[i + sizeAt]!);
  }
  return sizes;
}

export const bySize = (sizes: Map<string, number>, top: number) =>
  [...sizes].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, size]) => `${name.slice(0, 30).replace(/\|/g, '/')} ${(size / 1048576).toFixed(1)} MiB`).join(', ');

const snapshots = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
