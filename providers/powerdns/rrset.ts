// PowerDNS's record sets in the DNS kit's shape (sdk/dns/records.ts) and its PATCH entries. It
// keys a record set by name and type (no set identifiers) and keeps records it does not serve
// (`disabled`), which a REPLACE drops.
import { canonical, type DnsChange, type DnsRecordSet } from '../../sdk/index.ts';
import type { ApiRRset, RRsetChange } from './api.ts';

export function fromApi(rrset: ApiRRset): DnsRecordSet {
  const disabled = rrset.records.filter((r) => r.disabled).length;
  return { name: canonical(rrset.name), type: rrset.type, ttl: rrset.ttl, values: rrset.records.map((r) => r.content), ...(disabled ? { disabled } : {}) };
}

/** A kit change → a PATCH entry: CREATE and UPSERT set the whole record set (REPLACE); DELETE removes it by name and type. */
export function toApi({ action, recordSet: rs }: DnsChange): RRsetChange {
  if (action === 'DELETE') return { name: rs.name, type: rs.type, changetype: 'DELETE' };
  return { name: rs.name, type: rs.type, changetype: 'REPLACE', ttl: rs.ttl ?? 0, records: (rs.values ?? []).map((content) => ({ content, disabled: false })) };
}
