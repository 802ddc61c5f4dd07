// The conformance kit against the Route 53 DNSRecord adapter on the emulator. The oracle lists
// and changes record sets with a raw Route 53 client; it reads the ownership record (a TXT record
// `_mooring-<type>.<name>` holding the mark, as docs/dnsrecord.md describes) on its own. It runs
// twice: through a fault proxy of this file's own (no faults set), which plays Route 53's change
// guards that moto lacks, with the adapter told it may rely on them (settings.route53ChangeGuards),
// as on AWS; and straight on moto, as the sandbox's ProviderConfig has it (no guards).
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import {
  ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, GetHealthCheckCommand, ListResourceRecordSetsCommand, Route53Client, type Change, type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { RecordConnector } from '../../providers/aws/index.ts';
import { DNS_RECORD_VALUES, describeConformance, dnsRecordVariants, type ConformanceTarget, type Found } from '../../sdk/conformance/index.ts';
import type { DNSRecordSpec, ManagedResource, ProviderConnection } from '../../sdk/index.ts';
import { FaultProxy } from '../../src/stack/faultproxy.ts';
import { useStack } from '../support/stack.ts';
import { recordResource } from './dns.ts';
import { MOTO_ACCEPTS_ANY_CREDENTIALS, deadConnection, emulatorConnection } from './aws.ts';

const stack = useStack(['aws']);
let proxy: FaultProxy | undefined;
after(() => proxy?.stop());

describeConformance<DNSRecordSpec>('aws Route 53 DNSRecord', async () => {
  const aws = (await stack.ready()).aws!;
  proxy = await FaultProxy.start(aws.endpoint);
  return target({ ...emulatorConnection(aws, 'conformance-r53'), endpoint: proxy.endpoint, settings: { forcePathStyle: 'true', route53ChangeGuards: 'true' } });
});

describeConformance<DNSRecordSpec>('aws Route 53 DNSRecord, straight on the emulator (no change guards)', async () => {
  const aws = (await stack.ready()).aws!;
  return target(emulatorConnection(aws, 'conformance-r53-moto'));
});

async function target(connection: ProviderConnection): Promise<ConformanceTarget<DNSRecordSpec>> {
  const aws = stack().aws!;
  const ZONE = `conformance-${randomBytes(3).toString('hex')}.test.`;
  const r53 = new Route53Client({ endpoint: aws.endpoint, region: aws.region, credentials: connection.credentials! });
  const zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: ZONE }))).HostedZone!.Id!.replace('/hostedzone/', '');

  const fqdn = (r: ManagedResource<DNSRecordSpec>) => `${r.spec.name}.${ZONE}`;
  const ownerName = (r: ManagedResource<DNSRecordSpec>) => `_mooring-a.${fqdn(r)}`;
  const sets = async (name: string): Promise<ResourceRecordSet[]> => {
    const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, MaxItems: 10 }));
    return (page.ResourceRecordSets ?? []).filter((s) => s.Name === name);
  };
  const change = (changes: Change[]) => changes.length ? r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } })) : undefined;
  const record = (name: string, type: 'A' | 'TXT', values: string[], ttl = 300): ResourceRecordSet => ({ Name: name, Type: type, TTL: ttl, ResourceRecords: values.map((Value) => ({ Value })) });
  const remove = async (r: ManagedResource<DNSRecordSpec>) => {
    const existing = [...(await sets(fqdn(r))).filter((s) => s.Type === 'A'), ...(await sets(ownerName(r))).filter((s) => s.Type === 'TXT')];
    await change(existing.map((s) => ({ Action: 'DELETE', ResourceRecordSet: s })));
  };
  return {
    connector: new RecordConnector({ batch: { windowMs: 20 } }),
    connection: () => connection,
    resource: (name) => recordResource(name, ZONE, connection.name),
    oracle: {
      async read(r): Promise<Found[]> {
        const owner = (await sets(ownerName(r))).find((s) => s.Type === 'TXT')?.ResourceRecords?.[0]?.Value;
        const mark = owner?.replace(/^"|"$/g, '');
        const found = (await sets(fqdn(r))).filter((s) => s.Type === 'A');
        return Promise.all(found.map(async (s) => ({
          mark,
          state: {
            ttl: s.TTL, values: (s.ResourceRecords ?? []).map((v) => v.Value).sort(), alias: s.AliasTarget, set: s.SetIdentifier, weight: s.Weight, failover: s.Failover, region: s.Region, geo: s.GeoLocation,
            // The health check the record set names, as Route 53 holds it.
            healthCheck: s.HealthCheckId ? (await r53.send(new GetHealthCheckCommand({ HealthCheckId: s.HealthCheckId }))).HealthCheck?.HealthCheckConfig : undefined,
          },
        })));
      },
      async drift(r) {
        await change([{ Action: 'UPSERT', ResourceRecordSet: record(fqdn(r), 'A', ['192.0.2.1'], 60) }]);
        return 'ttl';
      },
      remove,
      async plant(r, mark) {
        await change([
          { Action: 'UPSERT', ResourceRecordSet: record(fqdn(r), 'A', ['192.0.2.99']) },
          ...(mark ? [{ Action: 'UPSERT' as const, ResourceRecordSet: record(ownerName(r), 'TXT', [`"${mark}"`]) }] : []),
        ]);
      },
      cleanup: remove,
    },
    unreachable: (secret) => deadConnection(connection, secret),
    invalidSpec: (r) => ({ ...r, spec: { ...r.spec, zone: { name: `no-such-${ZONE}` } } }),
    fields: {
      // An alias replaces values and ttl; each routing policy is fixed at create (the set identifier is part of the set's identity).
      variants: dnsRecordVariants(ZONE, zoneId),
      values: DNS_RECORD_VALUES,
    },
    skip: {
      'bad credentials are Terminal': MOTO_ACCEPTS_ANY_CREDENTIALS,
    },
  };
}
