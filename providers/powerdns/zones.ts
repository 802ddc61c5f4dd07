// PowerDNS's zones: one by name (the API filters `?zone=`) or by id, and all its record sets in one
// GET. The DNS kit caches and shares both (sdk/dns/zones.ts).
import { TerminalError, canonical, type DnsRecordSet, type Zone } from '../../sdk/index.ts';
import type { PdnsApi } from './api.ts';
import { PdnsReason } from './reasons.ts';
import { fromApi } from './rrset.ts';

/** A zone by id or by canonical name; ZoneNotFound says how to make it. */
export async function findZone(api: PdnsApi, ref: { id: string } | { name: string }): Promise<Zone> {
  if ('id' in ref) {
    const zone = await api.zone(ref.id);
    return { id: zone.id, name: canonical(zone.name) };
  }
  const match = (await api.zonesNamed(ref.name)).find((z) => canonical(z.name) === ref.name);
  if (!match) throw new TerminalError(PdnsReason.ZoneNotFound, `PowerDNS has no zone named ${ref.name}; create it (pdnsutil create-zone ${ref.name}), or fix spec.zone`);
  return { id: match.id, name: ref.name };
}

/** Every record set of the zone, from one GET. */
export async function listZone(api: PdnsApi, zoneId: string, sent: () => void): Promise<DnsRecordSet[]> {
  return ((await api.zone(zoneId, sent)).rrsets ?? []).map(fromApi);
}
