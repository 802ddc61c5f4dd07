// The conformance kit's DNSRecord cases against a backend written only against the DNS kit's port
// (memory.ts): a third DNS provider needs nothing else. The oracle reads the in-memory server.
import { DNS_RECORD_VALUES, describeConformance, dnsRecordVariants, type Found } from '../conformance/index.ts';
import type { DNSRecordSpec, ManagedResource, ProviderConnection } from '../index.ts';
import { parseSpec } from '../specs.ts';
import { setIdentifierOf } from '../../src/api/dnsrecord.ts';
import { MemoryDns, memoryConnector } from './memory.ts';
import { keyOf } from './records.ts';

const ZONE = 'memory.test.';

for (const guarded of [false, true]) {
  describeConformance<DNSRecordSpec>(`memory DNSRecord${guarded ? ', guarded' : ''}`, () => {
    const server = new MemoryDns();
    server.guarded = guarded;
    const zone = server.addZone(ZONE);
    const connection: ProviderConnection = { name: 'memory', type: 'memory', region: 'local', settings: {}, secretData: { token: server.token } };
    const fqdn = (r: ManagedResource<DNSRecordSpec>) => `${r.spec.name}.${ZONE}`;
    const key = (r: ManagedResource<DNSRecordSpec>) => keyOf({ name: fqdn(r), type: 'A', setIdentifier: setIdentifierOf(r.spec) });
    const ownerKey = (r: ManagedResource<DNSRecordSpec>) => [...zone.keys()].find((k) => k.startsWith('_mooring-a') && k.includes(`.${fqdn(r)}|TXT`));
    const remove = async (r: ManagedResource<DNSRecordSpec>) => {
      zone.delete(key(r));
      const owner = ownerKey(r);
      if (owner) zone.delete(owner);
    };
    return {
      // A clock a thousand times fast: listings a few seconds old are never reused, so what the
      // oracle changes shows at the next observe (the kit's freshness rules are tested on their own).
      connector: memoryConnector(server, { now: () => Date.now() * 1000 }),
      connection: () => connection,
      resource: (name) => ({
        kind: 'DNSRecord', namespace: 'conformance', name, uid: `uid-${name}`, generation: 1, externalName: name, ownershipMark: `conformance/conformance/${name}`,
        spec: parseSpec('DNSRecord', { providerConfigRef: { name: 'memory' }, zone: { name: ZONE }, name, type: 'A', ttl: 300, values: ['192.0.2.1'] }),
      }),
      oracle: {
        async read(r): Promise<Found[]> {
          const owner = ownerKey(r);
          const mark = owner ? zone.get(owner)?.values?.[0]?.replace(/^"|"$/g, '') : undefined;
          const live = zone.get(key(r));
          return live ? [{ mark, state: structuredClone(live) }] : [];
        },
        async drift(r) {
          zone.get(key(r))!.ttl = 60;
          return 'ttl';
        },
        remove,
        async plant(r, mark) {
          zone.set(key(r), { name: fqdn(r), type: 'A', ttl: 300, values: ['192.0.2.99'] });
          if (mark) zone.set(`_mooring-a.${fqdn(r)}|TXT|`, { name: `_mooring-a.${fqdn(r)}`, type: 'TXT', ttl: 300, values: [`"${mark}"`] });
        },
        cleanup: remove,
      },
      unreachable: (secret) => ({ ...connection, name: 'memory-down', settings: { down: 'true' }, secretData: { token: secret } }),
      badCredentials: (secret) => ({ ...connection, name: 'memory-bad', secretData: { token: secret } }),
      invalidSpec: (r) => ({ ...r, spec: { ...r.spec, zone: { name: `no-such-${ZONE}` } } }),
      fields: {
        // A port without HealthChecks: the kit itself refuses the field (HealthCheckUnsupported).
        refused: { healthCheck: 'health checks: this backend has none, so the kit refuses the field (HealthCheckUnsupported) rather than ignore it' },
        variants: dnsRecordVariants(ZONE, 'Z0123456789ABC'),
        values: DNS_RECORD_VALUES,
      },
    };
  });
}
