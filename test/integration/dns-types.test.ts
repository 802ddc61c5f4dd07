// The record types beyond A (PTR, DS, NAPTR, HTTPS, SVCB, SSHFP, TLSA, SPF, CAA) and Route 53's
// routing policies, on the real stack: each is written through the DNS kit, read back by a raw
// client as the spec asked, and then observed up to date (a server's own spelling of a value,
// such as PowerDNS's, must not read as drift for ever). PowerDNS takes every type; Route 53 (moto)
// every type and every routing policy, the geolocation and failover fields read back as sent.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { RecordConnector as Route53Connector } from '../../providers/aws/index.ts';
import { RecordConnector as PdnsConnector } from '../../providers/powerdns/index.ts';
import { deleteUntilGone, settle } from '../../sdk/conformance/drive.ts';
import type { Connector, DNSRecordSpec, ManagedResource, ProviderConnection } from '../../sdk/index.ts';
import { DNSRecordSpec as RecordSchema, type DNSRecordSpecInput } from '../../src/api/dnsrecord.ts';
import { ensurePdnsZone } from '../../src/stack/pdns.ts';
import { emulatorConnection } from '../conformance/aws.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['aws', 'pdns']);
const ZONE = `types-${randomBytes(3).toString('hex')}.test.`;
const HEX32 = '49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de8a1b9d32b6ffc0e8a9f4a0b1';

/** [type, record name, spec values, values as the server lists them]. */
const TYPES: [string, string, string[], string[]][] = [
  ['PTR', 'ptr', ['Host.Example.net'], ['host.example.net.']],
  ['DS', 'sub', [`12345 13 2 ${HEX32.toUpperCase()}`], [`12345 13 2 ${HEX32}`]],
  ['NAPTR', 'naptr', ['100 10 "S" "SIP+D2U" "" _sip._udp.example.net'], ['100 10 "S" "SIP+D2U" "" _sip._udp.example.net.']],
  ['HTTPS', 'https', ['1 . port=8443 alpn="h2,h3"'], ['1 . alpn=h2,h3 port=8443']],
  ['SVCB', '_dns', ['1 dns.example.net. port=853'], ['1 dns.example.net. port=853']],
  ['SSHFP', 'host', [`4 2 ${HEX32}`], [`4 2 ${HEX32}`]],
  ['TLSA', '_443._tcp.www', [`3 1 1 ${HEX32}`], [`3 1 1 ${HEX32}`]],
  ['SPF', 'mail', ['v=spf1 -all'], ['"v=spf1 -all"']],
  ['CAA', 'caa', ['0 issue "letsencrypt.org"'], ['0 issue "letsencrypt.org"']],
];

const resource = (name: string, pc: string, spec: Partial<DNSRecordSpecInput>): ManagedResource<DNSRecordSpec> => ({
  kind: 'DNSRecord', namespace: 'types', name, uid: `uid-${name}`, generation: 1, externalName: name, ownershipMark: `test/types/${name}`,
  spec: RecordSchema.parse({ providerConfigRef: { name: pc }, zone: { name: ZONE }, name, type: 'A', ...spec }),
});

type DnsConnector = Connector<DNSRecordSpec, Record<string, unknown>>;

/**
 * Creates the record through a connector and waits until it is written; returns what a fresh
 * connector (no listing cached: what the server holds now, in its own spelling) observes.
 */
async function write(make: () => DnsConnector, connection: ProviderConnection, r: ManagedResource<DNSRecordSpec>) {
  const client = await make().connect(connection);
  await client.create(r);
  await settle(client, r, 30_000);
  return settle(await make().connect(connection), r, 30_000);
}

const sorted = (v: string[]) => [...v].sort();

describe('record types and routing on Route 53 (moto)', () => {
  let r53: Route53Client;
  let zoneId: string;
  let connection: ProviderConnection;
  const connector = () => new Route53Connector({ batch: { windowMs: 20 } });
  before(async () => {
    const aws = (await stack.ready()).aws!;
    connection = emulatorConnection(aws, 'types-r53');
    r53 = new Route53Client({ endpoint: aws.endpoint, region: aws.region, credentials: connection.credentials! });
    zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: ZONE }))).HostedZone!.Id!.replace('/hostedzone/', '');
  });
  const listed = async (name: string, type: string): Promise<ResourceRecordSet[]> => {
    const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    return (page.ResourceRecordSets ?? []).filter((s) => s.Name === `${name}.${ZONE}` && s.Type === type);
  };

  for (const [type, name, values, served] of TYPES) {
    it(`writes ${type} as the spec says and observes it up to date`, async () => {
      const r = resource(`r53-${name}`.replace('r53-_', '_r53-'), connection.name, { type: type as 'A', values });
      const observed = await write(connector, connection, r);
      assert.deepEqual([observed.exists, observed.upToDate, observed.diff], [true, true, undefined]);
      const [set] = await listed(r.spec.name, type);
      assert.deepEqual(sorted((set?.ResourceRecords ?? []).map((v) => v.Value!)), sorted(served));
      await deleteUntilGone(() => connector().connect(connection), r, 30_000);
      assert.deepEqual(await listed(r.spec.name, type), []);
    });
  }

  it('writes a failover pair, latency, geolocation and multivalue record sets with their routing', async () => {
    const routed = [
      resource('primary', connection.name, { name: 'app', values: ['192.0.2.1'], failover: { setIdentifier: 'p', role: 'PRIMARY' } }),
      resource('secondary', connection.name, { name: 'app', values: ['192.0.2.2'], failover: { setIdentifier: 's', role: 'SECONDARY' } }),
      resource('latency', connection.name, { name: 'near', values: ['192.0.2.3'], latency: { setIdentifier: 'eu', region: 'eu-west-1' } }),
      resource('geo', connection.name, { name: 'geo', values: ['192.0.2.4'], geolocation: { setIdentifier: 'ca', country: 'US', subdivision: 'CA' } }),
      resource('multi', connection.name, { name: 'multi', values: ['192.0.2.5'], multivalue: { setIdentifier: 'm1' } }),
    ];
    for (const r of routed) {
      const observed = await write(connector, connection, r);
      assert.deepEqual([r.name, observed.exists, observed.upToDate], [r.name, true, true]);
    }
    const app = await listed('app', 'A');
    assert.deepEqual(app.map((s) => [s.SetIdentifier, s.Failover]).sort(), [['p', 'PRIMARY'], ['s', 'SECONDARY']]);
    assert.equal((await listed('near', 'A'))[0]?.Region, 'eu-west-1');
    assert.deepEqual((await listed('geo', 'A'))[0]?.GeoLocation, { CountryCode: 'US', SubdivisionCode: 'CA' });
    assert.equal((await listed('multi', 'A'))[0]?.MultiValueAnswer, true);
    // Changed behind mooring's back, the routing is drift, named by its field.
    const [primary] = app.filter((s) => s.SetIdentifier === 'p');
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { ...primary!, Failover: 'SECONDARY' } }] } }));
    const drifted = await settle(await connector().connect(connection), routed[0]!, 30_000);
    assert.deepEqual(drifted.diff?.map((d) => d.path), ['failover.role']);
  });
});

describe('record types on PowerDNS', () => {
  let connection: ProviderConnection;
  let api: (path: string) => Promise<{ rrsets: { name: string; type: string; records: { content: string }[] }[] }>;
  const connector = () => new PdnsConnector({ batch: { windowMs: 20 } });
  before(async () => {
    const pdns = (await stack.ready()).pdns!;
    connection = { name: 'types-pdns', type: 'powerdns', region: 'local', endpoint: pdns.apiUrl, settings: {}, secretData: { apiKey: pdns.apiKey } };
    await ensurePdnsZone(pdns, ZONE);
    api = async (path) => (await fetch(`${pdns.apiUrl}/api/v1/servers/localhost${path}`, { headers: { 'X-API-Key': pdns.apiKey } })).json() as never;
  });

  for (const [type, name, values, served] of TYPES) {
    it(`writes ${type} as the spec says and observes it up to date`, async () => {
      const r = resource(`pdns-${name}`.replace('pdns-_', '_pdns-'), connection.name, { type: type as 'A', values });
      const observed = await write(connector, connection, r);
      assert.deepEqual([observed.exists, observed.upToDate, observed.diff], [true, true, undefined]);
      const set = (await api(`/zones/${ZONE}`)).rrsets.find((s) => s.name === `${r.spec.name}.${ZONE}` && s.type === type);
      assert.deepEqual(sorted((set?.records ?? []).map((v) => v.content.toLowerCase())), sorted(served.map((v) => v.toLowerCase())));
      await deleteUntilGone(() => connector().connect(connection), r, 30_000);
    });
  }
});
