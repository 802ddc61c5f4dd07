// `npm run bench`: what mooring costs, measured on the real stack with a real `mooring run`
// process, every cloud request counted by the proxy in front of the emulator. Prints a markdown
// table and writes it to bench/results.md.
//
//   npm run bench                     100 Buckets, 200 DNSRecords in 2 zones
//   npm run bench -- --large          1,000 Buckets, 1,000 DNSRecords in 10 zones
//   npm run bench -- --buckets 300 --records 0 --concurrency 8
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutBucketTaggingCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { API_VERSION } from '../src/api/common.ts';
import { FaultProxyClient, type ProxyStats } from '../src/stack/faultproxy.ts';
import { startStack, stackInfo, type StackInfo } from '../src/stack/index.ts';
import { setup } from '../src/stack/setup.ts';
import { createNamespace, emulatorProviderConfig, installCrds, kubeConfig } from '../test/support/kube.ts';
import { allGone, allReady, kubectl, pool, startBenchOperator, sum, type BenchOperator } from './support.ts';

const { values } = parseArgs({
  options: {
    buckets: { type: 'string' },
    records: { type: 'string' },
    zones: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    resync: { type: 'string', default: '10' },
    large: { type: 'boolean', default: false },
    out: { type: 'string', default: join(import.meta.dirname, 'results.md') },
  },
});
const N = Number(values.buckets ?? (values.large ? 1000 : 100));
const RECORDS = Number(values.records ?? (values.large ? 1000 : 200));
const ZONES = Number(values.zones ?? (values.large ? 10 : 2));
const CONCURRENCY = Number(values.concurrency);
const RESYNC_S = Number(values.resync);
const rows: [string, string, string][] = [];
const row = (what: string, value: string, note = '') => {
  rows.push([what, value, note]);
  console.error(`[bench] ${what}: ${value} ${note}`);
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await setup(['etcd', 'kube', 'moto'], (m) => console.error(`[bench] ${m}`));
const stack = await startStack({ components: ['kube', 'aws'] });
try {
  const info = stackInfo(stack);
  const kc = kubeConfig(info);
  await installCrds(kc);
  const ns = await createNamespace(kc, 'bench');
  const proxyEndpoint = info.aws!.proxyEndpoint!;
  const pc = await emulatorProviderConfig(kc, info, 'bench', { endpoint: proxyEndpoint });
  const proxy = new FaultProxyClient(proxyEndpoint);

  const operator = await startBenchOperator(info, ns, ['--concurrency', String(CONCURRENCY), '--resync-period', `${RESYNC_S}s`]);
  await sleep(5_000);
  row('memory, idle (RSS)', `${operator.rssMiB()} MiB`, `operator started, caches synced, nothing to manage; ${await heapMiB(operator)}`);

  const bucketTime = await buckets(info, kc, ns, pc, proxy, operator);
  await baseline(info, proxy, bucketTime);
  await steadyState(proxy, operator);
  row(`memory with ${N} Buckets cached (RSS)`, `${operator.rssMiB()} MiB`, await heapMiB(operator));
  if (RECORDS > 0) await records(info, kc, ns, pc, proxy);
  await deleteBuckets(info, kc, ns, proxy);
  await operator.stop();
  peer();
} finally {
  await stack.stop();
}

const table = [
  `# mooring benchmark`,
  '',
  `${new Date().toISOString()} · ${N} Buckets, ${RECORDS} DNSRecords in ${ZONES} zones · concurrency ${CONCURRENCY} · resync ${RESYNC_S} s · moto on loopback, every request counted by the proxy`,
  '',
  '| what | figure | note |',
  '| --- | --- | --- |',
  ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
  '',
].join('\n');
console.log(table);
writeFileSync(values.out, table);

/**
 * The peer, AWS Controllers for Kubernetes' S3 controller, is built from the Go module proxy when
 * the proxy serves it; this records exactly what the proxy answered when it does not.
 */
function peer(): void {
  const module = 'github.com/aws-controllers-k8s/s3-controller';
  try {
    execFileSync('go', ['mod', 'download', '-json', `${module}@latest`], { encoding: 'utf8', timeout: 120_000, cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    row('ACK S3 controller side by side', 'not run', `${module} is downloadable; building and running it against the emulator is not written yet`);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    let why = (e.stderr ?? e.message).trim();
    try {
      why = (JSON.parse(e.stdout ?? '') as { Error?: string }).Error ?? why;
    } catch {
      // not JSON: keep stderr
    }
    why = why.replace(/\s+/g, ' ').replace(/\|/g, '/');
    row('ACK S3 controller side by side', 'not run', `the Go module proxy refuses ${module}: ${why}`);
  }
}

/** The V8 heap as the operator reports it: what is live versus what RSS holds. */
async function heapMiB(operator: BenchOperator): Promise<string> {
  const m = await operator.metrics();
  const mib = (name: string) => Math.round(sum(m, name) / 1048576);
  return `heap used ${mib('mooring_nodejs_heap_size_used_bytes')} of ${mib('mooring_nodejs_heap_size_total_bytes')} MiB, external ${mib('mooring_nodejs_external_memory_bytes')} MiB`;
}

async function buckets(info: StackInfo, kc: ReturnType<typeof kubeConfig>, ns: string, pc: string, proxy: FaultProxyClient, operator: BenchOperator): Promise<number> {
  const manifest = Array.from({ length: N }, (_, i) => `apiVersion: ${API_VERSION}
kind: Bucket
metadata: { name: bench-${i}-${ns}, namespace: ${ns} }
spec: { providerConfigRef: { name: ${pc} }, versioning: true, tags: { bench: "yes" } }
`).join('---\n');
  await proxy.resetStats();
  const before = await operator.metrics();
  const started = Date.now();
  kubectl(info, stack.dir, ['apply'], manifest);
  await allReady(kc, ns, 'buckets', N);
  const took = Date.now() - started;
  const stats = await proxy.stats();
  const after = await operator.metrics();
  const writes = sum(after, 'mooring_kube_writes_total') - sum(before, 'mooring_kube_writes_total');
  row(`${N} Buckets: apply → all Ready`, seconds(took), `${(N / (took / 1000)).toFixed(1)} Buckets/s`);
  row('S3 calls per Bucket to Ready', ((stats.byAction.s3 ?? 0) / N).toFixed(1), `${stats.byAction.s3 ?? 0} in all`);
  row('kube API writes per Bucket to Ready', (writes / N).toFixed(1), 'finalizer, pending-create mark and its removal, status');
  return took;
}

/** The same buckets made by a script with only the necessary SDK calls, at the same concurrency. */
async function baseline(info: StackInfo, proxy: FaultProxyClient, operatorMs: number): Promise<void> {
  const aws = info.aws!;
  const s3 = new S3Client({ endpoint: aws.proxyEndpoint, region: aws.region, forcePathStyle: true, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } });
  await proxy.resetStats();
  const started = Date.now();
  await pool(Array.from({ length: N }, (_, i) => `baseline-${i}-${stack.dir.slice(-6).toLowerCase()}`), CONCURRENCY, async (Bucket) => {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'bench', Value: 'yes' }] } }));
  });
  const took = Date.now() - started;
  const calls = (await proxy.stats()).byAction.s3 ?? 0;
  s3.destroy();
  row(`baseline: the same ${N} buckets by a bare SDK script`, seconds(took), `${(calls / N).toFixed(1)} calls per bucket, no reads, no Kubernetes`);
  row('overhead: operator time / baseline time', (operatorMs / took).toFixed(2), 'goal ≤ 1.3');
}

async function steadyState(proxy: FaultProxyClient, operator: BenchOperator): Promise<void> {
  // Let the convergence's own requeues pass, then watch whole resync periods with nothing changing.
  await sleep(RESYNC_S * 1000);
  const periods = 3;
  await proxy.resetStats();
  const before = await operator.metrics();
  await sleep(periods * RESYNC_S * 1000);
  const after = await operator.metrics();
  const stats = await proxy.stats();
  const delta = (name: string, ...labels: string[]) => sum(after, name, ...labels) - sum(before, name, ...labels);
  const writes = ['create', 'update', 'delete', 'setCredentials'].reduce((n, op) => n + delta('mooring_adapter_calls_total', `operation="${op}"`), 0);
  const observes = delta('mooring_adapter_calls_total', 'operation="observe"');
  row(`steady state over ${periods} resyncs: cloud writes`, String(writes), 'goal 0');
  row('steady state: observes per resource per resync', (observes / (N * periods)).toFixed(2), `goal 1; ${((stats.byAction.s3 ?? 0) / (N * periods)).toFixed(1)} S3 reads each`);
  row('steady state: status writes', String(delta('mooring_kube_writes_total', 'what="status"')), 'goal 0');
}

async function records(info: StackInfo, kc: ReturnType<typeof kubeConfig>, ns: string, pc: string, proxy: FaultProxyClient): Promise<void> {
  const aws = info.aws!;
  const r53 = new Route53Client({ endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } });
  const zones = Array.from({ length: ZONES }, (_, i) => `bench${i}-${ns}.test`);
  for (const Name of zones) await r53.send(new CreateHostedZoneCommand({ Name, CallerReference: `${Name}-${Date.now()}` }));
  r53.destroy();
  const manifest = Array.from({ length: RECORDS }, (_, i) => `apiVersion: ${API_VERSION}
kind: DNSRecord
metadata: { name: r${i}, namespace: ${ns} }
spec: { providerConfigRef: { name: ${pc} }, zone: { name: ${zones[i % ZONES]} }, name: host${i}, type: A, ttl: 60, values: ["192.0.2.${i % 250}"] }
`).join('---\n');
  await proxy.resetStats();
  const started = Date.now();
  kubectl(info, stack.dir, ['apply'], manifest);
  await allReady(kc, ns, 'dnsrecords', RECORDS);
  const took = Date.now() - started;
  const stats: ProxyStats = await proxy.stats();
  const r53Calls = Object.entries(stats.byAction).filter(([a]) => a.startsWith('route53:')).reduce((n, [, c]) => n + c, 0);
  row(`${RECORDS} DNSRecords in ${ZONES} zones: apply → all Ready`, seconds(took), 'Route 53 allows 5 requests a second per account');
  row('Route 53 calls per record', (r53Calls / RECORDS).toFixed(2), `${r53Calls} in all, ${stats.byAction['route53:ChangeResourceRecordSets'] ?? 0} ChangeResourceRecordSets`);
  row('Route 53 peak requests in one second', String(stats.route53PeakPerSecond), 'limit 5');
}

async function deleteBuckets(info: StackInfo, kc: ReturnType<typeof kubeConfig>, ns: string, proxy: FaultProxyClient): Promise<void> {
  await proxy.resetStats();
  const started = Date.now();
  kubectl(info, stack.dir, ['delete', 'buckets', '--all', '-n', ns, '--wait=false']);
  await allGone(kc, ns, 'buckets');
  const took = Date.now() - started;
  row(`${N} Buckets: delete → all gone`, seconds(took), `${(((await proxy.stats()).byAction.s3 ?? 0) / N).toFixed(1)} S3 calls per Bucket`);
}
