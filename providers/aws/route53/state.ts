// A record set as the spec wants it and as Route 53 reports it, in one normalised shape, and the
// field-level diff between the two. Pure functions, unit-tested.
//
// Normalising: names are lowercase with a trailing dot (Route 53 escapes `*` as \052 in answers);
// host names in values get their trailing dot; TXT text is quoted and split into 255-character
// strings on the way out and joined again on the way in, so `"ab"` and `"a" "b"` compare equal.
import type { ResourceRecordSet, RRType } from '@aws-sdk/client-route-53';
import type { FieldDiff } from '../../../sdk/index.ts';
import { canonical, type DNSRecordSpec } from '../../../src/api/dnsrecord.ts';

export const DEFAULT_TTL = 300;
/** A DNS character-string holds at most 255 octets; longer TXT text is split into several. */
const TXT_STRING = 255;

export interface Alias {
  dnsName: string;
  hostedZoneId: string;
  evaluateTargetHealth: boolean;
}

/** One record set, normalised. */
export interface RecordSet {
  name: string;
  type: string;
  setIdentifier?: string | undefined;
  weight?: number | undefined;
  ttl?: number | undefined;
  values?: string[] | undefined;
  alias?: Alias | undefined;
  /**
   * A listing found two record sets with this identity: only an endpoint without Route 53's CREATE
   * guard (moto) holds such a pair. Neither is written nor deleted (planOne).
   */
  duplicated?: boolean | undefined;
}

/** A record set's identity in a zone: name, type and set identifier. */
export function recordKey(name: string, type: string, setIdentifier?: string): string {
  return `${name}|${type}|${setIdentifier ?? ''}`;
}

export const keyOf = (rs: RecordSet) => recordKey(rs.name, rs.type, rs.setIdentifier);

// ---------------------------------------------------------------------------------------------
// TXT

/** Plain text → one TXT value: quoted, `"` and `\` escaped, split into 255-character strings. */
export function formatTxt(text: string): string {
  if (text === '') return '""';
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += TXT_STRING) parts.push(text.slice(i, i + TXT_STRING));
  return parts.map((p) => `"${p.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(' ');
}

/** One TXT value as Route 53 returns it → the text: strings unquoted, unescaped and joined. */
export function parseTxt(value: string): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === ' ') {
      i++;
    } else if (c === '"') {
      for (i++; i < value.length && value[i] !== '"'; i++) {
        if (value[i] === '\\') {
          const octal = /^\d{3}/.exec(value.slice(i + 1, i + 4));
          if (octal) {
            out += String.fromCharCode(parseInt(octal[0], 8));
            i += 3;
          } else {
            out += value[++i] ?? '';
          }
        } else {
          out += value[i];
        }
      }
      i++; // the closing quote
    } else {
      // An unquoted string runs to the next space.
      const end = value.indexOf(' ', i);
      out += value.slice(i, end < 0 ? undefined : end);
      i = end < 0 ? value.length : end;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values

/** Route 53 escapes characters outside [a-z0-9-_.] in names as \ooo (a wildcard is \052). */
export function decodeName(name: string): string {
  return canonical(name.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

const hostDot = (host: string) => (host === '.' ? '.' : canonical(host));

/** A value as it is written to Route 53. */
function writeValue(type: string, value: string): string {
  switch (type) {
    case 'TXT':
      return formatTxt(value);
    case 'CNAME':
    case 'NS':
      return hostDot(value);
    case 'MX':
    case 'SRV': {
      const parts = value.split(' ');
      parts[parts.length - 1] = hostDot(parts[parts.length - 1]!);
      return parts.join(' ');
    }
    case 'AAAA':
      return value.toLowerCase();
    default:
      return value;
  }
}

/** A value in the form two equal values share, for comparison only. */
function comparable(type: string, value: string): string {
  if (type === 'TXT') return parseTxt(value);
  return writeValue(type, value.trim()).toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Conversions

export function fromRoute53(rrset: ResourceRecordSet): RecordSet {
  const rs: RecordSet = { name: decodeName(rrset.Name ?? ''), type: rrset.Type ?? '' };
  if (rrset.SetIdentifier !== undefined) rs.setIdentifier = rrset.SetIdentifier;
  if (rrset.Weight !== undefined) rs.weight = rrset.Weight;
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

export function toRoute53(rs: RecordSet): ResourceRecordSet {
  const out: ResourceRecordSet = { Name: rs.name, Type: rs.type as RRType };
  if (rs.setIdentifier !== undefined) out.SetIdentifier = rs.setIdentifier;
  if (rs.weight !== undefined) out.Weight = rs.weight;
  if (rs.alias) {
    out.AliasTarget = { DNSName: rs.alias.dnsName, HostedZoneId: rs.alias.hostedZoneId, EvaluateTargetHealth: rs.alias.evaluateTargetHealth };
  } else {
    out.TTL = rs.ttl ?? DEFAULT_TTL;
    out.ResourceRecords = (rs.values ?? []).map((Value) => ({ Value }));
  }
  return out;
}

/** The record set a spec asks for, at its fully qualified name. */
export function desiredRecord(spec: Pick<DNSRecordSpec, 'type' | 'ttl' | 'values' | 'alias' | 'weighted'>, fqdn: string): RecordSet {
  const rs: RecordSet = { name: fqdn, type: spec.type };
  if (spec.weighted) {
    rs.setIdentifier = spec.weighted.setIdentifier;
    rs.weight = spec.weighted.weight;
  }
  if (spec.alias) {
    rs.alias = {
      dnsName: canonical(spec.alias.dnsName),
      hostedZoneId: spec.alias.hostedZoneId.replace(/^\/hostedzone\//, ''),
      evaluateTargetHealth: spec.alias.evaluateTargetHealth,
    };
  } else {
    rs.ttl = spec.ttl ?? DEFAULT_TTL;
    rs.values = (spec.values ?? []).map((v) => writeValue(spec.type, v));
  }
  return rs;
}

/** Every field where the live record set differs from the desired one; empty when equal. */
export function diffRecord(desired: RecordSet, live: RecordSet | undefined): FieldDiff[] {
  if (!live) return [{ path: desired.alias ? 'alias' : 'values', observed: undefined, desired: desired.alias ?? desired.values }];
  const diff: FieldDiff[] = [];
  const add = (path: string, observed: unknown, want: unknown) => diff.push({ path, observed, desired: want });
  if (desired.weight !== live.weight) add('weighted.weight', live.weight, desired.weight);
  if (desired.alias) {
    const a = live.alias;
    if (!a || a.dnsName !== desired.alias.dnsName || a.hostedZoneId !== desired.alias.hostedZoneId || a.evaluateTargetHealth !== desired.alias.evaluateTargetHealth) {
      add('alias', a ?? live.values, desired.alias);
    }
    return diff;
  }
  if (live.alias) {
    add('values', live.alias, desired.values);
    return diff;
  }
  if (desired.ttl !== live.ttl) add('ttl', live.ttl, desired.ttl);
  const want = [...new Set((desired.values ?? []).map((v) => comparable(desired.type, v)))].sort();
  const have = [...new Set((live.values ?? []).map((v) => comparable(desired.type, v)))].sort();
  if (JSON.stringify(want) !== JSON.stringify(have)) add('values', live.values, desired.values);
  return diff;
}

/** What one change costs against Route 53's batch limits (an UPSERT counts twice for both). */
export function changeCost(action: 'CREATE' | 'UPSERT' | 'DELETE', rs: RecordSet): { values: number; chars: number } {
  const times = action === 'UPSERT' ? 2 : 1;
  const values = rs.alias ? 1 : (rs.values?.length ?? 0);
  const chars = rs.alias ? rs.alias.dnsName.length : (rs.values ?? []).reduce((n, v) => n + v.length, 0);
  return { values: values * times, chars: chars * times };
}
