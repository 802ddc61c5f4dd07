// DNSRecords spread over several zones: Route 53's 5 requests a second per account is the limit
// that matters, so calls per record and the peak rate are the figures.
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { API_VERSION } from '../src/api/common.ts';
import { seconds, type Bench } from './context.ts';
import { allGone, allReady, kubectl } from './support.ts';

const route53Calls = (byAction: Record<string, number>) => Object.entries(byAction).filter(([a]) => a.startsWith('route53:')).reduce((n, [, c]) => n + c, 0);

export async function convergeRecords(bench: Bench, count: number, zoneCount: number): Promise<void> {
  const aws = bench.info.aws!;
  const r53 = new Route53Client({ endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } });
  const zones = Array.from({ length: zoneCount }, (_, i) => `bench${i}-${bench.ns}.test`);
  for (const Name of zones) await r53.send(new CreateHostedZoneCommand({ Name, CallerReference: `${Name}-${Date.now()}` }));
  r53.destroy();
  const manifest = Array.from({ length: count }, (_, i) => `apiVersion: ${API_VERSION}
kind: DNSRecord
metadata: { name: r${i}, namespace: ${bench.ns} }
spec: { providerConfigRef: { name: ${bench.pc} }, zone: { name: ${zones[i % zoneCount]} }, name: host${i}, type: A, ttl: 60, values: ["192.0.2.${i % 250}"] }
`).join('---\n');
  await bench.proxy.resetStats();
  const started = Date.now();
  kubectl(bench.info, bench.dir, ['apply', '--server-side'], manifest);
  await allReady(bench.kc, bench.ns, 'dnsrecords', count);
  const took = Date.now() - started;
  const stats = await bench.proxy.stats();
  const calls = route53Calls(stats.byAction);
  bench.row(`${count} DNSRecords in ${zoneCount} zones: apply → all Ready`, seconds(took), 'Route 53 allows 5 requests a second per account');
  bench.row(`${count} DNSRecords: Route 53 calls per record`, (calls / count).toFixed(2), `${calls} in all, ${stats.byAction['route53:ChangeResourceRecordSets'] ?? 0} ChangeResourceRecordSets`);
  bench.row(`${count} DNSRecords: Route 53 peak requests in one second`, String(stats.route53PeakPerSecond), 'limit 5');
}

export async function deleteRecords(bench: Bench, count: number): Promise<void> {
  await bench.proxy.resetStats();
  const started = Date.now();
  kubectl(bench.info, bench.dir, ['delete', 'dnsrecords', '--all', '-n', bench.ns, '--wait=false']);
  await allGone(bench.kc, bench.ns, 'dnsrecords');
  const stats = await bench.proxy.stats();
  bench.row(`${count} DNSRecords: delete → all gone`, seconds(Date.now() - started), `${route53Calls(stats.byAction)} Route 53 calls, peak ${stats.route53PeakPerSecond}/s`);
}
