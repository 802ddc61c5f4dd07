// What the DNSRecord conformance targets share: the resource each case gets, an A record set in
// the target's zone named after the case.
import type { DNSRecordSpec, ManagedResource } from '../../sdk/index.ts';
import { DNSRecordSpec as RecordSchema } from '../../src/api/dnsrecord.ts';

export function recordResource(name: string, zone: string, providerConfig: string): ManagedResource<DNSRecordSpec> {
  return {
    kind: 'DNSRecord', namespace: 'conformance', name, uid: `uid-${name}`, generation: 1, externalName: name,
    ownershipMark: `conformance/conformance/${name}`,
    spec: RecordSchema.parse({ providerConfigRef: { name: providerConfig }, zone: { name: zone }, name, type: 'A', ttl: 300, values: ['192.0.2.1'] }),
  };
}
