// The account's rate limit holds across ProviderConfigs and replicas (issue 18): three `mooring run
// --sharded` replicas, two ProviderConfigs with different access keys on one emulated account (both
// through a fault proxy of this file's own, which counts every Route 53 request), 1,000 DNSRecords
// in 10 zones. Route 53 allows 5 requests a second per account: the proxy never counts more in any
// one second, and every record lands. One replica is SIGKILLed mid-way: the survivors take its
// share of the objects and of the budget, and the bound still holds.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { FaultProxyClient } from '../../src/stack/faultproxy.ts';
import { startFaultProxyThread, type ProxyThread } from '../../src/stack/faultproxy-worker.ts';
import { createNamespace, emulatorClientConfig, emulatorProviderConfig, eventually, installCrds, kubeConfig, objects, uniq } from '../support/kube.ts';
import { lineCount, lines, membersSeenBy, startReplica, type Replica } from '../support/replicas.ts';
import { useStack } from '../support/stack.ts';

const LEASE_S = 4;
const ZONES = 10;
const PER_ZONE = 100;
const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let proxyThread: ProxyThread;
let proxy: FaultProxyClient;
let r53: Route53Client;
const configs: string[] = [];
const children: ChildProcess[] = [];

before(async () => {
  const info = await stack.ready();
  kc = kubeConfig(info);
  await installCrds(kc);
  ns = await createNamespace(kc);
  // On a thread of its own: the per-second counts must not wait on this file's listings.
  proxyThread = await startFaultProxyThread(info.aws!.endpoint);
  proxy = new FaultProxyClient(proxyThread.endpoint);
  r53 = new Route53Client(emulatorClientConfig(info));
  // One account, two access keys: until the probe names the account, the limiters could not know.
  for (const [i, accessKeyId] of [info.aws!.accessKeyId, 'AKIAOTHERKEYOFTHEACCT'].entries()) {
    const name = uniq(`acct${i}`);
    const stringData = { accessKeyId, secretAccessKey: info.aws!.secretAccessKey };
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${name}-creds` }, stringData } });
    configs.push(await emulatorProviderConfig(kc, info, name, { withSecret: false, endpoint: proxyThread.endpoint, settings: { route53ChangeGuards: 'true' } }));
  }
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  r53?.destroy();
  await proxyThread?.stop();
});

const replicaOf = (id: string): Replica => {
  const r = startReplica(stack(), id, { namespace: ns, leaseSeconds: LEASE_S, args: ['--resync-period', '10m', '--concurrency', '16'] });
  children.push(r.process);
  return r;
};

/** The record names present in a zone, on the emulator directly (past the proxy: not counted). */
async function present(zoneId: string): Promise<Set<string>> {
  const names = new Set<string>();
  let start: { StartRecordName?: string; StartRecordType?: never } = {};
  for (;;) {
    const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 300, ...start }));
    for (const s of page.ResourceRecordSets ?? []) if (s.Type === 'A') names.add(s.Name!);
    if (!page.IsTruncated) return names;
    start = { StartRecordName: page.NextRecordName!, StartRecordType: page.NextRecordType as never };
  }
}

/** Polls every 2 s (listing 1,000 records costs the shared emulator): a listing of zones, not a poll loop, is the load here. */
async function slowly<T>(check: () => Promise<T | false>, what: string, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Creates `count` objects, `width` at a time. */
async function createAll(count: number, width: number, create: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    for (let i = next++; i < count; i = next++) await create(i);
  }));
}

describe('the account\'s Route 53 limit across configs and replicas', () => {
  it('1,000 records in 10 zones through two configs and three replicas, one killed mid-way: never more than 5 Route 53 requests in a second, every record present', async () => {
    const replicas = ['acct-a', 'acct-b', 'acct-c'].map(replicaOf);
    await eventually(async () => replicas.every((r) => membersSeenBy(r).length === 3), 'every replica sees all three members', 60_000);
    // Each replica's own probe of each config (STS through the proxy) names the account: both key one limiter.
    const learned = (r: Replica) => new Set(lines(r).filter((l) => l.msg === 'ProviderConfig account learned; its limiters are the account\'s').map((l) => l.providerConfig));
    await eventually(async () => replicas.every((r) => configs.every((pc) => learned(r).has(pc))), 'every replica learned both configs\' account', 30_000);

    const zones = await Promise.all(Array.from({ length: ZONES }, async (_, z) => {
      const name = `${uniq(`acct${z}`)}.test.`;
      const id = (await r53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: uniq('ref') }))).HostedZone!.Id!.replace('/hostedzone/', '');
      return { name, id };
    }));
    const fqdn = (i: number) => `r${i}.${zones[i % ZONES]!.name}`;
    await proxy.resetStats();
    const started = Date.now();
    await createAll(ZONES * PER_ZONE, 16, (i) => objects(kc, 'dnsrecords').create(ns, `r${i}`, {
      providerConfigRef: { name: configs[i % 2]! }, zone: { name: zones[i % ZONES]!.name }, name: `r${i}`, type: 'A', values: ['192.0.2.1'], ttl: 300,
    }));
    const count = async () => (await Promise.all(zones.map((z) => present(z.id)))).reduce((n, s) => n + s.size, 0);
    await slowly(async () => (await count()) >= (ZONES * PER_ZONE) / 3, 'a third of the records present');

    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const killedAt = Date.now();
    b.process.kill('SIGKILL');
    const marks = new Map([a, c].map((r) => [r.id, lineCount(r)]));
    await eventually(async () => membersSeenBy(a).length === 2 && membersSeenBy(c).length === 2, 'the survivors drop the killed replica', (LEASE_S + 5) * 1000);
    const all = await slowly(async () => {
      const sets = await Promise.all(zones.map((z) => present(z.id)));
      return Array.from({ length: ZONES * PER_ZONE }, (_, i) => i).every((i) => sets[i % ZONES]!.has(fqdn(i))) && sets;
    }, 'all 1,000 records present in Route 53');
    const took = Date.now() - started;

    const stats = await proxy.stats();
    const requests = Object.entries(stats.byAction).filter(([k]) => k.startsWith('route53:')).reduce((n, [, v]) => n + v, 0);
    const secondsAfterKill = stats.route53PerSecond.slice(Math.floor((killedAt - started) / 1000));
    const shares = (r: Replica) => lines(r, marks.get(r.id)).filter((l) => l.msg === 'account budgets shared').map((l) => l.share as { index: number; of: number });
    const report = `${requests} Route 53 requests in ${(took / 1000).toFixed(0)} s; per second: ${stats.route53PerSecond.join(' ')}; killed at second ${Math.floor((killedAt - started) / 1000)}`;
    assert.ok(stats.route53PeakPerSecond <= 5, `at most 5 Route 53 requests in any one second, saw ${stats.route53PeakPerSecond}: ${report}`);
    assert.equal(all.reduce((n, s) => n + s.size, 0), ZONES * PER_ZONE, 'exactly the records asked for');
    for (const r of [a, c]) assert.equal(shares(r).at(-1)?.of, 2, `${r.id} took its share of two after the kill: ${JSON.stringify(shares(r))}`);
    // The survivors' budget grew to the whole account's: some second after the rebalance carried
    // more than the two survivors' old parts could (2 + 1 a window of 1.36 s).
    assert.ok(Math.max(...secondsAfterKill.slice(LEASE_S + 2)) >= 4, `the survivors use the whole budget: ${report}`);
  });
});
