// Every kind mooring serves, one entry each: names, scope, schemas and `kubectl get` columns.
// The CRDs in crds/ are generated from this list (src/generate/crds.ts).
import { BUCKET_NAME_FROM_METADATA, BucketSpec, BucketStatus } from './bucket.ts';
import { DNSRecordSpec, DNSRecordStatus, recordIdentity } from './dnsrecord.ts';
import { AGE_COLUMN, conditionColumn, type KindDescription, type PrinterColumn } from './crd.ts';
import { DATABASE_CONNECTION_SECRET, DATABASE_NAME_FROM_METADATA, DatabaseSpec, DatabaseStatus, defaultDatabaseName, ROLE_NAME_FROM_DATABASE } from './database.ts';
import { ProviderConfigSpec, ProviderConfigStatus } from './providerconfig.ts';

/** `kubectl get mooring` lists every mooring object. */
export const CATEGORY = 'mooring';

/** The columns every managed kind starts with: is it Ready, and why (not). */
export const managedColumns: PrinterColumn[] = [
  conditionColumn('Ready', 'Ready', 'status', 'Whether the external resource exists and matches the spec.'),
  conditionColumn('Reason', 'Ready', 'reason', 'Why it is (not) ready; see docs/reasons.md.'),
];

/** When the object's cloud asset was last checked for drift (at most an hour older than the last check: status.ts). */
const LAST_CHECKED_COLUMN: PrinterColumn = {
  name: 'Last-Checked', type: 'date', jsonPath: '.status.lastChecked', description: 'When the cloud was last observed and found as the spec wants (a drift check; moved at least hourly).', priority: 1,
};

export const ProviderConfigKind: KindDescription = {
  kind: 'ProviderConfig',
  plural: 'providerconfigs',
  singular: 'providerconfig',
  shortNames: ['pcfg'],
  scope: 'Cluster',
  description: 'How mooring reaches one cloud account or server: provider type, region, endpoint, credentials, rate limits and the ownership id marking what it creates.',
  spec: ProviderConfigSpec,
  status: ProviderConfigStatus,
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type', description: 'The provider serving this config.' },
    conditionColumn('Ready', 'Ready', 'status', 'Whether the credentials and endpoint answered the last check.'),
    conditionColumn('Reason', 'Ready', 'reason', 'Why they did (not); see docs/reasons.md.'),
    { name: 'Account', type: 'string', jsonPath: '.status.account', description: 'Who the credentials act as (aws: the account id).' },
    { name: 'Used-By', type: 'integer', jsonPath: '.status.usedBy', description: 'How many managed objects name this config.' },
    { name: 'Region', type: 'string', jsonPath: '.spec.region', description: 'The default region.', priority: 1 },
    { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint', description: 'Where the last check that answered went.', priority: 1 },
    { name: 'Last-Checked', type: 'date', jsonPath: '.status.lastChecked', description: 'When the credentials were last checked.', priority: 1 },
    AGE_COLUMN,
  ],
  categories: [CATEGORY],
};

export const BucketKind: KindDescription = {
  kind: 'Bucket',
  plural: 'buckets',
  singular: 'bucket',
  shortNames: ['bkt'],
  scope: 'Namespaced',
  description: 'An object-storage bucket (S3) with versioning, default encryption, the public access block, tags, lifecycle rules, a bucket policy, CORS rules, static website hosting, object ownership, server access logging and replication.',
  spec: BucketSpec,
  status: BucketStatus,
  printerColumns: [
    ...managedColumns,
    { name: 'External-Name', type: 'string', jsonPath: '.status.atProvider.name', description: 'The bucket name in the cloud, once observed.' },
    // Shown by default: a delete that takes minutes should say so where people look first.
    { name: 'Deletion', type: 'string', jsonPath: '.status.atProvider.deletion', description: 'Progress of a delete that empties the bucket.' },
    LAST_CHECKED_COLUMN,
    AGE_COLUMN,
  ],
  categories: [CATEGORY],
  derivedNames: [BUCKET_NAME_FROM_METADATA],
  assetReferences: (spec: BucketSpec) => [
    ...(spec.logging?.enabled ? [{ field: 'spec.logging.targetBucket', externalName: spec.logging.targetBucket }] : []),
    ...(spec.replication?.rules ?? []).map((r, i) => ({ field: `spec.replication.rules[${i}].destinationBucket`, externalName: r.destinationBucket })),
  ],
};

export const DatabaseKind: KindDescription = {
  kind: 'Database',
  plural: 'databases',
  singular: 'database',
  shortNames: ['mdb'],
  scope: 'Namespaced',
  description:
    'A database and a login: on an existing PostgreSQL server (ProviderConfig type postgres) or as an RDS DB instance (type aws), with the credentials in a connection Secret.',
  spec: DatabaseSpec,
  status: DatabaseStatus,
  printerColumns: [
    ...managedColumns,
    { name: 'Host', type: 'string', jsonPath: '.status.atProvider.host', description: 'The host clients connect to.' },
    { name: 'Database', type: 'string', jsonPath: '.status.atProvider.database', description: 'The database name.', priority: 1 },
    { name: 'Status', type: 'string', jsonPath: '.status.atProvider.status', description: "aws: the instance's RDS status.", priority: 1 },
    { name: 'Deletion', type: 'string', jsonPath: '.status.atProvider.deletion', description: 'Progress of a delete (aws: the final snapshot id).' },
    LAST_CHECKED_COLUMN,
    AGE_COLUMN,
  ],
  categories: [CATEGORY],
  defaultExternalName: defaultDatabaseName,
  derivedNames: [DATABASE_NAME_FROM_METADATA, ROLE_NAME_FROM_DATABASE],
  connectionSecret: DATABASE_CONNECTION_SECRET,
  references: ['rds.subnetGroupNameFrom', 'rds.securityGroupIdsFrom'],
};

export const DNSRecordKind: KindDescription = {
  kind: 'DNSRecord',
  plural: 'dnsrecords',
  singular: 'dnsrecord',
  shortNames: ['dns'],
  scope: 'Namespaced',
  description: 'A record set in a hosted zone (Route 53): name, type, TTL, values or an alias, an optional routing policy (weighted, failover, latency, geolocation, multivalue); marked as ours by an ownership TXT record beside it.',
  spec: DNSRecordSpec,
  status: DNSRecordStatus,
  printerColumns: [
    ...managedColumns,
    { name: 'Type', type: 'string', jsonPath: '.spec.type', description: 'The record type.' },
    { name: 'FQDN', type: 'string', jsonPath: '.status.atProvider.fqdn', description: 'The fully qualified record name.' },
    { name: 'Zone', type: 'string', jsonPath: '.status.atProvider.hostedZoneId', description: 'The hosted zone id.', priority: 1 },
    { name: 'Change', type: 'string', jsonPath: '.status.atProvider.changeStatus', description: 'PENDING or INSYNC: whether Route 53 has applied the last change everywhere.', priority: 1 },
    LAST_CHECKED_COLUMN,
    AGE_COLUMN,
  ],
  categories: [CATEGORY],
  externalName: (spec: DNSRecordSpec) => recordIdentity(spec),
  // One zone listing answers the drift checks of all the zone's records: they are checked together.
  resyncGroup: (spec: DNSRecordSpec) => `zone:${(spec.zone.id ?? spec.zone.name ?? '').toLowerCase()}`,
  references: ['valuesFrom', 'alias.dnsNameFrom'],
};

/** In the order they are installed: ProviderConfig first, since the others refer to it. */
export const KINDS: readonly KindDescription[] = [ProviderConfigKind, BucketKind, DNSRecordKind, DatabaseKind];
