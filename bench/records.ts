// DNSRecords spread over several zones: Route 53's 5 requests a second per account is the limit
// that matters, so calls per record and the peak rate are the figures.
import { API_VERSION } from '../src/api/common.ts';
import { seconds, type Bench } from './context.ts';
import { Zones, route53Calls } from './route53.ts';
import { allGone, allReady, kubectl, type BenchOperator } from './support.ts';

/** What the DNS side by side compares (bench/peers/external-dns). */
export interface DnsFigures {
  /** Apply → every record set present in the emulator (read past the proxy). */
  presentMs: number;
  calls: number;
  changes: number;
  peak: number;
  rssMiB: number;
  /** Delete → every record set gone from the emulator. */
  deleteMs: number;
  deleteCalls: number;
}

/** DNSRecords `from` to `to` (exclusive), named `<prefix><i>` and spread over the zones in turn, as one manifest. */
export function recordsManifest(bench: Bench, zones: Zones, prefix: string, from: number, to: number, net: string): string {
  return Array.from({ length: to - from }, (_, k) => from + k).map((i) => `apiVersion: ${API_VERSION}
kind: DNSRecord
metadata: { name: ${prefix}${i}, namespace: ${bench.ns} }
spec: { providerConfigRef: { name: ${bench.pc} }, zone: { name: ${zones.names[i % zones.names.length]} }, name: ${prefix}host${i}, type: A, ttl: 60, values: ["${net}.${i % 250}"] }
`).join('---\n');
}

/** Converges `count` DNSRecords over `zoneCount` zones on `operator` (a fresh one: its memory is compared), then deletes them. */
export async function dnsRecords(bench: Bench, operator: BenchOperator, count: number, zoneCount: number): Promise<DnsFigures> {
  const zones = new Zones(bench.info, 'bench', bench.ns, zoneCount);
  await zones.create();
  const manifest = recordsManifest(bench, zones, 'r', 0, count, '192.0.2');
  await bench.proxy.resetStats();
  const started = Date.now();
  kubectl(bench.info, bench.dir, ['apply', '--server-side'], manifest);
  const present = zones.until('A', count).then(() => Date.now() - started);
  await allReady(bench.kc, bench.ns, 'dnsrecords', count);
  const took = Date.now() - started;
  const stats = await bench.proxy.stats();
  const calls = route53Calls(stats.byAction);
  const changes = stats.byAction['route53:ChangeResourceRecordSets'] ?? 0;
  const presentMs = await present;
  const rssMiB = operator.rssMiB();
  bench.row(`${count} DNSRecords in ${zoneCount} zones: apply → all present in Route 53`, seconds(presentMs), 'read from the emulator directly');
  bench.row(`${count} DNSRecords: apply → all Ready`, seconds(took), 'Ready waits for INSYNC; Route 53 allows 5 requests a second per account');
  bench.row(`${count} DNSRecords: Route 53 calls per record`, (calls / count).toFixed(2), `${calls} in all, ${changes} ChangeResourceRecordSets`);
  bench.row(`${count} DNSRecords: Route 53 peak requests in one second`, String(stats.route53PeakPerSecond), 'limit 5');
  bench.row(`memory with ${count} DNSRecords (RSS)`, `${rssMiB} MiB`, `a fresh operator; ${await operator.heap()}`);

  await bench.proxy.resetStats();
  const deleting = Date.now();
  kubectl(bench.info, bench.dir, ['delete', 'dnsrecords', '--all', '-n', bench.ns, '--wait=false']);
  await allGone(bench.kc, bench.ns, 'dnsrecords');
  await zones.until('A', 0);
  const deleteMs = Date.now() - deleting;
  const deleted = await bench.proxy.stats();
  const deleteCalls = route53Calls(deleted.byAction);
  bench.row(`${count} DNSRecords: delete → all gone`, seconds(deleteMs), `${deleteCalls} Route 53 calls, peak ${deleted.route53PeakPerSecond}/s`);
  await zones.delete();
  return { presentMs, calls, changes, peak: stats.route53PeakPerSecond, rssMiB, deleteMs, deleteCalls };
}
