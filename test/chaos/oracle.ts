// What the backends hold, read straight from them (the emulator's real endpoint, PostgreSQL as
// the admin), never through the operator's adapters: the oracle the invariants are checked by.
import { GetBucketTaggingCommand, GetBucketVersioningCommand, HeadBucketCommand, ListBucketsCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { ListResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { OWNERSHIP_TAG } from '../../src/api/bucket.ts';
import type { World } from './world.ts';

export interface BucketView {
  name: string;
  tags: Record<string, string>;
  /** The ownership tag's value, when it has one. */
  mark?: string | undefined;
}

const errName = (err: unknown) => (err as { name?: string }).name ?? '';

export async function bucketTags(w: World, name: string): Promise<Record<string, string> | undefined> {
  try {
    const out = await w.s3.send(new GetBucketTaggingCommand({ Bucket: name }));
    return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } catch (err) {
    if (errName(err) === 'NoSuchTagSet') return {};
    if (errName(err) === 'NoSuchBucket') return undefined;
    throw err;
  }
}

export async function bucketExists(w: World, name: string): Promise<boolean> {
  return w.s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, (err: unknown) => {
    if (errName(err) === 'NotFound' || errName(err) === 'NoSuchBucket') return false;
    throw err;
  });
}

/** Every bucket in the emulator, with its tags (a bucket deleted while listing is left out). */
export async function buckets(w: World): Promise<BucketView[]> {
  const names = ((await w.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? '');
  const views: BucketView[] = [];
  for (const name of names) {
    const tags = await bucketTags(w, name);
    if (tags) views.push({ name, tags, mark: tags[OWNERSHIP_TAG] });
  }
  return views;
}

/** A bucket's whole observable content, as one string: tags, versioning, every object and its body. */
export async function bucketSnapshot(w: World, name: string): Promise<string> {
  const tags = await bucketTags(w, name);
  if (!tags) return 'gone';
  const versioning = (await w.s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status ?? 'never';
  const listed = (await w.s3.send(new ListObjectsV2Command({ Bucket: name }))).Contents ?? [];
  const contents: string[] = [];
  for (const o of listed) {
    const body = await (await w.s3.send(new GetObjectCommand({ Bucket: name, Key: o.Key! }))).Body!.transformToString();
    contents.push(`${o.Key}=${body}`);
  }
  return JSON.stringify({ tags, versioning, contents });
}

export async function recordSets(w: World): Promise<ResourceRecordSet[]> {
  const out: ResourceRecordSet[] = [];
  let start: Record<string, string | undefined> = {};
  for (;;) {
    const page = await w.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: w.zoneId, MaxItems: 300, ...start }));
    out.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) return out;
    start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType, StartRecordIdentifier: page.NextRecordIdentifier };
  }
}

/** The mark in an ownership TXT record (`"chaos-x/ns/name"`), unquoted. */
export const txtMark = (set: ResourceRecordSet) => set.ResourceRecords?.[0]?.Value?.replace(/^"|"$/g, '');
export const isOwnershipRecord = (set: ResourceRecordSet) => set.Type === 'TXT' && /^_mooring-/.test(set.Name ?? '');

export interface PgObject {
  name: string;
  comment: string | null;
  connlimit: number;
  /** Database: its owner role; role: its password hash (compared byte for byte on decoys). */
  detail: string | null;
}

export async function pgDatabases(w: World): Promise<PgObject[]> {
  const sql = `SELECT d.datname AS name, shobj_description(d.oid, 'pg_database') AS comment, d.datconnlimit AS connlimit, r.rolname AS detail
    FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE NOT d.datistemplate AND d.datname <> 'postgres'`;
  return (await w.pg.query<PgObject>(sql)).rows;
}

export async function pgRoles(w: World): Promise<PgObject[]> {
  const sql = `SELECT a.rolname AS name, shobj_description(a.oid, 'pg_authid') AS comment, a.rolconnlimit AS connlimit, a.rolpassword AS detail
    FROM pg_authid a WHERE a.rolname !~ '^pg_' AND a.rolname <> 'postgres'`;
  return (await w.pg.query<PgObject>(sql)).rows;
}

export interface InstanceView {
  id: string;
  mark?: string | undefined;
  instanceClass?: string | undefined;
  status?: string | undefined;
}

/** Every RDS DB instance in the emulator, with its ownership tag. */
export async function rdsInstances(w: World): Promise<InstanceView[]> {
  const out: InstanceView[] = [];
  let marker: string | undefined;
  do {
    const page = await w.rds.send(new DescribeDBInstancesCommand({ ...(marker ? { Marker: marker } : {}) }));
    for (const i of page.DBInstances ?? []) {
      out.push({ id: i.DBInstanceIdentifier ?? '', mark: i.TagList?.find((t) => t.Key === OWNERSHIP_TAG)?.Value, instanceClass: i.DBInstanceClass, status: i.DBInstanceStatus });
    }
    marker = page.Marker;
  } while (marker);
  return out;
}

/**
 * A role's whole state as one string, from pg_authid (the password verifier included): every
 * attribute, its comment, memberships either way, per-role settings. 'gone' when there is none.
 */
export async function pgRoleSnapshot(w: World, name: string): Promise<string> {
  const sql = `SELECT a.rolname, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, a.rolcanlogin, a.rolreplication, a.rolbypassrls,
      a.rolconnlimit, a.rolpassword, a.rolvaliduntil::text AS rolvaliduntil, shobj_description(a.oid, 'pg_authid') AS comment,
      ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_authid g ON g.oid = m.roleid WHERE m.member = a.oid ORDER BY 1) AS member_of,
      ARRAY(SELECT u.rolname FROM pg_auth_members m JOIN pg_authid u ON u.oid = m.member WHERE m.roleid = a.oid ORDER BY 1) AS members,
      ARRAY(SELECT unnest(s.setconfig) FROM pg_db_role_setting s WHERE s.setrole = a.oid ORDER BY 1) AS settings
    FROM pg_authid a WHERE a.rolname = $1`;
  const row = (await w.pg.query<Record<string, unknown>>(sql, [name])).rows[0];
  return row ? JSON.stringify(row) : 'gone';
}

/** A database's whole state as one string: owner, limits, ACL, comment, per-database settings. */
export async function pgDatabaseSnapshot(w: World, name: string): Promise<string> {
  const sql = `SELECT d.datname, r.rolname AS owner, d.datconnlimit, d.datallowconn, d.datacl::text AS datacl, shobj_description(d.oid, 'pg_database') AS comment,
      ARRAY(SELECT unnest(s.setconfig) FROM pg_db_role_setting s WHERE s.setdatabase = d.oid ORDER BY 1) AS settings
    FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = $1`;
  const row = (await w.pg.query<Record<string, unknown>>(sql, [name])).rows[0];
  return row ? JSON.stringify(row) : 'gone';
}

/** A record set and everything named under it (its ownership TXT record included), as one string. */
export function recordSnapshot(sets: ResourceRecordSet[], fqdn: string): string {
  return JSON.stringify(sets.filter((s) => s.Name === fqdn || s.Name?.endsWith(`.${fqdn}`)));
}
