// Route 53's record sets in the DNS kit's shape (sdk/dns/records.ts) and back, and what a change
// costs against Route 53's batch limits. Route 53 escapes characters outside [a-z0-9-_.] in the
// names it answers as \ooo, octal (a wildcard is \052).
import type { GeoLocation, ResourceRecordSet, ResourceRecordSetRegion, RRType } from '@aws-sdk/client-route-53';
import { DEFAULT_TTL, canonical, unescape, type DnsChange, type DnsRecordSet, type Geolocation } from '../../../sdk/index.ts';

/** A name as Route 53 answers it → canonical, its octal escapes undone. */
export const decodeName = (name: string): string => canonical(unescape(name, 'octal'));

export function fromRoute53(rrset: ResourceRecordSet): DnsRecordSet {
  const rs: DnsRecordSet = { name: decodeName(rrset.Name ?? ''), type: rrset.Type ?? '' };
  if (rrset.SetIdentifier !== undefined) rs.setIdentifier = rrset.SetIdentifier;
  if (rrset.Weight !== undefined) rs.weight = rrset.Weight;
  if (rrset.Failover !== undefined) rs.failover = rrset.Failover;
  if (rrset.Region !== undefined) rs.region = rrset.Region;
  if (rrset.MultiValueAnswer !== undefined) rs.multiValueAnswer = rrset.MultiValueAnswer;
  if (rrset.GeoLocation) rs.geolocation = fromGeo(rrset.GeoLocation);
  if (rrset.HealthCheckId !== undefined) rs.healthCheckId = rrset.HealthCheckId;
  if (rrset.TTL !== undefined) rs.ttl = rrset.TTL;
  if (rrset.ResourceRecords) rs.values = rrset.ResourceRecords.map((r) => r.Value ?? '');
  if (rrset.AliasTarget) {
    rs.alias = {
      dnsName: decodeName(rrset.AliasTarget.DNSName ?? ''),
      hostedZoneId: rrset.AliasTarget.HostedZoneId ?? '',
      evaluateTargetHealth: rrset.AliasTarget.EvaluateTargetHealth ?? false,
    };
  }
  return rs;
}

/** Route 53's GeoLocation in the kit's shape: only the codes given. */
function fromGeo(g: GeoLocation): Geolocation {
  const out: Geolocation = {};
  if (g.ContinentCode) out.continent = g.ContinentCode;
  if (g.CountryCode) out.country = g.CountryCode;
  if (g.SubdivisionCode) out.subdivision = g.SubdivisionCode;
  return out;
}

function toGeo(g: Geolocation): GeoLocation {
  const out: GeoLocation = {};
  if (g.continent) out.ContinentCode = g.continent;
  if (g.country) out.CountryCode = g.country;
  if (g.subdivision) out.SubdivisionCode = g.subdivision;
  return out;
}

export function toRoute53(rs: DnsRecordSet): ResourceRecordSet {
  const out: ResourceRecordSet = { Name: rs.name, Type: rs.type as RRType };
  if (rs.setIdentifier !== undefined) out.SetIdentifier = rs.setIdentifier;
  if (rs.weight !== undefined) out.Weight = rs.weight;
  if (rs.failover !== undefined) out.Failover = rs.failover;
  if (rs.region !== undefined) out.Region = rs.region as ResourceRecordSetRegion;
  if (rs.multiValueAnswer !== undefined) out.MultiValueAnswer = rs.multiValueAnswer;
  if (rs.geolocation) out.GeoLocation = toGeo(rs.geolocation);
  if (rs.healthCheckId !== undefined) out.HealthCheckId = rs.healthCheckId;
  if (rs.alias) {
    out.AliasTarget = { DNSName: rs.alias.dnsName, HostedZoneId: rs.alias.hostedZoneId, EvaluateTargetHealth: rs.alias.evaluateTargetHealth };
  } else {
    out.TTL = rs.ttl ?? DEFAULT_TTL;
    out.ResourceRecords = (rs.values ?? []).map((Value) => ({ Value }));
  }
  return out;
}

/** What one change costs against Route 53's batch limits (an UPSERT counts twice for both). */
export function changeCost({ action, recordSet: rs }: DnsChange): { values: number; chars: number } {
  const times = action === 'UPSERT' ? 2 : 1;
  const values = rs.alias ? 1 : (rs.values?.length ?? 0);
  const chars = rs.alias ? rs.alias.dnsName.length : (rs.values ?? []).reduce((n, v) => n + v.length, 0);
  return { values: values * times, chars: chars * times };
}
