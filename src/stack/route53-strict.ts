// Route 53's change semantics, which moto does not keep, for the fault proxy to play: CREATE fails
// when the record set exists, DELETE when it does not or when its TTL or values differ, and the
// whole batch fails with the first such change (Route 53 applies a batch atomically). moto lets a
// CREATE add a second record set of one name and type, deletes whatever values it is given, and
// refuses a CREATE it once journalled even after the record set was deleted; adapters whose plans
// rest on these guards (issue 8: Route 53 plans from what it knows, not a read per batch) are
// tested against the real rules here. Pure functions over the XML the proxy sees.

/** One record set, as much of it as the guards compare. */
export interface StrictRecordSet {
  name: string;
  type: string;
  setIdentifier: string;
  ttl?: string | undefined;
  values: string[];
  alias?: string | undefined;
}

export interface StrictChange {
  action: string;
  recordSet: StrictRecordSet;
}

const ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };
const unescapeXml = (s: string) => s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => (e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (ENTITIES[e] ?? m)));

const tag = (xml: string, name: string) => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1]!) : undefined;
};
const all = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!);

/** Route 53 names: case-insensitive, trailing dot, `*` answered as \052. */
const canonicalName = (name: string) => {
  const n = name.replace(/\\052/g, '*').toLowerCase();
  return n.endsWith('.') ? n : `${n}.`;
};

function recordSetOf(xml: string): StrictRecordSet {
  const alias = tag(xml, 'AliasTarget');
  return {
    name: canonicalName(tag(xml, 'Name') ?? ''),
    type: tag(xml, 'Type') ?? '',
    setIdentifier: tag(xml, 'SetIdentifier') ?? '',
    ttl: tag(xml, 'TTL'),
    values: all(xml, 'Value').map(unescapeXml),
    alias: alias === undefined ? undefined : canonicalName(tag(alias, 'DNSName') ?? ''),
  };
}

export const strictKey = (rs: StrictRecordSet) => `${rs.name}|${rs.type}|${rs.setIdentifier}`;

/** The changes of a ChangeResourceRecordSets request body, in order. */
export function parseChanges(body: string): StrictChange[] {
  return all(body, 'Change').map((xml) => ({ action: tag(xml, 'Action') ?? '', recordSet: recordSetOf(xml) }));
}

/** One page of a ListResourceRecordSets answer, and where the next starts. */
export function parseListingPage(body: string): { recordSets: StrictRecordSet[]; next?: { name: string; type?: string | undefined; id?: string | undefined } | undefined } {
  const recordSets = all(body, 'ResourceRecordSet').map(recordSetOf);
  if (tag(body, 'IsTruncated') !== 'true') return { recordSets };
  return { recordSets, next: { name: tag(body, 'NextRecordName') ?? '', type: tag(body, 'NextRecordType'), id: tag(body, 'NextRecordIdentifier') } };
}

const sameValues = (a: StrictRecordSet, b: StrictRecordSet) =>
  a.ttl === b.ttl && a.alias === b.alias && JSON.stringify([...a.values].sort()) === JSON.stringify([...b.values].sort());

/** Why Route 53 would refuse the batch against the zone's record sets (in Route 53's words), or undefined. */
export function refusal(changes: StrictChange[], zone: readonly StrictRecordSet[]): string | undefined {
  const state = new Map(zone.map((rs) => [strictKey(rs), rs]));
  for (const { action, recordSet } of changes) {
    const key = strictKey(recordSet);
    const what = `resource record set [name='${recordSet.name.replace(/\*/g, '\\052')}', type='${recordSet.type}'${recordSet.setIdentifier ? `, set-identifier='${recordSet.setIdentifier}'` : ''}]`;
    const live = state.get(key);
    if (action === 'CREATE') {
      if (live) return `[Tried to create ${what} but it already exists]`;
      state.set(key, recordSet);
    } else if (action === 'DELETE') {
      if (!live) return `[Tried to delete ${what} but it was not found]`;
      if (!sameValues(live, recordSet)) return `[Tried to delete ${what} but the values provided do not match the current values]`;
      state.delete(key);
    } else {
      state.set(key, recordSet);
    }
  }
  return undefined;
}

/**
 * The body to forward once the guards passed: CREATE as UPSERT, since moto refuses a CREATE it
 * journalled before even when the record set is gone (deleted and made again with the same values).
 */
export const forgivingBody = (body: string) => body.replace(/<Action>CREATE<\/Action>/g, '<Action>UPSERT</Action>');
