// `npm run bench`: what mooring costs, measured on the real stack with real `mooring run`
// processes, every cloud request counted by the proxy in front of the emulator. Prints a markdown
// table and writes it to bench/results.md. external-dns does the DNS work beside mooring (built
// through the Go module proxy on first use: bench/peers/external-dns).
//
//   npm run bench                     100 and 1,000 Buckets, 1,000 DNSRecords in 10 zones, 10,000 cached
//   npm run bench -- --quick          100 Buckets, 200 DNSRecords in 2 zones, 1,000 cached
//   npm run bench -- --only dns       one part: buckets, memory, dns or latency
//   npm run bench -- --only memory    idle, 1,000 Buckets converged, 10,000 cached (with --quick:
//                                     100 and 1,000), each beside its goal, and where the memory is
//                                     when a goal is missed
//   A full run writes bench/results.md; a --quick or --only run writes bench/results.quick.md
//   (git-ignored), so it never overwrites the committed full run.
//   npm run bench -- --only latency --latency-buckets 200
//                                     the cloud as the bottleneck: 100 ms a call (--latency), one
//                                     replica against its floor, then 1, 2, 3 sharded replicas at
//                                     --latency-concurrency (1) each, so the stack's CPU (and the one
//                                     Python process of the emulator) is not the limit; 400 Buckets
//                                     each run (--quick: 150), so hashing's uneven split costs little
//   npm run bench -- --concurrency 8 --node-args=--max-semi-space-size=4
//   npm run bench -- --from-source    the sources instead of the bundle the image runs
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../src/runtime/config.ts';
import { FaultProxyClient } from '../src/stack/faultproxy.ts';
import { startStack, stackInfo } from '../src/stack/index.ts';
import { setup } from '../src/stack/setup.ts';
import { createNamespace, emulatorProviderConfig, installCrds, kubeConfig } from '../test/support/kube.ts';
import { baselineBuckets, convergeBuckets, deleteBuckets } from './buckets.ts';
import { sleep, type Bench } from './context.ts';
import { nodeFloor } from './floor.ts';
import { describeFootprint } from './footprint.ts';
import { latencyBound } from './latency.ts';
import { GOALS } from './goals.ts';
import { cachedObjects, memoryRow, startMemoryOperator } from './memory.ts';
import { peer } from './peer.ts';
import { externalDnsSideBySide } from './peers/external-dns/index.ts';
import { dnsRecords } from './records.ts';
import { dnsRecordsOverAMinute } from './records-trickle.ts';
import { failover, shardThroughput, until } from './replicas.ts';
import { budgetedSteadyState, steadyState } from './steady.ts';
import { compiled, imageNodeFlags, startBenchOperator, sum } from './support.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    // Only one part: buckets (and memory, failover, sharding), dns (mooring beside external-dns) or
    // latency (the cloud as the bottleneck).
    only: { type: 'string' },
    // Each operator's --concurrency; the operator's own default unless given.
    concurrency: { type: 'string', default: String(DEFAULTS.concurrency) },
    // The latency part: what the proxy adds to every call, and how many Buckets each run converges.
    latency: { type: 'string', default: '100' },
    'latency-buckets': { type: 'string' },
    // Each sharded replica's --concurrency in the latency part (low: the round trips, not the cores, the limit).
    'latency-concurrency': { type: 'string', default: '1' },
    resync: { type: 'string', default: '10' },
    // Default: the Node flags the image runs with (the Dockerfile's NODE_OPTIONS and ENTRYPOINT).
    'node-args': { type: 'string', default: imageNodeFlags(readFileSync(join(import.meta.dirname, '..', 'Dockerfile'), 'utf8')).join(' ') },
    // Run the TypeScript sources (type stripping) instead of the bundle the image runs.
    'from-source': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const quick = values.quick;
const LARGE = quick ? 100 : 1000;
const RECORDS = quick ? 200 : 1000;
const ZONES = quick ? 2 : 10;
const CACHED = quick ? 1000 : 10_000;
const CONCURRENCY = Number(values.concurrency);
const LATENCY_MS = Number(values.latency);
const LATENCY_BUCKETS = Number(values['latency-buckets'] ?? (quick ? 150 : 400));
const PARTS = ['buckets', 'memory', 'dns', 'latency'];
if (values.only !== undefined && !PARTS.includes(values.only)) throw new Error(`--only takes one of ${PARTS.join(', ')}, got ${values.only}`);
const RESYNC_S = Number(values.resync);
const OUT = values.out ?? join(import.meta.dirname, quick || values.only !== undefined ? 'results.quick.md' : 'results.md');
const rows: [string, string, string, string][] = [];

await setup(['etcd', 'kube', 'moto'], (m) => console.error(`[bench] ${m}`));
const entry = values['from-source'] ? 'the sources (type stripping)' : `bundled as the image runs it (${relative(join(import.meta.dirname, '..'), compiled())})`;
const stack = await startStack({ components: ['kube', 'aws'] });
const started = Date.now();
try {
  const info = stackInfo(stack);
  const kc = kubeConfig(info);
  await installCrds(kc);
  const ns = await createNamespace(kc, 'bench');
  const proxyEndpoint = info.aws!.proxyEndpoint!;
  const bench: Bench = {
    info,
    kc,
    ns,
    // The proxy plays Route 53's change guards (moto keeps none), so the operator relies on them as it does on AWS.
    pc: await emulatorProviderConfig(kc, info, 'bench', { endpoint: proxyEndpoint, settings: { route53ChangeGuards: 'true' } }),
    proxy: new FaultProxyClient(proxyEndpoint),
    dir: stack.dir,
    operatorArgs: ['--concurrency', String(CONCURRENCY)],
    nodeArgs: values['node-args'].split(/\s+/).filter(Boolean),
    row: (what, value, note = '', goal) => {
      rows.push([what, value, note, goal?.text ?? '']);
      console.error(`[bench] ${what}: ${value} ${goal ? `(goal ${goal.text}) ` : ''}${note}`);
    },
  };
  await run(bench);
} finally {
  await stack.stop();
}

const table = [
  `# mooring benchmark`,
  '',
  `${new Date().toISOString()} · \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` · concurrency ${CONCURRENCY} · node ${process.version} ${values['node-args'] || '(default heap)'}, ${entry} · moto on loopback, every request counted by the proxy · ${Math.round((Date.now() - started) / 60_000)} min`,
  '',
  '| what | figure | goal | note |',
  '| --- | --- | --- | --- |',
  ...rows.map(([a, b, c, d]) => `| ${a} | ${b} | ${d} | ${c} |`),
  '',
].join('\n');
console.log(table);
writeFileSync(OUT, table);

async function run(bench: Bench): Promise<void> {
  const part = (name: string) => values.only === undefined || values.only === name;
  if (part('buckets') || part('memory')) await buckets(bench, !part('buckets'));
  if (part('dns')) await dns(bench);
  if (part('latency')) await latencyBound(bench, { count: LATENCY_BUCKETS, latencyMs: LATENCY_MS, concurrency: CONCURRENCY, shardConcurrency: Number(values['latency-concurrency']) });
  if (values.only === undefined || values.only === 'buckets') peer(bench);
}

/** The Buckets part; `memoryOnly`: its memory figures alone (idle, converged, cached). */
async function buckets(bench: Bench, memoryOnly: boolean): Promise<void> {
  // Memory first, in an empty namespace: idle, then the large set converged on the default resync, as users run it.
  const main = await startMemoryOperator(bench, 'main');
  await sleep(5_000);
  await memoryRow(bench, main, 'memory, idle (RSS)', GOALS.idleMiB, 'caches synced, nothing to manage');
  const floor = await nodeFloor(bench.info, bench.nodeArgs);
  bench.row("↳ Node's floor here: a bare node holding one TLS watch on the apiserver (RSS)", `${floor.rss} MiB`,
    `the image's flags and MALLOC_ARENA_MAX; what any Node controller holds before its own code: the idle operator is ${main.rssMiB() - floor.rss} MiB above it, the idle goal leaves ${GOALS.idleMiB.atMost - floor.rss}; ${describeFootprint(floor)}`);
  const largeMs = await convergeBuckets(bench, main, 'l', LARGE);
  if (!memoryOnly) await baselineBuckets(bench, LARGE, CONCURRENCY, largeMs);
  await sleep(5_000);
  await memoryRow(bench, main, `memory with ${LARGE.toLocaleString('en')} Buckets cached and converged (RSS)`, GOALS.convergedMiB, 'the operator that converged them');
  await main.heapBreakdown();
  if (memoryOnly) await deleteBuckets(bench, 'l', LARGE);
  await main.finish();
  if (!memoryOnly) {
    // Each part sees only its own Buckets: the large set's sharded pass and deletion before the
    // small set, whose steady state on a short resync would otherwise read all of them.
    await shardThroughput(bench, LARGE);
    await deleteWithFreshOperator(bench, 'l', LARGE);
    await smallBuckets(bench);
    await deleteWithFreshOperator(bench, 's', 100);
  }

  const last = await startMemoryOperator(bench, 'cached');
  await cachedObjects(bench, last, CACHED, GOALS.cachedMiB);
  await last.finish();
}

/**
 * 100 Buckets on a short resync (steady state shows within a minute), then failover. No read
 * budget at first (one observe per resource per resync); then the budget, set on the ProviderConfig.
 */
async function smallBuckets(bench: Bench): Promise<void> {
  const small = await startBenchOperator(bench.info, bench.ns, { id: 'small', args: [...bench.operatorArgs, '--resync-period', `${RESYNC_S}s`, '--resync-reads-per-second', '0'], nodeArgs: bench.nodeArgs });
  const smallMs = await convergeBuckets(bench, small, 's', 100);
  await baselineBuckets(bench, 100, CONCURRENCY, smallMs);
  await steadyState(bench, small, 100, RESYNC_S);
  await budgetedSteadyState(bench, small, 100, RESYNC_S);
  bench.row(`memory with 100 Buckets on a ${RESYNC_S} s resync (RSS)`, `${small.rssMiB()} MiB`, await small.heap());
  await small.stop();
  await failover(bench);
}

/** The set deleted by an operator of its own (their finalizers need one), once its first pass over them is done, so none of its reads count as the deletion's. */
async function deleteWithFreshOperator(bench: Bench, set: string, count: number): Promise<void> {
  const deleter = await startBenchOperator(bench.info, bench.ns, { id: `delete-${set}`, args: bench.operatorArgs, nodeArgs: bench.nodeArgs });
  await until(`the deleter's first pass over ${count} Buckets`, async () => sum(await deleter.metrics(), 'mooring_adapter_calls_total', 'operation="observe"') >= count);
  await deleteBuckets(bench, set, count);
  await deleter.stop();
}

async function dns(bench: Bench): Promise<void> {
  // DNS on a fresh operator, so its memory compares with external-dns's, which follows in zones of its own.
  const operator = await startBenchOperator(bench.info, bench.ns, { id: 'dns', args: bench.operatorArgs, nodeArgs: bench.nodeArgs });
  const ours = await dnsRecords(bench, operator, RECORDS, ZONES);
  await dnsRecordsOverAMinute(bench, RECORDS, ZONES);
  await operator.stop();
  await externalDnsSideBySide(bench, ours, RECORDS, ZONES);
}
