// Several replicas: how long a standby takes to reconcile after the leader is killed, and how a
// full pass over the same objects goes with 1, 2 and 3 sharded replicas.
import { seconds, sleep, type Bench } from './context.ts';
import { startBenchOperator, sum, type BenchOperator } from './support.ts';

const reconciles = async (operator: BenchOperator) => sum(await operator.metrics(), 'mooring_reconcile_total');
/** Observes made: a replica also "reconciles" another's objects, by dropping them at once. */
const observes = async (operator: BenchOperator) => sum(await operator.metrics(), 'mooring_adapter_calls_total', 'operation="observe"');

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Two replicas with the default lease durations; the leader SIGKILLed; the standby's first reconcile. */
export async function failover(bench: Bench): Promise<void> {
  const lease = ['--leader-elect', '--lease-namespace', bench.ns, '--lease-name', 'bench-leader'];
  const leader = await startBenchOperator(bench.info, bench.ns, { id: 'leader', args: [...bench.operatorArgs, ...lease, '--identity', 'leader'], nodeArgs: bench.nodeArgs });
  const standby = await startBenchOperator(bench.info, bench.ns, { id: 'standby', args: [...bench.operatorArgs, ...lease, '--identity', 'standby'], nodeArgs: bench.nodeArgs, waitForSync: false });
  await until('the leader reconciles', async () => (await reconciles(leader)) > 0);
  await sleep(3000); // the standby warm, the leader renewing
  if ((await reconciles(standby)) > 0) throw new Error('the standby reconciled while the leader held the Lease');
  const killed = Date.now();
  leader.process.kill('SIGKILL');
  await until('the standby reconciles', async () => (await reconciles(standby)) > 0);
  bench.row('failover: leader killed → first reconcile by the standby', seconds(Date.now() - killed), 'default lease: 15 s duration, 2 s retry; the Lease must expire first');
  await standby.stop();
}

/** k fresh `--sharded` replicas in a group of their own (`bench-<group>-<k>`), with the bench's flags and `extra`. */
export function startShardReplicas(bench: Bench, k: number, group: string, extra: string[] = []): Promise<BenchOperator[]> {
  return Promise.all(Array.from({ length: k }, (_, i) =>
    startBenchOperator(bench.info, bench.ns, {
      id: `${group}${k}-${i}`,
      args: [...bench.operatorArgs, '--sharded', '--identity', `${group}${k}-${i}`, '--lease-namespace', bench.ns, '--lease-name', `bench-${group}-${k}`, ...extra],
      nodeArgs: bench.nodeArgs,
      waitForSync: false,
    })));
}

/**
 * `count` Ready objects exist; k fresh sharded replicas start and each reconciles its share once
 * (observes, no writes): objects per second for k = 1, 2, 3, from the first observe on.
 */
export async function shardThroughput(bench: Bench, count: number): Promise<void> {
  const figures: string[] = [];
  let single = 0;
  for (const k of [1, 2, 3]) {
    const replicas = await startShardReplicas(bench, k, 'shard', ['--resync-period', '1h']);
    // Timed from the first observe: a joining member waits a lease duration before it counts itself.
    const total = async () => (await Promise.all(replicas.map(observes))).reduce((a, b) => a + b, 0);
    await until(`${k} replicas start`, async () => (await total()) > 0);
    const started = Date.now();
    await until(`${k} replicas pass over ${count} objects`, async () => (await total()) >= count);
    const rate = count / ((Date.now() - started) / 1000);
    single ||= rate;
    figures.push(`${k}: ${rate.toFixed(1)}/s (×${(rate / single).toFixed(2)})`);
    await Promise.all(replicas.map((r) => r.stop()));
  }
  bench.row(`sharding: one pass over ${count} Ready Buckets, objects per second`, figures.join('; '), 'each replica at the same --concurrency; the emulator is shared');
}
