// A record set as the spec wants it and as PowerDNS reports it, in one shape, and the field-level
// diff between the two. Pure functions.
import type { FieldDiff } from '../../sdk/index.ts';
import { comparable, toContent } from './content.ts';
import { canonical } from './names.ts';

export const DEFAULT_TTL = 300;

/** One record set: PowerDNS keys it by name and type (there are no set identifiers). */
export interface RRset {
  name: string;
  type: string;
  ttl: number;
  contents: string[];
  /** Contents PowerDNS keeps but does not serve; REPLACE drops them. */
  disabled?: number | undefined;
}

/** An RRset as the API returns it inside a zone. */
export interface ApiRRset {
  name: string;
  type: string;
  ttl: number;
  records: { content: string; disabled?: boolean }[];
}

export const rrsetKey = (name: string, type: string) => `${name}|${type}`;
export const keyOf = (rs: Pick<RRset, 'name' | 'type'>) => rrsetKey(rs.name, rs.type);

export function fromApi(rrset: ApiRRset): RRset {
  const disabled = rrset.records.filter((r) => r.disabled).length;
  return { name: canonical(rrset.name), type: rrset.type, ttl: rrset.ttl, contents: rrset.records.map((r) => r.content), ...(disabled ? { disabled } : {}) };
}

/** The record set a spec asks for, at its absolute name. */
export function desiredRRset(spec: { type: string; ttl?: number | undefined; values?: string[] | undefined }, fqdn: string): RRset {
  return { name: fqdn, type: spec.type, ttl: spec.ttl ?? DEFAULT_TTL, contents: (spec.values ?? []).map((v) => toContent(spec.type, v)) };
}

const contentSet = (type: string, contents: readonly string[]) => JSON.stringify([...new Set(contents.map((c) => comparable(type, c)))].sort());

/** Every field where the live record set differs from the desired one; empty when equal. */
export function diffRRset(desired: RRset, live: RRset | undefined): FieldDiff[] {
  if (!live) return [{ path: 'values', observed: undefined, desired: desired.contents }];
  const diff: FieldDiff[] = [];
  if (desired.ttl !== live.ttl) diff.push({ path: 'ttl', observed: live.ttl, desired: desired.ttl });
  if (live.disabled || contentSet(desired.type, desired.contents) !== contentSet(live.type, live.contents)) {
    diff.push({ path: 'values', observed: live.contents, desired: desired.contents });
  }
  return diff;
}
