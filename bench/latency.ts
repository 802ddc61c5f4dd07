// The cloud as the bottleneck: the proxy holds every call for a fixed latency (a round trip from a
// cluster to AWS), so the operator's concurrency sets the pace, not the cores the operator, the
// apiserver and the emulator share. One replica against the floor its calls set; then 1, 2 and 3
// `--sharded` replicas on the same work (the speed-up), each Bucket reconciled by exactly one.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createNamespace } from '../test/support/kube.ts';
import { applyBuckets, removeBuckets } from './buckets.ts';
import { seconds, type Bench } from './context.ts';
import { cpuNow, processes } from './cpu.ts';
import { startShardReplicas, until } from './replicas.ts';
import { startBenchOperator, sum, type BenchOperator } from './support.ts';

export interface LatencyMode {
  /** Buckets each run converges. */
  count: number;
  /** What the proxy adds to every call. */
  latencyMs: number;
  /** The one replica's --concurrency (the operator's default unless the bench is told otherwise). */
  concurrency: number;
  /**
   * Each sharded replica's --concurrency: low enough that 3 replicas' stack (operators, apiserver,
   * emulator) stays under the cores, so each replica waits on the round trips, not on CPU.
   */
  shardConcurrency: number;
}

/** One convergence: Buckets a second, S3 calls per Bucket and the busiest second's S3 requests. */
interface Run {
  rate: number;
  took: number;
  /** kubectl's apply alone: the Buckets reach the replicas no faster. */
  applied: number;
  callsPerBucket: number;
  /** The emulator's own time per S3 call, beside the latency. */
  emulatorMs: number;
  s3Peak: number;
  /** What the emulator and the machine did meanwhile: if the emulator was slow or the cores full, the latency was not the limit. */
  machine: string;
}

/** Runs the mode in a namespace of its own, so no Bucket of the other parts is in the replicas' sight. */
export async function latencyBound(bench: Bench, mode: LatencyMode): Promise<void> {
  const ns = `${bench.ns}-latency`;
  await createNamespace(bench.kc, ns);
  const here: Bench = { ...bench, ns };
  await bench.proxy.setLatency(mode.latencyMs);
  try {
    await oneReplica(here, mode);
    await sharded(here, mode);
  } finally {
    await bench.proxy.setLatency(0);
  }
}

/** The floor's Buckets a second: each of `concurrency` workers making one call per `latencyMs`. */
export const floorRate = (callsPerBucket: number, latencyMs: number, concurrency: number) => concurrency / ((callsPerBucket * latencyMs) / 1000);

/** Applies the set under latency and measures. */
async function converge(bench: Bench, set: string, count: number, operators: BenchOperator[]): Promise<Run> {
  const procs = processes(bench.info, Object.fromEntries(operators.map((o, i) => [`operator ${i}`, o.process.pid!])));
  const cpuBefore = cpuNow(procs);
  await bench.proxy.resetStats();
  const { took, applied } = await applyBuckets(bench, set, count);
  const stats = await bench.proxy.stats();
  const cpuAfter = cpuNow(procs);
  const cpu = Object.keys(cpuAfter).reduce((n, k) => n + cpuAfter[k]! - (cpuBefore[k] ?? 0), 0);
  const calls = stats.byAction.s3 ?? 0;
  const emulatorMs = stats.upstreamMeanMs.s3 ?? 0;
  // Calls inside the emulator at once, on average: moto answers from one Python process, so near 1
  // (or more) it, not the latency, set the pace.
  const busy = (calls * emulatorMs) / took;
  const machine =
    `apply ${seconds(applied)}; the emulator took ${emulatorMs} ms an S3 call beside the ${stats.latencyMs} ms (${busy.toFixed(2)} calls in it at once on average), ` +
    `the stack and operators used ${(cpu / (took / 1000)).toFixed(1)} of ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}`;
  return { rate: count / (took / 1000), took, applied, callsPerBucket: calls / count, emulatorMs, s3Peak: stats.peakPerSecond.s3 ?? 0, machine };
}

/** Deletes the set without latency (deletion's figures are the main part's). */
async function cleanUp(bench: Bench, set: string, latencyMs: number): Promise<void> {
  await bench.proxy.setLatency(0);
  await removeBuckets(bench, set);
  await bench.proxy.setLatency(latencyMs);
}

async function oneReplica(bench: Bench, mode: LatencyMode): Promise<void> {
  const operator = await startBenchOperator(bench.info, bench.ns, { id: 'latency', args: bench.operatorArgs, nodeArgs: bench.nodeArgs });
  const before = await operator.metrics();
  const run = await converge(bench, 'lat', mode.count, [operator]);
  const after = await operator.metrics();
  const delta = (name: string) => sum(after, name, 'kind="Bucket"') - sum(before, name, 'kind="Bucket"');
  const perBucketMs = (name: string) => Math.round((delta(name) * 1000) / mode.count);
  await cleanUp(bench, 'lat', mode.latencyMs);
  await operator.stop();
  const floor = floorRate(run.callsPerBucket, mode.latencyMs, mode.concurrency);
  const withEmulator = floorRate(run.callsPerBucket, mode.latencyMs + run.emulatorMs, mode.concurrency);
  bench.row(
    `latency-bound (${mode.latencyMs} ms a call): one replica, ${mode.count} Buckets apply → all Ready`,
    `${run.rate.toFixed(1)} Buckets/s`,
    `${(run.rate / floor).toFixed(2)} of the floor, ${floor.toFixed(1)} Buckets/s (${run.callsPerBucket.toFixed(1)} S3 calls per Bucket × ${mode.latencyMs} ms / concurrency ${mode.concurrency}), ` +
      `${(run.rate / withEmulator).toFixed(2)} of ${withEmulator.toFixed(1)} Buckets/s counting the emulator's own ${run.emulatorMs} ms a call; ` +
      `${seconds(run.took)}; ${(delta('mooring_reconcile_total') / mode.count).toFixed(1)} reconciles per Bucket, ${perBucketMs('mooring_reconcile_duration_seconds_sum')} ms reconciling each, ` +
      `${perBucketMs('mooring_adapter_call_duration_seconds_sum')} ms of it in adapter calls; S3 peak ${run.s3Peak} requests in one second; ${run.machine}`,
  );
}

/** 1, 2 and 3 sharded replicas, each converging the same number of Buckets once all see each other. */
async function sharded(bench: Bench, mode: LatencyMode): Promise<void> {
  const runs: (Run & { owners: Ownership })[] = [];
  for (const k of [1, 2, 3]) {
    const replicas = await startShard(bench, k, mode.shardConcurrency);
    const set = `lat${k}r`;
    const run = await converge(bench, set, mode.count, replicas);
    runs.push({ ...run, owners: ownership(replicas.map((r) => r.logFile), mode.count) });
    await cleanUp(bench, set, mode.latencyMs);
    await Promise.all(replicas.map((r) => r.stop()));
  }
  const single = runs[0]!.rate;
  // k replicas' floor: k times one replica's, at the calls per Bucket that run measured.
  const ofFloor = (r: Run, k: number) => r.rate / (k * floorRate(r.callsPerBucket, mode.latencyMs, mode.shardConcurrency));
  const speedUps = runs.map((r) => r.rate / single);
  bench.row(
    `latency-bound: 1, 2, 3 sharded replicas, ${mode.count} Buckets apply → all Ready`,
    runs.map((r, i) => `${i + 1}: ${r.rate.toFixed(1)}/s${i ? ` (×${speedUps[i]!.toFixed(2)})` : ''}`).join('; '),
    `goal ×1.8 and ×2.5 (ideal ×2, ×3): ${speedUps[1]! >= 1.8 && speedUps[2]! >= 2.5 ? 'met' : 'MISSED'}; each replica at concurrency ${mode.shardConcurrency} (so the stack's CPU is not the limit), ` +
      `${runs[0]!.callsPerBucket.toFixed(1)} S3 calls per Bucket × ${mode.latencyMs} ms: one replica's floor ${floorRate(runs[0]!.callsPerBucket, mode.latencyMs, mode.shardConcurrency).toFixed(1)} Buckets/s, ` +
      `each run at ${runs.map((r, i) => ofFloor(r, i + 1).toFixed(2)).join(', ')} of k × that floor; ` +
      `S3 peak ${runs.map((r) => r.s3Peak).join(', ')} requests in one second; ${runs.map((r, i) => `${i + 1}: ${r.machine}`).join('; ')}`,
  );
  bench.row(
    'latency-bound: sharded, reconciles per Bucket and owners',
    runs.map((r, i) => `${i + 1}: ${r.owners.observesPerObject.toFixed(2)}`).join('; '),
    (runs.every((r) => r.owners.shared === 0 && r.owners.objects === mode.count)
      ? `every Bucket reconciled by exactly one replica (the replicas' adapter calls, from their debug logs)`
      : runs.map((r, i) => `${i + 1}: ${r.owners.shared} Buckets with more than one owner, ${mode.count - r.owners.objects} with none`).join('; ')) +
      `; the busiest replica's share ${runs.map((r, i) => `${i + 1}: ${r.owners.largestShare} (even: ${Math.ceil(mode.count / (i + 1))})`).join(', ')}, the speed-up's bound by hashing alone`,
  );
}

/** k sharded replicas in a group of their own, once every one counts all k in its ring. */
async function startShard(bench: Bench, k: number, concurrency: number): Promise<BenchOperator[]> {
  const replicas = await startShardReplicas(bench, k, 'lat', ['--log-level', 'debug', '--concurrency', String(concurrency)]);
  // A joining member counts itself only after a lease duration (15 s by default).
  await until(`${k} replicas see each other`, async () => replicas.every((r) => membersSeen(r) === k), 120_000);
  return replicas;
}

/** A log's JSON lines; the last may be cut short while the replica writes it, and is skipped. */
function logLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((l) => {
    try {
      return l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

const membersSeen = (r: BenchOperator) => ((logLines(r.logFile).filter((l) => l.msg === 'shard members changed').at(-1)?.members as unknown[] | undefined) ?? []).length;

interface Ownership {
  /** Buckets some replica made adapter calls for. */
  objects: number;
  /** Of them, those more than one replica made calls for. */
  shared: number;
  /** Observes (one per reconcile that reached the cloud) per Bucket. */
  observesPerObject: number;
  /**
   * The most Buckets one replica owned: hashing splits them only about evenly, and the run ends
   * when the busiest replica does (100 Buckets over 3 replicas: about 38 for the busiest, not 33).
   */
  largestShare: number;
}

/** Who made adapter calls for which of `count` Buckets, from the replicas' debug logs (`adapter call`). */
export function ownership(logFiles: string[], count: number): Ownership {
  const owners = new Map<string, Set<string>>();
  let observes = 0;
  for (const file of logFiles) {
    for (const l of logLines(file)) {
      if (l.msg !== 'adapter call' || l.kind !== 'Bucket') continue;
      const name = String(l.name);
      if (!owners.has(name)) owners.set(name, new Set());
      owners.get(name)!.add(file);
      if (l.op === 'observe') observes++;
    }
  }
  const shared = [...owners.values()].filter((s) => s.size > 1).length;
  const perReplica = new Map<string, number>();
  for (const files of owners.values()) for (const f of files) perReplica.set(f, (perReplica.get(f) ?? 0) + 1);
  return { objects: owners.size, shared, observesPerObject: observes / count, largestShare: Math.max(0, ...perReplica.values()) };
}
