// A record set as the spec wants it and as a backend reports it, in one normalised shape, and the
// field-level diff between the two. Pure functions.
//
// Normalising: names are lowercase with a trailing dot; host names in values get their trailing
// dot; IPv6 is compressed (RFC 5952); TXT text is quoted and split into 255-character strings on
// the way out and joined again on the way in, so `"ab"` and `"a" "b"` compare equal.
import type { FieldDiff } from '../contract.ts';
import type { DNSRecordSpec, RoutingPolicy } from '../../src/api/dnsrecord.ts';
import { canonical, type EscapeSyntax } from './names.ts';
import { formatTxt, parseTxt } from './txt.ts';

export const DEFAULT_TTL = 300;

/** An alias record set's target (Route 53). */
export interface Alias {
  dnsName: string;
  hostedZoneId: string;
  evaluateTargetHealth: boolean;
}

/** Where a geolocation record set answers. */
export interface Geolocation {
  continent?: string | undefined;
  country?: string | undefined;
  subdivision?: string | undefined;
}

/** One record set, normalised: what a port lists and what the kit asks it to write. */
export interface DnsRecordSet {
  name: string;
  type: string;
  /** Weighted routing (Route 53): names this set among those sharing name and type. */
  setIdentifier?: string | undefined;
  weight?: number | undefined;
  /** Failover routing (Route 53): PRIMARY or SECONDARY. */
  failover?: 'PRIMARY' | 'SECONDARY' | undefined;
  /** Latency routing (Route 53): the AWS region. */
  region?: string | undefined;
  /** Geolocation routing (Route 53): a continent, or a country and perhaps a subdivision. */
  geolocation?: Geolocation | undefined;
  /** Multivalue answer routing (Route 53). */
  multiValueAnswer?: boolean | undefined;
  /** The health check the record set answers by (Route 53); the kit sets it from the backend's HealthChecks. */
  healthCheckId?: string | undefined;
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

/** The value with its field at `index` (negative: from the end) made an absolute host name. */
function hostField(value: string, index: number): string {
  // Quoted fields (NAPTR's regexp, SVCB's parameters) may hold spaces: split outside quotes only.
  const parts = value.trim().match(/(?:[^\s"]|"[^"]*")+/g) ?? [];
  const at = index < 0 ? parts.length + index : index;
  if (parts[at] !== undefined) parts[at] = host(parts[at]);
  return parts.join(' ');
}

/** SvcParamKeys by number (RFC 9460 §14.3.2): servers write parameters in this order. */
const SVC_KEYS = ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint'];
const svcKeyNumber = (key: string) => (SVC_KEYS.includes(key) ? SVC_KEYS.indexOf(key) : Number(/^key(\d+)$/.exec(key)?.[1] ?? 65536));

/**
 * An SVCB/HTTPS value in presentation form as servers write it back: parameters in key order, a
 * value quoted only when it holds a space (PowerDNS refuses any other spelling, so it is also the
 * one written).
 */
function svcbValue(value: string): string {
  const [priority, target, ...params] = value.match(/(?:[^\s"]|"[^"]*")+/g) ?? [];
  const plain = params.map((p) => {
    const [key, ...rest] = p.split('=');
    const raw = rest.join('=').replace(/^"(.*)"$/, '$1');
    return { key: key!, text: rest.length === 0 ? key! : `${key}=${/\s/.test(raw) ? `"${raw}"` : raw}` };
  });
  plain.sort((a, b) => svcKeyNumber(a.key) - svcKeyNumber(b.key));
  return [priority, target, ...plain.map((p) => p.text)].filter((x) => x !== undefined).join(' ');
}

/** A spec value → the value written: host names absolute, IPv6 compressed, TXT quoted. */
export function writeValue(type: string, value: string): string {
  switch (type) {
    case 'TXT':
    case 'SPF':
      return formatTxt(value);
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return host(value.trim());
    case 'MX':
    case 'SRV':
    case 'NAPTR':
      return hostField(value, -1); // the last field is a host name
    case 'HTTPS':
    case 'SVCB':
      return svcbValue(hostField(value, 1)); // the target, after the priority
    case 'DS':
    case 'SSHFP':
    case 'TLSA':
      return value.trim().split(/\s+/).join(' ').toLowerCase(); // hex digests compare in any case; servers answer lowercase
    case 'AAAA':
      return ipv6(value.trim());
    default:
      return value.trim();
  }
}

/** A value in the form two equal values share, for comparison only. */
export function comparable(type: string, value: string, escapes: EscapeSyntax): string {
  if (type === 'TXT' || type === 'SPF') return parseTxt(value, escapes);
  return writeValue(type, value).toLowerCase();
}

/** The record set a spec asks for, at its absolute name. */
export function desiredRecord(spec: Pick<DNSRecordSpec, 'type' | 'ttl' | 'values' | 'alias' | RoutingPolicy>, fqdn: string): DnsRecordSet {
  const rs: DnsRecordSet = { name: fqdn, type: spec.type, ...routingOf(spec) };
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

/** The routing fields of the record set a spec asks for (none without a routing policy). */
function routingOf(spec: Pick<DNSRecordSpec, RoutingPolicy>): Partial<DnsRecordSet> {
  if (spec.weighted) return { setIdentifier: spec.weighted.setIdentifier, weight: spec.weighted.weight };
  if (spec.failover) return { setIdentifier: spec.failover.setIdentifier, failover: spec.failover.role };
  if (spec.latency) return { setIdentifier: spec.latency.setIdentifier, region: spec.latency.region };
  if (spec.multivalue) return { setIdentifier: spec.multivalue.setIdentifier, multiValueAnswer: true };
  if (spec.geolocation) {
    const { continent, country, subdivision } = spec.geolocation;
    const geolocation = Object.fromEntries(Object.entries({ continent, country, subdivision }).filter(([, v]) => v !== undefined));
    return { setIdentifier: spec.geolocation.setIdentifier, geolocation };
  }
  return {};
}

/** The routing fields that differ, each named by its spec path. */
function routingDiff(desired: DnsRecordSet, live: DnsRecordSet): FieldDiff[] {
  const diff: FieldDiff[] = [];
  const geo = (g: Geolocation | undefined) => JSON.stringify([g?.continent, g?.country, g?.subdivision]);
  if (desired.weight !== live.weight) diff.push({ path: 'weighted.weight', observed: live.weight, desired: desired.weight });
  if (desired.failover !== live.failover) diff.push({ path: 'failover.role', observed: live.failover, desired: desired.failover });
  if (desired.region !== live.region) diff.push({ path: 'latency.region', observed: live.region, desired: desired.region });
  if (geo(desired.geolocation) !== geo(live.geolocation)) diff.push({ path: 'geolocation', observed: live.geolocation, desired: desired.geolocation });
  if ((desired.multiValueAnswer ?? false) !== (live.multiValueAnswer ?? false)) diff.push({ path: 'multivalue', observed: live.multiValueAnswer, desired: desired.multiValueAnswer });
  if (desired.healthCheckId !== live.healthCheckId) diff.push({ path: 'healthCheck', observed: live.healthCheckId, desired: desired.healthCheckId });
  return diff;
}

const sameAlias = (a: Alias | undefined, b: Alias) => a !== undefined && a.dnsName === b.dnsName && a.hostedZoneId === b.hostedZoneId && a.evaluateTargetHealth === b.evaluateTargetHealth;

const valueSet = (rs: DnsRecordSet, type: string, escapes: EscapeSyntax) => JSON.stringify([...new Set((rs.values ?? []).map((v) => comparable(type, v, escapes)))].sort());

/** Every field where the live record set differs from the desired one; empty when equal. */
export function diffRecord(desired: DnsRecordSet, live: DnsRecordSet | undefined, escapes: EscapeSyntax): FieldDiff[] {
  if (!live) return [{ path: desired.alias ? 'alias' : 'values', observed: undefined, desired: desired.alias ?? desired.values }];
  const diff = routingDiff(desired, live);
  const add = (path: string, observed: unknown, want: unknown) => diff.push({ path, observed, desired: want });
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
  else details.values = (live.values ?? []).map((v) => (live.type === 'TXT' || live.type === 'SPF' ? parseTxt(v, escapes) : v)).sort().join('\n');
  return details;
}
