// The conformance kit against the PowerDNS plugin on the stack's pdns_server: the same cases the
// Route 53 adapter passes. The oracle reads and changes record sets with plain HTTP calls to the
// PowerDNS API; it reads the ownership record (`_mooring-a.<name>`, holding the mark) on its own.
import { randomBytes } from 'node:crypto';
import { RecordConnector } from '../../providers/powerdns/index.ts';
import { describeConformance, dnsRecordVariants, type Found } from '../../sdk/conformance/index.ts';
import { ROUTING_POLICIES, type DNSRecordSpec, type ManagedResource, type ProviderConnection } from '../../sdk/index.ts';
import { ensurePdnsZone } from '../../src/stack/pdns.ts';
import { useStack } from '../support/stack.ts';
import { recordResource } from './dns.ts';

const stack = useStack(['pdns']);
const ZONE = `conformance-${randomBytes(3).toString('hex')}.test.`;

interface ApiRRset {
  name: string;
  type: string;
  ttl: number;
  records: { content: string }[];
}

describeConformance<DNSRecordSpec>('powerdns DNSRecord', async () => {
  const pdns = (await stack.ready()).pdns!;
  const connection: ProviderConnection = { name: 'conformance-pdns', type: 'powerdns', region: 'local', endpoint: pdns.apiUrl, settings: {}, secretData: { apiKey: pdns.apiKey } };
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost${path}`, {
      method,
      headers: { 'X-API-Key': pdns.apiKey, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`PowerDNS ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  };
  await ensurePdnsZone(pdns, ZONE);

  const fqdn = (r: ManagedResource<DNSRecordSpec>) => `${r.spec.name}.${ZONE}`;
  const ownerName = (r: ManagedResource<DNSRecordSpec>) => `_mooring-a.${fqdn(r)}`;
  const sets = async () => (await api<{ rrsets: ApiRRset[] }>('GET', `/zones/${ZONE}`)).rrsets;
  const patch = (rrsets: unknown[]) => api<undefined>('PATCH', `/zones/${ZONE}`, { rrsets });
  const put = (name: string, type: string, contents: string[], ttl = 300) => ({ name, type, ttl, changetype: 'REPLACE', records: contents.map((content) => ({ content, disabled: false })) });
  const remove = (r: ManagedResource<DNSRecordSpec>) => patch([{ name: fqdn(r), type: 'A', changetype: 'DELETE' }, { name: ownerName(r), type: 'TXT', changetype: 'DELETE' }]);
  return {
    connector: new RecordConnector({ batch: { windowMs: 20 } }),
    connection: () => connection,
    resource: (name) => recordResource(name, ZONE, connection.name),
    oracle: {
      async read(r): Promise<Found[]> {
        const all = await sets();
        const owner = all.find((s) => s.name === ownerName(r) && s.type === 'TXT')?.records[0]?.content;
        const mark = owner?.replace(/^"|"$/g, '');
        return all.filter((s) => s.name === fqdn(r) && s.type === 'A').map((s) => ({ mark, state: { ttl: s.ttl, values: s.records.map((v) => v.content).sort() } }));
      },
      async drift(r) {
        await patch([put(fqdn(r), 'A', ['192.0.2.1'], 60)]);
        return 'ttl';
      },
      remove,
      async plant(r, mark) {
        await patch([put(fqdn(r), 'A', ['192.0.2.99']), ...(mark ? [put(ownerName(r), 'TXT', [`"${mark}"`])] : [])]);
      },
      cleanup: remove,
    },
    // Port 1 takes no connections: fetch refuses it before trying, which still is no answer.
    unreachable: (secret) => ({ ...connection, name: 'conformance-dead', endpoint: 'http://127.0.0.1:1', secretData: { apiKey: secret } }),
    badCredentials: (secret) => ({ ...connection, name: 'conformance-bad', secretData: { apiKey: secret } }),
    invalidSpec: (r) => ({ ...r, spec: { ...r.spec, zone: { name: `no-such-${ZONE}` } } }),
    fields: {
      refused: {
        alias: 'Route 53 aliases: PowerDNS has none, so the plugin refuses the field (InvalidSpec) rather than ignore it',
        healthCheck: 'Route 53 health checks: PowerDNS runs none, so the plugin refuses the field (HealthCheckUnsupported) rather than ignore it',
        ...Object.fromEntries(
          // multivalue holds its set identifier alone, immutable: nothing to walk (record.test.ts checks its refusal).
          ROUTING_POLICIES.filter((p) => p !== 'multivalue').map((p) => [p, `Route 53 ${p} routing: PowerDNS has none, so the plugin refuses the field (RoutingUnsupported) rather than ignore it`]),
        ),
      },
      // The specs that set them: an alias replaces values and ttl; each routing policy is fixed at create.
      variants: dnsRecordVariants(ZONE, 'Z0123456789ABC'),
    },
  };
});
