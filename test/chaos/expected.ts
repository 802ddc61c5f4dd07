// How a thing the backend holds differs from a spec, per kind: what the final "as its spec says"
// invariant and the claim invariant (claims.ts) both judge by. Each takes what was read straight
// from the backend (oracle.ts) and returns its differences (empty: the thing holds the spec).
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { OWNERSHIP_TAG } from '../../src/api/bucket.ts';
import { txtMark, type PgObject } from './oracle.ts';

const sortKeys = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

export function bucketDiffers(name: string, tags: Record<string, string> | undefined, spec: Record<string, unknown>, mark: string): string[] {
  const want = JSON.stringify(sortKeys({ ...(spec.tags as Record<string, string>), [OWNERSHIP_TAG]: mark }));
  if (!tags) return [`bucket ${name} missing`];
  const got = JSON.stringify(sortKeys(tags));
  return got === want ? [] : [`bucket ${name}: tags ${got}, spec wants ${want}`];
}

/** The record set of `fqdn` and `type` (values, TTL) and its ownership record (the mark). */
export function recordDiffers(sets: ResourceRecordSet[], fqdn: string, type: string, spec: Record<string, unknown>, mark: string): string[] {
  const out: string[] = [];
  const record = sets.find((r) => r.Name === fqdn && r.Type === type);
  const owner = sets.find((r) => r.Name === `_mooring-${type.toLowerCase()}.${fqdn}` && r.Type === 'TXT');
  const want = (spec.values as string[]).map((v) => (type === 'TXT' ? `"${v}"` : v)).sort();
  const got = (record?.ResourceRecords ?? []).map((r) => r.Value ?? '').sort();
  if (!record) out.push(`record ${fqdn} ${type} missing`);
  else if (JSON.stringify(got) !== JSON.stringify(want) || record.TTL !== spec.ttl) out.push(`record ${fqdn}: ${JSON.stringify(got)} TTL ${record.TTL}, spec wants ${JSON.stringify(want)} TTL ${String(spec.ttl)}`);
  if (!owner || txtMark(owner) !== mark) out.push(`record ${fqdn}: ownership record ${owner ? txtMark(owner) : 'missing'}, want ${mark}`);
  return out;
}

/** A PostgreSQL Database: the database (mark, connection limit, owner) and its login role (mark). */
export function pgDiffers(name: string, d: PgObject | undefined, r: PgObject | undefined, spec: Record<string, unknown>, mark: string): string[] {
  const out: string[] = [];
  const limit = (spec.postgres as { connectionLimit: number }).connectionLimit;
  if (!d || d.comment !== mark || d.connlimit !== limit || d.detail !== name) out.push(`database ${name}: ${JSON.stringify(d ? { ...d, detail: `owner ${d.detail}` } : 'missing')}, want mark ${mark}, limit ${limit}, owner ${name}`);
  if (!r || r.comment !== mark) out.push(`role ${name}: ${r ? `comment ${r.comment}` : 'missing'}, want mark ${mark}`);
  return out;
}
