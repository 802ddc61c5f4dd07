// The Route 53 backend behind the DNS kit: a change followed until INSYNC, also after a restart
// (from status), and a name Route 53's octal escapes would hide from the ownership namespace,
// refused before any request reaches Route 53.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ProviderReason, TerminalError, parseSpec, type DNSRecordSpec, type ManagedResource } from '../../../sdk/index.ts';
import { RecordConnector } from './record.ts';

describe('the Route 53 DNSRecord backend', () => {
  // A fake Route 53: GetHostedZone answers zone Z1 (example.test.), GetChange C7 answers INSYNC.
  const paths: string[] = [];
  let server: Server;
  let endpoint: string;
  before(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      const body = req.url?.includes('/change/')
        ? '<GetChangeResponse><ChangeInfo><Id>/change/C7</Id><Status>INSYNC</Status><SubmittedAt>2024-01-01T00:00:00Z</SubmittedAt></ChangeInfo></GetChangeResponse>'
        : '<GetHostedZoneResponse><HostedZone><Id>/hostedzone/Z1</Id><Name>example.test.</Name><CallerReference>x</CallerReference></HostedZone><DelegationSet><NameServers><NameServer>ns</NameServer></NameServers></DelegationSet></GetHostedZoneResponse>';
      res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const connect = () => new RecordConnector().connect({ name: 'fake', type: 'aws', region: 'us-east-1', endpoint, credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' }, settings: {} });
  const resource = (name: string, recorded?: Record<string, unknown>): ManagedResource<DNSRecordSpec> => ({
    kind: 'DNSRecord', namespace: 'team', name: 'r', uid: 'u', generation: 1, externalName: name, ownershipMark: 'mooring/team/r', recorded,
    spec: { ...parseSpec('DNSRecord', { providerConfigRef: { name: 'fake' }, zone: { id: 'Z1' }, name: 'www', type: 'A', values: ['192.0.2.1'] }), name },
  });

  it('refuses \\137mooring (octal for _mooring) before any request', async () => {
    const client = await connect();
    await assert.rejects(client.observe(resource('\\137mooring-a.www')), (err: unknown) => err instanceof TerminalError && err.reason === ProviderReason.ReservedName);
    assert.deepEqual(paths, []);
  });

  it('asks Route 53 about the change the last pass recorded as PENDING, and reports it INSYNC in atProvider', async () => {
    const client = await connect();
    // The fake answers the listing with no record sets: the record set is not there.
    const observed = await client.observe(resource('www', { hostedZoneId: 'Z1', changeId: 'C7', changeStatus: 'PENDING' }));
    assert.equal(paths.filter((p) => p.endsWith('/change/C7')).length, 1, `GetChange asked once: ${paths.join(', ')}`);
    assert.deepEqual(observed, { exists: false, upToDate: false, atProvider: { hostedZoneId: 'Z1', fqdn: 'www.example.test.', changeId: 'C7', changeStatus: 'INSYNC' } });
  });
});
