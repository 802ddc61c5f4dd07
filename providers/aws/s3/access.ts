// The bucket's access settings (policy, CORS, website, object ownership, access logging): S3's
// shapes to the spec's and back, and their diff. Pure functions, unit-tested. Each is managed only
// when the spec sets it, so a bucket adopted with a thin spec keeps what it had.
import type { BucketLoggingStatus, CORSRule, GetBucketWebsiteCommandOutput, ReplicationConfiguration, WebsiteConfiguration } from '@aws-sdk/client-s3';
import { TerminalError, type BucketSpec, type FieldDiff } from '../../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { byCodePoint } from '../common/order.ts';

export type CorsRuleSpec = NonNullable<BucketSpec['corsRules']>[number];
export type WebsiteSpec = NonNullable<BucketSpec['website']>;
export type LoggingSpec = NonNullable<BucketSpec['logging']>;
export type ReplicationSpec = NonNullable<BucketSpec['replication']>;

/** What observe read of the access settings; undefined: not read (the spec leaves it unset). */
export interface ObservedAccess {
  /** The policy document, parsed; null: the bucket has none. */
  policy?: unknown;
  corsRules?: CorsRuleSpec[] | undefined;
  /** null: no website configuration. */
  website?: Omit<WebsiteSpec, 'enabled'> | null | undefined;
  /** null: no ownership controls. */
  objectOwnership?: string | null | undefined;
  /** null: logging off. */
  logging?: Omit<LoggingSpec, 'enabled'> | null | undefined;
  /** null: no replication configuration. */
  replication?: ReplicationSpec | null | undefined;
}

// --- policy ------------------------------------------------------------------------------------

/** Keys sorted at every level, and S3's one-or-many fields always lists: two texts of one policy compare equal. */
export function canonicalPolicy(doc: unknown, key?: string): unknown {
  if (ONE_OR_MANY.has(key ?? '') && doc !== undefined && !Array.isArray(doc)) return [canonicalPolicy(doc)];
  if (Array.isArray(doc)) return doc.map((d) => canonicalPolicy(d));
  if (doc !== null && typeof doc === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(doc).sort()) out[k] = canonicalPolicy((doc as Record<string, unknown>)[k], k);
    return out;
  }
  return doc;
}
const ONE_OR_MANY = new Set(['Statement', 'Action', 'NotAction', 'Resource', 'NotResource', 'AWS', 'Service', 'Federated', 'CanonicalUser']);

/** The statements of a policy document, as a list. */
export function statementsOf(doc: unknown): Record<string, unknown>[] {
  const s = (doc as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(s) ? s : s === undefined ? [] : [s];
  return list.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object');
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const ARN = /^arn:aws(-[a-z]+)*:s3:::(.*)$/;

/**
 * A tenant's policy may name only its own bucket and the bucket's objects: a statement naming
 * another bucket (or a wildcard that could match one, or NotResource, which names everything else)
 * would grant, in this bucket's policy, what another team's bucket decides. Throws Terminal.
 */
export function checkPolicyResources(doc: unknown, bucket: string): void {
  for (const [i, st] of statementsOf(doc).entries()) {
    if (st.NotResource !== undefined) throw refused(bucket, `statement ${i} uses NotResource, which names every other resource`);
    const resources = list(st.Resource);
    if (!resources.length) throw refused(bucket, `statement ${i} names no Resource`);
    for (const r of resources) {
      const m = typeof r === 'string' ? ARN.exec(r) : null;
      const rest = m?.[2] ?? '';
      if (!m || !(rest === bucket || rest.startsWith(`${bucket}/`))) throw refused(bucket, `statement ${i} names ${JSON.stringify(r)}`);
    }
  }
}

const refused = (bucket: string, what: string) =>
  new TerminalError(
    AwsReason.InvalidSpec,
    `spec.policy: ${what}; a bucket's policy may name only the bucket (arn:aws:s3:::${bucket}) and its objects (arn:aws:s3:::${bucket}/...)`,
  );

/** The policy text to write, or undefined when the spec's document has no statements (then the policy is deleted). */
export function policyToWrite(text: string): string | undefined {
  return statementsOf(JSON.parse(text)).length ? text : undefined;
}

// --- CORS, website, logging -----------------------------------------------------------------------

export function corsRuleToS3(r: CorsRuleSpec): CORSRule {
  return {
    AllowedMethods: r.allowedMethods,
    AllowedOrigins: r.allowedOrigins,
    ...(r.allowedHeaders ? { AllowedHeaders: r.allowedHeaders } : {}),
    ...(r.exposeHeaders ? { ExposeHeaders: r.exposeHeaders } : {}),
    ...(r.maxAgeSeconds !== undefined ? { MaxAgeSeconds: r.maxAgeSeconds } : {}),
  };
}

export function corsRuleFromS3(r: CORSRule): CorsRuleSpec {
  const out: CorsRuleSpec = { allowedMethods: (r.AllowedMethods ?? []) as CorsRuleSpec['allowedMethods'], allowedOrigins: r.AllowedOrigins ?? [] };
  if (r.AllowedHeaders?.length) out.allowedHeaders = r.AllowedHeaders;
  if (r.ExposeHeaders?.length) out.exposeHeaders = r.ExposeHeaders;
  if (r.MaxAgeSeconds !== undefined) out.maxAgeSeconds = r.MaxAgeSeconds;
  return out;
}

/** A rule in comparable form: lists sorted (their order means nothing to S3), empty lists dropped. */
function canonicalCors(r: CorsRuleSpec): CorsRuleSpec {
  const sorted = (l: string[] | undefined) => (l?.length ? [...l].sort() : undefined);
  return JSON.parse(JSON.stringify({ ...r, allowedMethods: sorted(r.allowedMethods), allowedOrigins: sorted(r.allowedOrigins), allowedHeaders: sorted(r.allowedHeaders), exposeHeaders: sorted(r.exposeHeaders) })) as CorsRuleSpec;
}

export function websiteToS3(w: WebsiteSpec): WebsiteConfiguration {
  return { IndexDocument: { Suffix: w.indexDocument }, ...(w.errorDocument ? { ErrorDocument: { Key: w.errorDocument } } : {}) };
}

export function websiteFromS3(w: GetBucketWebsiteCommandOutput | null): ObservedAccess['website'] {
  if (!w?.IndexDocument?.Suffix) return null;
  return { indexDocument: w.IndexDocument.Suffix, ...(w.ErrorDocument?.Key ? { errorDocument: w.ErrorDocument.Key } : {}) };
}

export function loggingToS3(l: LoggingSpec): BucketLoggingStatus {
  return l.enabled ? { LoggingEnabled: { TargetBucket: l.targetBucket, TargetPrefix: l.targetPrefix } } : {};
}

export function loggingFromS3(status: BucketLoggingStatus | undefined): ObservedAccess['logging'] {
  const on = status?.LoggingEnabled;
  return on?.TargetBucket ? { targetBucket: on.TargetBucket, targetPrefix: on.TargetPrefix ?? '' } : null;
}

/** S3's shape; every rule copies the whole bucket (an empty prefix) and no delete markers. */
export function replicationToS3(r: ReplicationSpec, arnOf: (bucket: string) => string): ReplicationConfiguration {
  return {
    Role: r.role,
    Rules: r.rules.map((rule) => ({
      ID: rule.id,
      Priority: rule.priority,
      Status: rule.enabled ? 'Enabled' : 'Disabled',
      Filter: { Prefix: '' },
      DeleteMarkerReplication: { Status: 'Disabled' },
      Destination: { Bucket: arnOf(rule.destinationBucket), ...(rule.storageClass ? { StorageClass: rule.storageClass } : {}) },
    })),
  };
}

export function replicationFromS3(c: ReplicationConfiguration | undefined): ReplicationSpec | null {
  if (!c?.Rules?.length) return null;
  return {
    role: c.Role ?? '',
    rules: c.Rules.map((r) => ({
      id: r.ID ?? '',
      priority: r.Priority ?? 1,
      // The ARN's bucket part: arn:<partition>:s3:::<name>.
      destinationBucket: (r.Destination?.Bucket ?? '').replace(/^arn:[^:]*:s3:::/, ''),
      ...(r.Destination?.StorageClass ? { storageClass: r.Destination.StorageClass as NonNullable<ReplicationSpec['rules'][number]['storageClass']> } : {}),
      enabled: r.Status === 'Enabled',
    })),
  };
}

// --- the diff ------------------------------------------------------------------------------------

/** Every access setting the spec manages that differs from what observe read. */
export function diffAccess(spec: BucketSpec, observed: ObservedAccess): FieldDiff[] {
  const diff: FieldDiff[] = [];
  const add = (path: string, o: unknown, d: unknown) => diff.push({ path, observed: o, desired: d });
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (spec.policy !== undefined && observed.policy !== undefined) {
    const want = JSON.parse(spec.policy) as unknown;
    const have = observed.policy;
    // A document without statements asks for no policy at all.
    const differs = statementsOf(want).length === 0 ? have !== null : have === null || !same(canonicalPolicy(want), canonicalPolicy(have));
    if (differs) add('policy', have === null ? undefined : JSON.stringify(have), spec.policy);
  }
  if (spec.corsRules && observed.corsRules !== undefined) {
    const want = spec.corsRules.map(canonicalCors);
    const have = observed.corsRules.map(canonicalCors);
    if (!same(want, have)) add('corsRules', have, want);
  }
  if (spec.website && observed.website !== undefined) {
    const { enabled, ...want } = spec.website;
    if (!enabled ? observed.website !== null : !same(want, observed.website)) add('website', observed.website, enabled ? want : null);
  }
  if (spec.objectOwnership && observed.objectOwnership !== undefined && spec.objectOwnership !== observed.objectOwnership) {
    add('objectOwnership', observed.objectOwnership, spec.objectOwnership);
  }
  if (spec.logging && observed.logging !== undefined) {
    const { enabled, ...want } = spec.logging;
    if (!enabled ? observed.logging !== null : !same(want, observed.logging)) add('logging', observed.logging, enabled ? want : null);
  }
  if (spec.replication && observed.replication !== undefined) {
    const canonical = (r: ReplicationSpec | null) =>
      r && r.rules.length
        ? {
            role: r.role,
            rules: r.rules
              .map((x) => ({ id: x.id, priority: x.priority, destinationBucket: x.destinationBucket, storageClass: x.storageClass, enabled: x.enabled }))
              .sort((a, b) => byCodePoint(a.id, b.id)),
          }
        : null;
    const want = canonical(spec.replication);
    if (!same(want, canonical(observed.replication))) add('replication', observed.replication, want);
  }
  return diff;
}
