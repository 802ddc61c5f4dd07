// Steady state: whole resync periods with nothing changing cost one observe per resource per
// resync and nothing else.
import { sleep, type Bench } from './context.ts';
import { sum, type BenchOperator } from './support.ts';

export async function steadyState(bench: Bench, operator: BenchOperator, resources: number, resyncS: number, periods = 3): Promise<void> {
  // Let the convergence's own requeues pass first.
  await sleep(resyncS * 1000);
  await bench.proxy.resetStats();
  const before = await operator.metrics();
  await sleep(periods * resyncS * 1000);
  const after = await operator.metrics();
  const stats = await bench.proxy.stats();
  const delta = (name: string, ...labels: string[]) => sum(after, name, ...labels) - sum(before, name, ...labels);
  const writes = ['create', 'update', 'delete', 'setCredentials'].reduce((n, op) => n + delta('mooring_adapter_calls_total', `operation="${op}"`), 0);
  const observes = delta('mooring_adapter_calls_total', 'operation="observe"');
  bench.row(`steady state, ${resources} Buckets over ${periods} resyncs: cloud writes`, String(writes), 'goal 0');
  bench.row('steady state: observes per resource per resync', (observes / (resources * periods)).toFixed(2), `goal 1; ${((stats.byAction.s3 ?? 0) / (resources * periods)).toFixed(1)} S3 reads each`);
  bench.row('steady state: status writes', String(delta('mooring_kube_writes_total', 'what="status"')), 'goal 0');
}
