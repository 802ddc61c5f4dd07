// Per kind, what `mooring import` lists and how the adapter's drift report becomes spec: a seed to
// observe with, and the field table (derive.ts). Adding a field to a kind is one line in its table.
import { parseTxt, type Connector, type DnsRecordSet, type EscapeSyntax, type ProviderConnection, type Zone } from '../../../sdk/index.ts';
import { BucketSpec } from '../../api/bucket.ts';
import { DatabaseSpec } from '../../api/database.ts';
import { DNSRecordSpec } from '../../api/dnsrecord.ts';
import { cannot, set, type Derivable, type FieldTable } from './derive.ts';

/** One thing found, before it is observed. */
export interface Found {
  externalName: string;
  /** How messages name it: `bucket logs`, `A www.example.com.`. */
  label: string;
  /** Spec input to observe with (providerConfigRef and policies are added by the caller). */
  seed: Record<string, unknown>;
  /** Words the Kubernetes name is made of. */
  nameParts: string[];
  /** Why it is not imported at all, before any observe. */
  skip?: string | undefined;
  /** A field table of its own (DNS values depend on the backend's escapes). */
  fields?: FieldTable | undefined;
}

export interface KindImporter {
  kind: 'Bucket' | 'DNSRecord' | 'Database';
  fields: FieldTable;
  parse: Derivable<unknown>['parse'];
  list(connection: ProviderConnection, options: { zones: string[] }): Promise<Found[]>;
  /** Drops what the seed set only to make observe read it and the thing does not have. */
  tidy?(spec: Record<string, unknown>): void;
}

type NormalizedRule = { unsupported?: string[] } & Record<string, unknown>;

export const BUCKET_FIELDS: FieldTable = {
  region: set,
  versioning: (spec, observed) => void (spec.versioning = observed === 'Enabled'),
  'publicAccessBlock.*': set,
  'encryption.algorithm': (spec, observed) => void (observed ? (spec.encryption = { algorithm: observed }) : delete spec.encryption),
  'encryption.kmsKeyId': set,
  'encryption.bucketKeyEnabled': set,
  'tags.*': set,
  lifecycleRules: (spec, observed) => {
    const rules = observed as NormalizedRule[];
    const odd = rules.find((r) => r.unsupported?.length);
    if (odd) return `rule ${String(odd.id)} uses ${odd.unsupported!.join(', ')}, which a Bucket's lifecycleRules cannot say`;
    spec.lifecycleRules = rules;
  },
};

/** The DNSRecord table; TXT values come back in the backend's zone-file form. */
export const dnsFields = (escapes: EscapeSyntax): FieldTable => ({
  ttl: set,
  values: (spec, observed) => {
    if (!Array.isArray(observed)) return 'an alias where values were expected';
    spec.values = (observed as string[]).map((v) => (spec.type === 'TXT' ? parseTxt(v, escapes) : v));
    delete spec.alias;
  },
  alias: (spec, observed) => {
    if (Array.isArray(observed) || !observed) return 'values where an alias was expected';
    spec.alias = observed;
    delete spec.values;
    delete spec.ttl;
  },
  'weighted.weight': set,
});

export const DATABASE_FIELDS: FieldTable = {
  'postgres.connectionLimit': set,
  'username.privileges': cannot('the owner role is privileged (superuser, createdb, createrole, replication, bypassrls or a member of a role); mooring never manages one'),
  'username.login': cannot('the owner role cannot log in; a Database\'s role is its login'),
  username: cannot('the owner role is gone'),
  owner: cannot('the database is owned by another role than the one it was seeded with'),
};

const bucket: KindImporter = {
  kind: 'Bucket',
  fields: BUCKET_FIELDS,
  parse: (input) => BucketSpec.safeParse(input),
  async list(connection) {
    const { listBuckets } = await import('../../../providers/aws/index.ts');
    // Seeded with tags, lifecycle rules and encryption so observe reads them (they are compared only when set).
    return (await listBuckets(connection)).map((name) => ({
      externalName: name,
      label: `bucket ${name}`,
      seed: { externalName: name, tags: {}, lifecycleRules: [], encryption: { algorithm: 'AES256' } },
      nameParts: [name],
    }));
  },
  tidy(spec) {
    if (spec.tags && !Object.keys(spec.tags).length) delete spec.tags;
    if (Array.isArray(spec.lifecycleRules) && !spec.lifecycleRules.length) delete spec.lifecycleRules;
  },
};

const database: KindImporter = {
  kind: 'Database',
  fields: DATABASE_FIELDS,
  parse: (input) => DatabaseSpec.safeParse(input),
  async list(connection) {
    const { listDatabases } = await import('../../../providers/postgres/index.ts');
    return (await listDatabases(connection)).map(({ database: name, owner }) => ({
      externalName: name,
      label: `database ${name} (owner ${owner})`,
      seed: { externalName: name, username: owner, postgres: { extensions: [] } },
      nameParts: [name],
    }));
  },
};

/** A record set's name as the spec writes it, relative to its zone. */
function relative(name: string, zone: string): string {
  return name === zone ? '@' : name.slice(0, -(zone.length + 1));
}

/** A listed record set as a seed: its identity, and its content written through the table itself. */
export function recordFound(rs: DnsRecordSet, zone: Zone, escapes: EscapeSyntax): Found {
  const name = relative(rs.name, zone.name);
  const label = `${rs.type} ${rs.name}${rs.setIdentifier ? ` (set ${rs.setIdentifier})` : ''}`;
  const seed: Record<string, unknown> = { zone: { name: zone.name }, name, type: rs.type };
  if (rs.setIdentifier !== undefined) seed.weighted = { setIdentifier: rs.setIdentifier, weight: rs.weight };
  const fields = dnsFields(escapes);
  if (rs.alias) void fields.alias!(seed, rs.alias, 'alias');
  else {
    void fields.values!(seed, rs.values ?? [], 'values');
    seed.ttl = rs.ttl;
  }
  const zoneOwn = (rs.type === 'NS' || rs.type === 'SOA') && name === '@';
  const mark = /(^|[.])_mooring/.test(rs.name) ? "mooring's own ownership record" : undefined;
  const skip = mark ?? (zoneOwn ? `the zone's own ${rs.type} record set (the DNS service keeps it)` : rs.duplicated ? 'listed twice (a backend without change guards holds a pair); fix the zone first' : undefined);
  return { externalName: rs.name, label, seed, nameParts: [rs.type, name === '@' ? 'apex' : name, zone.name, rs.setIdentifier ?? ''], skip, fields };
}

/** The connector that can list a zone: the DNS kit's (built-in Route 53, or a plugin on the kit). */
export interface ZoneLister {
  listZone(connection: ProviderConnection, ref: { name: string }): Promise<{ zone: Zone; escapes: EscapeSyntax; records: DnsRecordSet[] }>;
}

export const canListZones = (c: Connector<unknown> | undefined): c is Connector<unknown> & ZoneLister => typeof (c as Partial<ZoneLister> | undefined)?.listZone === 'function';

export function dnsImporter(connector: ZoneLister): KindImporter {
  return {
    kind: 'DNSRecord',
    fields: {},
    parse: (input) => DNSRecordSpec.safeParse(input),
    async list(connection, { zones }) {
      const found: Found[] = [];
      for (const name of zones) {
        const { zone, escapes, records } = await connector.listZone(connection, { name });
        found.push(...records.map((rs) => recordFound(rs, zone, escapes)));
      }
      return found;
    },
  };
}

export const IMPORTERS = { bucket, database };
