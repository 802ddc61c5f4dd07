// The peer for DNS, side by side: external-dns (built by ./build.ts) doing the work mooring's
// DNSRecord bench just did, on the same apiserver, emulator and counting proxy, in zones of its
// own. It runs as users run it, a long-lived loop already synced before the apply, with
// `--events` (a sync on each change, at most one each 5 s) beside its default 1 minute interval,
// and its default batch size (1,000 changes), batch interval (1 s) and kube client rate (5
// requests/s, burst 10). Ratios are mooring / external-dns: below 1 mooring is faster, cheaper or
// smaller.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../src/stack/ports.ts';
import { seconds, type Bench } from '../../context.ts';
import type { DnsFigures } from '../../records.ts';
import { route53Calls, Zones } from '../../route53.ts';
import { kubectl, rssMiB } from '../../support.ts';
import { ensureExternalDns, VERSION, type ExternalDnsBuild } from './build.ts';

const NAME = `external-dns ${VERSION}`;
const CRD = 'crd/dnsendpoints.externaldns.k8s.io';

export async function externalDnsSideBySide(bench: Bench, ours: DnsFigures, count: number, zoneCount: number): Promise<void> {
  let build: ExternalDnsBuild;
  try {
    build = await ensureExternalDns((line) => console.error(`[bench] ${line}`));
  } catch (err) {
    bench.row(`${NAME} side by side`, 'not run', `could not be built: ${oneLine((err as Error).message)}`);
    return;
  }
  bench.row(`${NAME}: built through the Go module proxy`, 'yes', build.removed.length ? `removed because the proxy refuses their dependencies: ${build.removed.join('; ')}` : 'unchanged');
  kubectl(bench.info, bench.dir, ['apply', '--server-side'], readFileSync(build.crd, 'utf8'));
  kubectl(bench.info, bench.dir, ['wait', '--for=condition=Established', CRD, '--timeout=60s']);
  const zones = new Zones(bench.info, 'edns', bench.ns, zoneCount);
  await zones.create();
  const peer = await startExternalDns(bench, build.binary, zones.names);
  try {
    await converge(bench, ours, zones, peer, count);
    await remove(bench, ours, zones, count);
  } finally {
    await stop(peer);
    await zones.delete();
    kubectl(bench.info, bench.dir, ['delete', CRD, '--wait=false']);
  }
}

async function converge(bench: Bench, ours: DnsFigures, zones: Zones, peer: ChildProcess, count: number): Promise<void> {
  const manifest = Array.from({ length: count }, (_, i) => `apiVersion: externaldns.k8s.io/v1alpha1
kind: DNSEndpoint
metadata: { name: e${i}, namespace: ${bench.ns} }
spec: { endpoints: [{ dnsName: host${i}.${zones.names[i % zones.names.length]}, recordType: A, recordTTL: 60, targets: ["192.0.2.${i % 250}"] }] }
`).join('---\n');
  await bench.proxy.resetStats();
  const started = Date.now();
  kubectl(bench.info, bench.dir, ['apply', '--server-side'], manifest);
  await zones.until('A', count);
  const took = Date.now() - started;
  const stats = await bench.proxy.stats();
  const rss = rssMiB(peer.pid!);
  const calls = route53Calls(stats.byAction);
  const changes = stats.byAction['route53:ChangeResourceRecordSets'] ?? 0;
  bench.row(`${NAME}: ${count} DNSEndpoints in ${zones.names.length} zones, apply → all present in Route 53`, seconds(took), `mooring / external-dns ${ratio(ours.presentMs, took)} (mooring ${seconds(ours.presentMs)}); a running loop with --events (a sync at most each 5 s); its CRD source writes each new DNSEndpoint's status.observedGeneration before planning, at client-go's default 5 requests/s (--kube-api-qps), which holds most of this time`);
  bench.row(`${NAME}: Route 53 calls per record`, (calls / count).toFixed(2), `mooring / external-dns ${ratio(ours.calls, calls)}; ${calls} in all, ${changes} ChangeResourceRecordSets (mooring ${ours.calls}, ${ours.changes})`);
  bench.row(`${NAME}: Route 53 peak requests in one second`, String(stats.route53PeakPerSecond), `mooring / external-dns ${ratio(ours.peak, stats.route53PeakPerSecond)} (mooring ${ours.peak}); limit 5`);
  bench.row(`${NAME}: memory with ${count} DNSEndpoints (RSS)`, `${rss} MiB`, `mooring / external-dns ${ratio(ours.rssMiB, rss)} (mooring ${ours.rssMiB} MiB)`);
}

async function remove(bench: Bench, ours: DnsFigures, zones: Zones, count: number): Promise<void> {
  await bench.proxy.resetStats();
  const started = Date.now();
  kubectl(bench.info, bench.dir, ['delete', 'dnsendpoints.externaldns.k8s.io', '--all', '-n', bench.ns, '--wait=false']);
  await zones.until('A', 0);
  const took = Date.now() - started;
  const calls = route53Calls((await bench.proxy.stats()).byAction);
  bench.row(`${NAME}: ${count} DNSEndpoints: delete → all gone from Route 53`, seconds(took), `mooring / external-dns ${ratio(ours.deleteMs, took)} (mooring ${seconds(ours.deleteMs)}); ${calls} Route 53 calls (mooring ${ours.deleteCalls}); --policy=sync`);
}

/** Starts the loop and resolves once its first sync is done (nothing to do yet). */
async function startExternalDns(bench: Bench, binary: string, zones: string[]): Promise<ChildProcess> {
  const aws = bench.info.aws!;
  const args = [
    '--source=crd', `--namespace=${bench.ns}`, `--kubeconfig=${bench.info.kube!.kubeconfig}`,
    '--provider=aws', '--registry=txt', `--txt-owner-id=bench-${bench.ns}`, '--policy=sync',
    ...zones.map((z) => `--domain-filter=${z}`),
    '--events', '--interval=1m', `--metrics-address=127.0.0.1:${await freePort()}`,
  ];
  // Only what the bench means it to see: no AWS profile or role from the machine's environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  Object.assign(env, {
    AWS_ENDPOINT_URL: bench.info.aws!.proxyEndpoint!, AWS_REGION: aws.region, AWS_ACCESS_KEY_ID: aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true',
  });
  const logFile = join(bench.dir, 'external-dns.log');
  const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`external-dns did not finish its first sync in 120 s; see ${logFile}`)), 120_000);
    child.once('exit', (code) => reject(new Error(`external-dns exited (${code}); see ${logFile}`)));
    child.stderr.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (chunk.toString().includes('All records are already up to date')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const ratio = (ours: number, theirs: number) => (theirs > 0 ? (ours / theirs).toFixed(2) : 'n/a');
const oneLine = (s: string) => s.replace(/\s+/g, ' ').replace(/\|/g, '/');
