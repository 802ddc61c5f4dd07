// A bucket's configuration as S3 reports it, the spec turned into S3's shapes, and the field-level
// diff between the two. Pure functions: no SDK client here, so every rule is unit-tested.
//
// What the spec manages: versioning and the public access block always (both have defaults);
// encryption, user tags and lifecycle rules only when the spec sets them, so a bucket adopted with
// its own KMS encryption or lifecycle is not silently rewritten by an omitted field. An empty
// `lifecycleRules: []` is a statement, though: no rules. The ownership tag is always ours to keep.
import type {
  LifecycleRule as S3LifecycleRule,
  PublicAccessBlockConfiguration,
  ServerSideEncryptionConfiguration,
  Tag,
} from '@aws-sdk/client-s3';
import { OWNERSHIP_TAG, type BucketSpec, type FieldDiff } from '../../../sdk/index.ts';
import { byCodePoint } from '../common/order.ts';

export type VersioningStatus = 'Enabled' | 'Suspended';
export type LifecycleRuleSpec = NonNullable<BucketSpec['lifecycleRules']>[number];
export type PublicAccessBlockSpec = BucketSpec['publicAccessBlock'];

export interface ObservedEncryption {
  algorithm: string;
  kmsKeyId?: string | undefined;
  bucketKeyEnabled: boolean;
}

/** What observe read. `undefined` on a managed-when-set field means it was not read. */
export interface ObservedBucket {
  region: string | undefined;
  /** Every tag on the bucket, the ownership tag and AWS's own (`aws:`) included. */
  tags: Record<string, string>;
  /** undefined: versioning was never enabled on this bucket. */
  versioning: VersioningStatus | undefined;
  publicAccessBlock: PublicAccessBlockSpec;
  /** null: the bucket has no default-encryption configuration; undefined: not read. */
  encryption?: ObservedEncryption | null | undefined;
  /** Normalized to the spec's shape; [] when the bucket has none; undefined: not read. */
  lifecycleRules?: NormalizedRule[] | undefined;
}

/** A lifecycle rule in the spec's shape, plus what S3 had that the spec cannot express. */
export type NormalizedRule = Omit<LifecycleRuleSpec, 'transitions'> & {
  transitions?: { days: number; storageClass: string }[];
  /** Parts of an S3 rule the spec cannot express (tag filters, dates …); such a rule never matches. */
  unsupported?: string[];
};

const ALL_OFF: PublicAccessBlockSpec = { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false };

// ---------------------------------------------------------------------------------------------
// Versioning. S3's rule: a bucket that was never versioned is unversioned; once enabled it can only
// be suspended, never return to unversioned.

/** The status to ask S3 for, or undefined when the bucket may stay as it is (never versioned). */
export function desiredVersioning(want: boolean, observed: VersioningStatus | undefined): VersioningStatus | undefined {
  if (want) return 'Enabled';
  return observed === undefined ? undefined : 'Suspended';
}

export function parseVersioning(status: string | undefined): VersioningStatus | undefined {
  return status === 'Enabled' || status === 'Suspended' ? status : undefined;
}

// ---------------------------------------------------------------------------------------------
// Tags

export function isSystemTag(key: string): boolean {
  return key.startsWith('aws:');
}

export function tagsFromS3(tagSet: Tag[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of tagSet ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

/**
 * The full tag set to write: the user's tags (from the spec, or the bucket's own when the spec
 * leaves tags unmanaged), AWS's system tags as they are (they cannot be removed), and our mark.
 */
export function tagSetToWrite(userTags: Record<string, string> | undefined, observed: Record<string, string>, ownershipMark: string): Tag[] {
  const keep = Object.entries(observed).filter(([k]) => isSystemTag(k) || (userTags === undefined && k !== OWNERSHIP_TAG));
  const user = Object.entries(userTags ?? {}).filter(([k]) => k !== OWNERSHIP_TAG && !isSystemTag(k));
  const merged = new Map<string, string>([...keep, ...user, [OWNERSHIP_TAG, ownershipMark]]);
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

// ---------------------------------------------------------------------------------------------
// Public access block

export function publicAccessBlockFromS3(config: PublicAccessBlockConfiguration | undefined): PublicAccessBlockSpec {
  if (!config) return { ...ALL_OFF };
  return {
    blockPublicAcls: config.BlockPublicAcls ?? false,
    ignorePublicAcls: config.IgnorePublicAcls ?? false,
    blockPublicPolicy: config.BlockPublicPolicy ?? false,
    restrictPublicBuckets: config.RestrictPublicBuckets ?? false,
  };
}

export function publicAccessBlockToS3(spec: PublicAccessBlockSpec): PublicAccessBlockConfiguration {
  return {
    BlockPublicAcls: spec.blockPublicAcls,
    IgnorePublicAcls: spec.ignorePublicAcls,
    BlockPublicPolicy: spec.blockPublicPolicy,
    RestrictPublicBuckets: spec.restrictPublicBuckets,
  };
}

// ---------------------------------------------------------------------------------------------
// Encryption

export function encryptionFromS3(config: ServerSideEncryptionConfiguration | undefined): ObservedEncryption | null {
  const rule = config?.Rules?.[0];
  const byDefault = rule?.ApplyServerSideEncryptionByDefault;
  if (!byDefault?.SSEAlgorithm) return null;
  return { algorithm: byDefault.SSEAlgorithm, kmsKeyId: byDefault.KMSMasterKeyID || undefined, bucketKeyEnabled: rule?.BucketKeyEnabled ?? false };
}

export function encryptionToS3(spec: NonNullable<BucketSpec['encryption']>): ServerSideEncryptionConfiguration {
  const kms = spec.algorithm === 'aws:kms';
  return {
    Rules: [
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: spec.algorithm, ...(kms && spec.kmsKeyId ? { KMSMasterKeyID: spec.kmsKeyId } : {}) },
        ...(kms ? { BucketKeyEnabled: spec.bucketKeyEnabled ?? false } : {}),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

export function lifecycleRuleToS3(rule: LifecycleRuleSpec): S3LifecycleRule {
  const out: S3LifecycleRule = { ID: rule.id, Filter: { Prefix: rule.prefix }, Status: rule.enabled ? 'Enabled' : 'Disabled' };
  if (rule.expirationDays !== undefined) out.Expiration = { Days: rule.expirationDays };
  if (rule.noncurrentVersionExpirationDays !== undefined) out.NoncurrentVersionExpiration = { NoncurrentDays: rule.noncurrentVersionExpirationDays };
  if (rule.abortIncompleteMultipartUploadDays !== undefined) {
    out.AbortIncompleteMultipartUpload = { DaysAfterInitiation: rule.abortIncompleteMultipartUploadDays };
  }
  if (rule.transitions?.length) out.Transitions = rule.transitions.map((t) => ({ Days: t.days, StorageClass: t.storageClass }));
  return out;
}

export function lifecycleRuleFromS3(rule: S3LifecycleRule): NormalizedRule {
  const unsupported: string[] = [];
  const filter = rule.Filter;
  if (filter?.Tag || filter?.And || filter?.ObjectSizeGreaterThan !== undefined || filter?.ObjectSizeLessThan !== undefined) unsupported.push('filter');
  if (rule.Expiration?.Date || rule.Expiration?.ExpiredObjectDeleteMarker !== undefined) unsupported.push('expiration');
  if (rule.NoncurrentVersionExpiration?.NewerNoncurrentVersions !== undefined) unsupported.push('noncurrentVersionExpiration');
  if (rule.NoncurrentVersionTransitions?.length) unsupported.push('noncurrentVersionTransitions');
  if (rule.Transitions?.some((t) => t.Date !== undefined)) unsupported.push('transitions');
  const out: NormalizedRule = {
    id: rule.ID ?? '',
    // `Prefix` at the rule's top level is the legacy form S3 still returns for old rules.
    prefix: filter?.Prefix ?? rule.Prefix ?? '',
    enabled: rule.Status === 'Enabled',
  };
  if (rule.Expiration?.Days !== undefined) out.expirationDays = rule.Expiration.Days;
  if (rule.NoncurrentVersionExpiration?.NoncurrentDays !== undefined) out.noncurrentVersionExpirationDays = rule.NoncurrentVersionExpiration.NoncurrentDays;
  if (rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined) {
    out.abortIncompleteMultipartUploadDays = rule.AbortIncompleteMultipartUpload.DaysAfterInitiation;
  }
  const transitions = (rule.Transitions ?? []).filter((t) => t.Days !== undefined).map((t) => ({ days: t.Days!, storageClass: t.StorageClass ?? '' }));
  if (transitions.length) out.transitions = transitions;
  if (unsupported.length) out.unsupported = unsupported;
  return out;
}

/** Canonical form for comparison: rule order and transition order carry no meaning in S3. */
export function canonicalRules(rules: readonly NormalizedRule[]): NormalizedRule[] {
  return rules
    .map((r) => {
      const out: NormalizedRule = { id: r.id, prefix: r.prefix, enabled: r.enabled };
      if (r.expirationDays !== undefined) out.expirationDays = r.expirationDays;
      if (r.noncurrentVersionExpirationDays !== undefined) out.noncurrentVersionExpirationDays = r.noncurrentVersionExpirationDays;
      if (r.abortIncompleteMultipartUploadDays !== undefined) out.abortIncompleteMultipartUploadDays = r.abortIncompleteMultipartUploadDays;
      if (r.transitions?.length) out.transitions = [...r.transitions].sort((a, b) => a.days - b.days || byCodePoint(a.storageClass, b.storageClass));
      if (r.unsupported?.length) out.unsupported = [...r.unsupported];
      return out;
    })
    .sort((a, b) => byCodePoint(a.id, b.id));
}

// ---------------------------------------------------------------------------------------------
// The diff

/** Every field where the bucket differs from the spec; empty when up to date. */
export function diffBucket(spec: BucketSpec, desiredRegion: string, observed: ObservedBucket): FieldDiff[] {
  const diff: FieldDiff[] = [];
  const add = (path: string, o: unknown, d: unknown) => diff.push({ path, observed: o, desired: d });

  if (observed.region !== undefined && observed.region !== desiredRegion) add('region', observed.region, desiredRegion);

  const versioning = desiredVersioning(spec.versioning, observed.versioning);
  if (versioning !== observed.versioning) add('versioning', observed.versioning ?? 'Unversioned', versioning);

  for (const key of Object.keys(spec.publicAccessBlock) as (keyof PublicAccessBlockSpec)[]) {
    if (spec.publicAccessBlock[key] !== observed.publicAccessBlock[key]) add(`publicAccessBlock.${key}`, observed.publicAccessBlock[key], spec.publicAccessBlock[key]);
  }

  if (spec.encryption && observed.encryption !== undefined) {
    const want = spec.encryption;
    const have = observed.encryption;
    if (have?.algorithm !== want.algorithm) add('encryption.algorithm', have?.algorithm, want.algorithm);
    if (want.algorithm === 'aws:kms') {
      if ((have?.kmsKeyId ?? undefined) !== want.kmsKeyId) add('encryption.kmsKeyId', have?.kmsKeyId, want.kmsKeyId);
      if ((have?.bucketKeyEnabled ?? false) !== (want.bucketKeyEnabled ?? false)) add('encryption.bucketKeyEnabled', have?.bucketKeyEnabled ?? false, want.bucketKeyEnabled ?? false);
    }
  }

  if (spec.tags) {
    const have = Object.fromEntries(Object.entries(observed.tags).filter(([k]) => k !== OWNERSHIP_TAG && !isSystemTag(k)));
    const keys = [...new Set([...Object.keys(have), ...Object.keys(spec.tags)])].filter((k) => k !== OWNERSHIP_TAG).sort();
    for (const key of keys) if (have[key] !== spec.tags[key]) add(`tags.${key}`, have[key], spec.tags[key]);
  }

  if (spec.lifecycleRules && observed.lifecycleRules !== undefined) {
    const want = canonicalRules(spec.lifecycleRules);
    const have = canonicalRules(observed.lifecycleRules);
    if (JSON.stringify(want) !== JSON.stringify(have)) add('lifecycleRules', have, want);
  }
  return diff;
}
