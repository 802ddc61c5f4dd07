// The PowerDNS backend behind the DNS kit: what PowerDNS has not (aliases, routing policies) is
// refused, and a name PowerDNS's decimal escapes would hide from the ownership namespace is too,
// before any request; a write is reported queued, then written once the PATCH went through.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TerminalError, parseSpec, type DNSRecordSpec, type ManagedResource } from '../../sdk/index.ts';
import { PdnsReason } from './reasons.ts';
import { RecordConnector } from './record.ts';

describe('the PowerDNS DNSRecord backend', () => {
  const requests: string[] = [];
  let fake: { endpoint: string; close(): Promise<void> };
  before(async () => (fake = await fakePowerDns(requests)));
  after(() => fake.close());

  const connect = () => new RecordConnector({ batch: { windowMs: 5 } }).connect({ name: 'fake', type: 'powerdns', region: '', endpoint: fake.endpoint, secretData: { apiKey: 'fake' }, settings: {} });
  const resource = (name: string, extra: Partial<DNSRecordSpec> = {}): ManagedResource<DNSRecordSpec> => ({
    kind: 'DNSRecord', namespace: 'team', name: 'r', uid: 'u', generation: 1, externalName: name, ownershipMark: 'mooring/team/r',
    spec: { ...parseSpec('DNSRecord', { providerConfigRef: { name: 'fake' }, zone: { name: 'example.test' }, name: 'www', type: 'A', values: ['192.0.2.1'] }), name, ...extra },
  });
  const refused = (reason: string, text: RegExp) => (err: unknown) => err instanceof TerminalError && err.reason === reason && text.test(err.message);

  it('refuses \\095mooring (decimal for _mooring), aliases, every routing policy and health checks before any request', async () => {
    const client = await connect();
    await assert.rejects(client.create(resource('\\095mooring-a.www')), refused(PdnsReason.ReservedName, /spec\.name/));
    await assert.rejects(client.observe(resource('www', { weighted: { setIdentifier: 'a', weight: 1 } })), refused(PdnsReason.RoutingUnsupported, /spec\.weighted: PowerDNS has no weighted routing/));
    await assert.rejects(client.observe(resource('www', { failover: { setIdentifier: 'a', role: 'PRIMARY' } })), refused(PdnsReason.RoutingUnsupported, /spec\.failover: PowerDNS has no failover routing/));
    await assert.rejects(client.observe(resource('www', { geolocation: { setIdentifier: 'a', country: 'DE' } })), refused(PdnsReason.RoutingUnsupported, /spec\.geolocation/));
    await assert.rejects(client.observe(resource('www', { latency: { setIdentifier: 'a', region: 'eu-west-1' } })), refused(PdnsReason.RoutingUnsupported, /spec\.latency/));
    await assert.rejects(client.observe(resource('www', { multivalue: { setIdentifier: 'a' } })), refused(PdnsReason.RoutingUnsupported, /spec\.multivalue/));
    await assert.rejects(client.observe(resource('www', { alias: { dnsName: 'a.', hostedZoneId: 'Z1', evaluateTargetHealth: false } })), refused(PdnsReason.InvalidSpec, /spec\.alias/));
    const healthCheck = { protocol: 'HTTP' as const, ipAddress: '192.0.2.1', requestInterval: 30 as const, failureThreshold: 3 };
    await assert.rejects(client.create(resource('www', { failover: { setIdentifier: 'a', role: 'PRIMARY' }, healthCheck })), refused(PdnsReason.HealthCheckUnsupported, /spec\.healthCheck: PowerDNS has no health checks/));
    assert.deepEqual(requests, []);
  });

  it('reports a create queued, then written once PowerDNS took the PATCH', async () => {
    const client = await connect();
    const r = resource('www');
    assert.deepEqual(await client.create(r), { queued: true });
    assert.match((await client.observe(r)).pending?.message ?? '', /sent to PowerDNS \(changes to zone example\.test\. go together in one PATCH\)/);
    let observed = await client.observe(r);
    for (; observed.pending; observed = await client.observe(r)) await new Promise((go) => setTimeout(go, 5));
    assert.ok(requests.some((q) => q.startsWith('PATCH')), 'the PATCH went');
    assert.equal(observed.written, true);
  });
});

/** A fake PowerDNS API holding zone example.test. (empty) and taking every PATCH; it logs each request. */
async function fakePowerDns(log: string[]): Promise<{ endpoint: string; close(): Promise<void> }> {
  const zone = { id: 'example.test.', name: 'example.test.', rrsets: [] };
  const server: Server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    req.resume();
    if (req.method === 'PATCH') res.writeHead(204).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.url?.includes('?zone=') ? [zone] : zone));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
