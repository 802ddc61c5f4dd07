// A record set as the spec wants it and as a backend reports it, in one normalised shape, and the
// field-level diff between the two. Pure functions.
//
// Normalising: names are lowercase with a trailing dot; host names in values get their trailing
// dot; IPv6 is compressed (RFC 5952); TXT text is quoted and split into 255-character strings on
// the way out and joined again on the way in, so `"ab"` and `"a" "b"` compare equal.
import type { FieldDiff } from '../contract.ts';
import type { DNSRecordSpec } from '../../src/api/dnsrecord.ts';
import { canonical, type EscapeSyntax } from './names.ts';
import { formatTxt, parseTxt } from './txt.ts';

export const DEFAULT_TTL = 300;

/** An alias record set's target (Route 53). */
export interface Alias {
  dnsName: string;
  hostedZoneId: string;
  evaluateTargetHealth: boolean;
}

/** One record set, normalised: what a port lists and what the kit asks it to write. */
export interface DnsRecordSet {
  name: string;
  type: string;
  /** Weighted routing (Route 53): names this set among those sharing name and type. */
  setIdentifier?: string | undefined;
  weight?: number | undefined;
  /** Unset for an alias. */
  ttl?: number | undefined;
  /** The values in the backend's zone-file form (TXT quoted). */
  values?: string[] | undefined;
  alias?: Alias | undefined;
  /** How many values the backend keeps but does not serve (PowerDNS's disabled records); a rewrite drops them. */
  disabled?: number | undefined;
  /**
   * A listing found two record sets with this identity: only a backend without a CREATE guard
   * (moto) holds such a pair. Neither is written nor deleted (planChanges).
   */
  duplicated?: boolean | undefined;
}

/** A record set's identity in a zone: name, type and set identifier. */
export function recordKey(name: string, type: string, setIdentifier?: string): string {
  return `${name}|${type}|${setIdentifier ?? ''}`;
}

export const keyOf = (rs: Pick<DnsRecordSet, 'name' | 'type' | 'setIdentifier'>) => recordKey(rs.name, rs.type, rs.setIdentifier);

/** Every record set of a zone by key, as listed (and kept true by our own accepted writes). */
export type ZoneListing = Map<string, DnsRecordSet>;

const host = (name: string) => (name === '.' ? '.' : canonical(name));

/** IPv6 in its compressed lowercase form (RFC 5952), as DNS servers answer it. */
function ipv6(value: string): string {
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return value.toLowerCase(); // not an address: the backend's refusal will say so
  }
}

/** A spec value → the value written: host names absolute, IPv6 compressed, TXT quoted. */
export function writeValue(type: string, value: string): string {
  switch (type) {
    case 'TXT':
      return formatTxt(value);
    case 'CNAME':
    case 'NS':
      return host(value.trim());
    case 'MX':
    case 'SRV': {
      // The last field is a host name.
      const parts = value.trim().split(/\s+/);
      parts[parts.length - 1] = host(parts[parts.length - 1]!);
      return parts.join(' ');
    }
    case 'AAAA':
      return ipv6(value.trim());
    default:
      return value.trim();
  }
}

/** A value in the form two equal values share, for comparison only. */
export function comparable(type: string, value: string, escapes: EscapeSyntax): string {
  if (type === 'TXT') return parseTxt(value, escapes);
  return writeValue(type, value).toLowerCase();
}

/** The record set a spec asks for, at its absolute name. */
export function desiredRecord(spec: Pick<DNSRecordSpec, 'type' | 'ttl' | 'values' | 'alias' | 'weighted'>, fqdn: string): DnsRecordSet {
  const rs: DnsRecordSet = { name: fqdn, type: spec.type };
  if (spec.weighted) {
    rs.setIdentifier = spec.weighted.setIdentifier;
    rs.weight = spec.weighted.weight;
  }
  if (spec.alias) {
    rs.alias = {
      // The reconciler resolves alias.dnsNameFrom into dnsName before an adapter sees the spec.
      dnsName: canonical(spec.alias.dnsName ?? ''),
      hostedZoneId: spec.alias.hostedZoneId.replace(/^\/hostedzone\//, ''),
      evaluateTargetHealth: spec.alias.evaluateTargetHealth,
    };
  } else {
    rs.ttl = spec.ttl ?? DEFAULT_TTL;
    rs.values = (spec.values ?? []).map((v) => writeValue(spec.type, v));
  }
  return rs;
}

const sameAlias = (a: Alias | undefined, b: Alias) => a !== undefined && a.dnsName === b.dnsName && a.hostedZoneId === b.hostedZoneId && a.evaluateTargetHealth === b.evaluateTargetHealth;

const valueSet = (rs: DnsRecordSet, type: string, escapes: EscapeSyntax) => JSON.stringify([...new Set((rs.values ?? []).map((v) => comparable(type, v, escapes)))].sort());

/** Every field where the live record set differs from the desired one; empty when equal. */
export function diffRecord(desired: DnsRecordSet, live: DnsRecordSet | undefined, escapes: EscapeSyntax): FieldDiff[] {
  if (!live) return [{ path: desired.alias ? 'alias' : 'values', observed: undefined, desired: desired.alias ?? desired.values }];
  const diff: FieldDiff[] = [];
  const add = (path: string, observed: unknown, want: unknown) => diff.push({ path, observed, desired: want });
  if (desired.weight !== live.weight) add('weighted.weight', live.weight, desired.weight);
  if (desired.alias) {
    if (!sameAlias(live.alias, desired.alias)) add('alias', live.alias ?? live.values, desired.alias);
    return diff;
  }
  if (live.alias) {
    add('values', live.alias, desired.values);
    return diff;
  }
  if (desired.ttl !== live.ttl) add('ttl', live.ttl, desired.ttl);
  if (live.disabled || valueSet(desired, desired.type, escapes) !== valueSet(live, desired.type, escapes)) add('values', live.values, desired.values);
  return diff;
}

/**
 * What a DNSRecord's connection Secret holds (keys and reasons: docs/dnsrecord.md): `fqdn` without
 * the root's trailing dot (the form a URL, a TLS name or a client takes), `type`, and `values` one
 * per line, sorted (TXT as its text), or `alias` for an alias record.
 */
export function connectionDetails(live: DnsRecordSet, escapes: EscapeSyntax): Record<string, string> {
  const details: Record<string, string> = { fqdn: live.name.replace(/\.$/, ''), type: live.type };
  if (live.alias) details.alias = live.alias.dnsName.replace(/\.$/, '');
  else details.values = (live.values ?? []).map((v) => (live.type === 'TXT' ? parseTxt(v, escapes) : v)).sort().join('\n');
  return details;
}
