// The field walk's variants for a DNSRecord: specs that reach the blocks the kit's first resource
// cannot, for any DNS backend's conformance target. Each routing policy is fixed at create (its set
// identifier is part of the record set's identity), an alias replaces values and ttl, and
// geolocation names a continent or a country, never both: so one spec each. A health check rides
// on a failover primary, as it would in use.
import type { DNSRecordSpec } from '../../src/api/dnsrecord.ts';

type Variant = (spec: DNSRecordSpec) => DNSRecordSpec;

/** Variants by name; `alias` points at `target.<zone>` in the zone `aliasZoneId`. */
export function dnsRecordVariants(zone: string, aliasZoneId: string): Record<string, Variant> {
  return {
    alias: (spec) => ({ ...spec, values: undefined, ttl: undefined, alias: { dnsName: `target.${zone}`, hostedZoneId: aliasZoneId, evaluateTargetHealth: false } }),
    weighted: (spec) => ({ ...spec, weighted: { setIdentifier: 'walk', weight: 10 } }),
    failover: (spec) => ({ ...spec, failover: { setIdentifier: 'walk', role: 'PRIMARY' } }),
    latency: (spec) => ({ ...spec, latency: { setIdentifier: 'walk', region: 'eu-west-1' } }),
    'geolocation by continent': (spec) => ({ ...spec, geolocation: { setIdentifier: 'walk', continent: 'EU' } }),
    'geolocation by country': (spec) => ({ ...spec, geolocation: { setIdentifier: 'walk', country: 'US', subdivision: 'CA' } }),
    'health check': (spec) => ({ ...spec, failover: { setIdentifier: 'walk-hc', role: 'PRIMARY' }, healthCheck: { protocol: 'HTTP', ipAddress: '192.0.2.10', path: '/health', requestInterval: 30, failureThreshold: 3 } }),
  };
}

/** Values the walk cannot guess for the geolocation codes. */
export const DNS_RECORD_VALUES: Record<string, unknown[]> = {
  'geolocation.country': ['CA'],
  'geolocation.subdivision': ['NY'],
  'healthCheck.ipAddress': ['192.0.2.11'],
  'healthCheck.fqdn': ['check.example.com'],
  'healthCheck.path': ['/ready'],
};
