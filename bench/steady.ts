// Steady state: whole resync periods with nothing changing cost one observe per resource per
// resync and nothing else; and under the drift checks' read budget, an account's reads are a
// steady trickle at most the budget, the period stretched when the budget cannot cover it.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../src/api/common.ts';
import { DEFAULTS } from '../src/runtime/config.ts';
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
  bench.row('steady state: observes per resource per resync', (observes / (resources * periods)).toFixed(2), `goal 1 (no read budget: --resync-reads-per-second 0); ${((stats.byAction.s3 ?? 0) / (resources * periods)).toFixed(1)} S3 reads each`);
  bench.row('steady state: status writes', String(delta('mooring_kube_writes_total', 'what="status"')), 'goal 0');
}

/** The case the budget is for: 10,000 Buckets on the default resync period and read budget. */
const TARGET = { buckets: 10_000, resyncS: DEFAULTS.resyncPeriodMs / 1000, budget: DEFAULTS.resyncReadsPerSecond };

/**
 * 10,000 Buckets on the default period and budget, measured on a scale model: `resources`
 * Buckets on a `resyncS` period under the budget that strains it alike (the same needed ÷ budget),
 * set as the ProviderConfig's spec.rateLimits.resyncReadsPerSecond. The account's reads a second
 * and their peak come from the proxy; the period from the operator's metrics; and the 10,000
 * Buckets' figure from the reads per check measured here.
 */
export async function budgetedSteadyState(bench: Bench, operator: BenchOperator, resources: number, resyncS: number, measureS = 60): Promise<void> {
  const budget = TARGET.budget * (resources / TARGET.buckets) * (TARGET.resyncS / resyncS);
  await bench.kc.makeApiClient(CustomObjectsApi).patchClusterCustomObject({
    group: GROUP, version: VERSION, plural: 'providerconfigs', name: bench.pc, body: [{ op: 'add', path: '/spec/rateLimits', value: { resyncReadsPerSecond: budget } }],
  });
  // Checks booked before the budget fire once more at their phase: a period, then they are under it.
  await sleep(2 * resyncS * 1000);
  await bench.proxy.resetStats();
  await sleep(measureS * 1000);
  const stats = await bench.proxy.stats();
  const m = await operator.metrics();
  // Series keyed by the account (`aws:<account id>@<region>`), the bench's one account; not those
  // made under the provisional key (`aws:~<digest>`) before the account was known.
  const ofAccount = (name: string) => [...m].filter(([k]) => k.startsWith(`${name}{`) && /account="aws:\d/.test(k)).reduce((n, [, v]) => n + v, 0);
  await bench.kc.makeApiClient(CustomObjectsApi).patchClusterCustomObject({
    group: GROUP, version: VERSION, plural: 'providerconfigs', name: bench.pc, body: [{ op: 'remove', path: '/spec/rateLimits' }],
  });
  const perCheck = ofAccount('mooring_resync_reads_per_check');
  const period = ofAccount('mooring_resync_period_seconds');
  const rate = (stats.byAction.s3 ?? 0) / measureS;
  bench.row(
    `steady state under the read budget: S3 reads a second, one account (${TARGET.buckets} Buckets at ${TARGET.resyncS} s and ${TARGET.budget}/s, modelled by ${resources} at ${resyncS} s and ${budget.toFixed(2)}/s)`,
    rate.toFixed(2),
    `goal ≤ budget ${budget.toFixed(2)}; peak ${stats.peakPerSecond.s3 ?? 0} in one second (one check's ${perCheck.toFixed(1)} reads go together); a round of checks takes ${period.toFixed(0)} s, the period stretched ×${(period / resyncS).toFixed(1)}`,
  );
  const needed = (TARGET.buckets * perCheck) / TARGET.resyncS;
  bench.row(
    `${TARGET.buckets} Buckets at the defaults: S3 reads a second per account`,
    Math.min(needed, TARGET.budget).toFixed(2),
    `budget ${TARGET.budget}/s (--resync-reads-per-second) against the ${needed.toFixed(0)}/s a ${TARGET.resyncS} s period would need at the ${perCheck.toFixed(1)} reads per check measured above: each Bucket checked every ${Math.max(TARGET.resyncS, (TARGET.buckets * perCheck) / TARGET.budget).toFixed(0)} s`,
  );
}
