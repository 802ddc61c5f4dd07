// What an admin lets the resources of a ProviderConfig ask for (spec.policy), checked against a
// parsed spec before any cloud call; the account-level assets a spec names, in named-assets.ts.
// Pure functions: a refusal names the field, the limit and the reason; the resolver throws it as a
// TerminalError.
import type { BucketSpec } from '../api/bucket.ts';
import { RdsOptions, type DatabaseSpec } from '../api/database.ts';
import type { DNSRecordSpec } from '../api/dnsrecord.ts';
import type { Policy } from '../api/providerconfig.ts';
import { Reason } from '../reconcile/reasons.ts';
import { bucketNames, firstUngranted, rdsNames } from './named-assets.ts';

export interface Refusal {
  reason: Reason;
  message: string;
}

const refuse = (reason: Reason, message: string): Refusal => ({ reason, message });

type Check = (spec: never, policy: Policy, config: { name: string; type: string }, secretPaths: readonly string[]) => Refusal | undefined;

/** The kind-specific checks; kinds without one (a plugin's) are limited by grants and adoption only. */
const CHECKS: Record<string, Check> = {
  Bucket: (spec: BucketSpec, policy, config, secretPaths) => bucket(spec, policy, config.name, secretPaths),
  DNSRecord: (spec: DNSRecordSpec, policy, config) => dnsRecord(spec, policy, config.name),
  Database: (spec: DatabaseSpec, policy, config, secretPaths) => (config.type === 'aws' ? rds(spec, policy, config.name, secretPaths) : undefined),
};

/** `secretPaths`: spec paths a Secret gave the value of, never echoed in a refusal. */
export function checkPolicy(kind: string, spec: unknown, policy: Policy, config: { name: string; type: string }, secretPaths: readonly string[] = []): Refusal | undefined {
  // A deletion is admitted without its spec: the policy limits what may be asked for, never the way out.
  if (spec === undefined) return undefined;
  return CHECKS[kind]?.(spec as never, policy, config, secretPaths);
}

function bucket(spec: BucketSpec, policy: Policy, config: string, secretPaths: readonly string[]): Refusal | undefined {
  return publicBucket(spec, policy, config) ?? firstUngranted(bucketNames(spec, policy), config, secretPaths);
}

function publicBucket(spec: BucketSpec, policy: Policy, config: string): Refusal | undefined {
  if (policy.buckets.publicAccess) return undefined;
  const open = spec.policy === undefined ? undefined : publicWrite(spec.policy);
  if (open !== undefined) {
    return refuse(Reason.PublicAccessNotGranted, `spec.policy: statement ${open} allows every principal to write (anything beyond s3:Get*/s3:List*), and ProviderConfig ${config} does not allow public access (spec.policy.buckets.publicAccess)`);
  }
  const off = Object.entries(spec.publicAccessBlock).filter(([, on]) => on === false).map(([k]) => `spec.publicAccessBlock.${k}`);
  if (off.length === 0) return undefined;
  return refuse(Reason.PublicAccessNotGranted, `${off.join(', ')}: false would relax the bucket's public access block, and ProviderConfig ${config} does not allow it (spec.policy.buckets.publicAccess); set them to true or ask the platform team`);
}

const many = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Every principal: "*", or an AWS principal "*" (alone or in a list); NotPrincipal in an Allow is everyone else. */
function everyone(st: Record<string, unknown>): boolean {
  if (st.NotPrincipal !== undefined) return true;
  const p = st.Principal;
  if (p === '*') return true;
  return p !== null && typeof p === 'object' && many((p as Record<string, unknown>).AWS).includes('*');
}

/** Reads only: s3:Get… and s3:List… (no wildcard that could reach a write); NotAction can reach anything. */
const readOnly = (st: Record<string, unknown>) =>
  st.NotAction === undefined && many(st.Action).every((a) => typeof a === 'string' && /^s3:(Get|List)[A-Za-z]*$/i.test(a) && !a.includes('*'));

/**
 * The index of the first statement allowing every principal to write, or undefined. Written for
 * hostile input: anything unreadable counts as open (the schema already refused a non-document).
 */
export function publicWrite(text: string): number | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 0;
  }
  const statements = many((doc as { Statement?: unknown } | null)?.Statement);
  const i = statements.findIndex((st) => st === null || typeof st !== 'object' || ((st as Record<string, unknown>).Effect !== 'Deny' && everyone(st as Record<string, unknown>) && !readOnly(st as Record<string, unknown>)));
  return i < 0 ? undefined : i;
}

/** '@', the zone's name (with or without the dot), or any FQDN when the zone is given by id. */
function atApex(spec: DNSRecordSpec): boolean {
  const name = spec.name.toLowerCase();
  if (name === '@') return true;
  const zone = spec.zone.name?.toLowerCase().replace(/\.$/, '');
  if (zone === undefined) return name.endsWith('.');
  return name.replace(/\.$/, '') === zone;
}

function dnsRecord(spec: DNSRecordSpec, policy: Policy, config: string): Refusal | undefined {
  const { zones, recordTypes, apexNameServers } = policy.dns;
  const zone = spec.zone.name ?? spec.zone.id ?? '';
  const normal = (z: string) => z.toLowerCase().replace(/\.$/, '').replace(/^\/hostedzone\//, '');
  if (zones && !zones.some((z) => normal(z) === normal(zone))) {
    return refuse(Reason.ZoneNotGranted, `spec.zone ${zone} is not among the zones ProviderConfig ${config} allows (${zones.join(', ')})`);
  }
  if (recordTypes && !recordTypes.includes(spec.type)) {
    return refuse(Reason.RecordTypeNotGranted, `spec.type ${spec.type} is not among the record types ProviderConfig ${config} allows (${recordTypes.join(', ')})`);
  }
  if (spec.type === 'NS' && !apexNameServers && atApex(spec)) {
    return refuse(Reason.RecordTypeNotGranted, `an NS record at the zone apex (spec.name ${spec.name}) decides who answers for the whole zone; ProviderConfig ${config} does not allow it (spec.policy.dns.apexNameServers)`);
  }
  return undefined;
}

function rds(spec: DatabaseSpec, policy: Policy, config: string, secretPaths: readonly string[]): Refusal | undefined {
  const asked = RdsOptions.parse(spec.rds ?? {});
  const { instanceClasses, maxAllocatedStorageGiB, publiclyAccessible } = policy.rds;
  if (instanceClasses && !instanceClasses.includes(asked.instanceClass)) {
    return refuse(Reason.InstanceClassNotGranted, `spec.rds.instanceClass ${asked.instanceClass} is not among the classes ProviderConfig ${config} allows (${instanceClasses.join(', ')})`);
  }
  if (maxAllocatedStorageGiB !== undefined && asked.allocatedStorageGiB > maxAllocatedStorageGiB) {
    return refuse(Reason.StorageNotGranted, `spec.rds.allocatedStorageGiB ${asked.allocatedStorageGiB} is over the ${maxAllocatedStorageGiB} GiB ProviderConfig ${config} allows`);
  }
  if (asked.publiclyAccessible && !publiclyAccessible) {
    return refuse(Reason.PublicAccessNotGranted, `spec.rds.publiclyAccessible: true would give the instance a public address, and ProviderConfig ${config} does not allow it (spec.policy.rds.publiclyAccessible)`);
  }
  return firstUngranted(rdsNames(asked, policy), config, secretPaths);
}
