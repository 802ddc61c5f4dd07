// The Bucket kind: an object-storage bucket (S3 today).
import * as z from 'zod';
import { immutable, managedSpecFields, presenceFixed, managedStatusFields, withRules } from './common.ts';
import type { DerivedName, NameRule } from './derived.ts';

/** The tag key that carries our ownership mark; users may not set it themselves. */
export const OWNERSHIP_TAG = 'mooring.dev/owner';

// S3's rules for general purpose bucket names (AWS, "General purpose bucket naming rules"). The
// apiserver checks patterns with Go's RE2, which has no lookaheads, so the shape is one plain
// pattern and each forbidden case is a rule of its own (a zod refinement and a CEL rule from one
// line), its message naming the rule. Older pages also list the prefix sthree-configurator, which
// sthree- covers.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SHAPE_MESSAGE = 'must be 3-63 characters of lowercase letters, digits, dots and hyphens, and start and end with a letter or digit (S3 bucket naming rules)';
const RESERVED_PREFIXES: [prefix: string, why: string][] = [
  ['xn--', 'reserved prefix'],
  ['sthree-', 'reserved prefix'],
  ['amzn-s3-demo-', 'reserved for AWS examples'],
];
const RESERVED_SUFFIXES: [suffix: string, why: string][] = [
  ['-s3alias', 'reserved for access point aliases'],
  ['--ol-s3', 'reserved for Object Lambda Access Point aliases'],
  ['.mrap', 'reserved for Multi-Region Access Points'],
  ['--x-s3', 'reserved for directory buckets'],
  ['--table-s3', 'reserved for S3 Tables buckets'],
];
const IP_LIKE = '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$';

/** The rules beyond the pattern, each named after the S3 rule it is. */
export const bucketNameRules: NameRule[] = [
  ...RESERVED_PREFIXES.map(([p, why]) => ({
    rule: `!self.startsWith('${p}')`,
    message: `must not start with ${p} (S3 bucket naming rules: ${why})`,
    holds: (s: string) => !s.startsWith(p),
  })),
  ...RESERVED_SUFFIXES.map(([suffix, why]) => ({
    rule: `!self.endsWith('${suffix}')`,
    message: `must not end with ${suffix} (S3 bucket naming rules: ${why})`,
    holds: (s: string) => !s.endsWith(suffix),
  })),
  { rule: "!self.contains('..')", message: 'must not contain two adjacent dots (S3 bucket naming rules)', holds: (s) => !s.includes('..') },
  {
    rule: `!self.matches('${IP_LIKE}')`,
    message: 'must not be formatted as an IP address such as 192.168.5.4 (S3 bucket naming rules)',
    holds: (s) => !new RegExp(IP_LIKE).test(s),
  },
];

export const BucketName = withRules(
  z.string().min(3).max(63).regex(BUCKET_NAME, { message: SHAPE_MESSAGE }),
  bucketNameRules,
).describe('S3 bucket name (3-63 characters: lowercase letters, digits, dots, hyphens), as S3\'s bucket naming rules allow.');

/**
 * The bucket name while spec.externalName is unset: metadata.name, under the same rules. What the
 * field's pattern and length say is a rule here too (a Kubernetes name may be 253 characters).
 */
export const BUCKET_NAME_FROM_METADATA: DerivedName = {
  field: 'externalName',
  what: 'the bucket name',
  from: 'metadata.name',
  derive: (name, spec) => (spec.externalName === undefined ? name : undefined),
  cel: { name: 'self.metadata.name', unless: 'has(self.spec.externalName)', inputs: ['has(self.spec.externalName)'] },
  rules: [
    { rule: 'size(self) >= 3 && size(self) <= 63', message: 'must be 3-63 characters long (S3 bucket naming rules)', holds: (s) => s.length >= 3 && s.length <= 63 },
    { rule: `self.matches('${BUCKET_NAME.source}')`, message: SHAPE_MESSAGE, holds: (s) => BUCKET_NAME.test(s) },
    ...bucketNameRules,
  ],
};

export const Encryption = withRules(
  z.object({
    algorithm: z.enum(['AES256', 'aws:kms']).default('AES256').describe('SSE-S3 (AES256) or SSE-KMS (aws:kms).'),
    kmsKeyId: z.string().min(1).max(2048).optional().describe('KMS key id or ARN; only with aws:kms.'),
    bucketKeyEnabled: z.boolean().optional().describe('Use an S3 Bucket Key to cut KMS request costs (aws:kms only).'),
  }),
  [
    {
      rule: "self.algorithm == 'aws:kms' || !has(self.kmsKeyId)",
      message: 'kmsKeyId requires algorithm aws:kms',
      fieldPath: '.kmsKeyId',
      reason: 'FieldValueForbidden',
      holds: (e) => e.algorithm === 'aws:kms' || e.kmsKeyId === undefined,
    },
  ],
).describe('Default server-side encryption for new objects.');

export const PublicAccessBlock = z
  .object({
    blockPublicAcls: z.boolean().default(true).describe('Refuse requests that set public ACLs.'),
    ignorePublicAcls: z.boolean().default(true).describe('Ignore public ACLs already on the bucket and its objects.'),
    blockPublicPolicy: z.boolean().default(true).describe('Refuse bucket policies that grant public access.'),
    restrictPublicBuckets: z.boolean().default(true).describe('Limit access under a public policy to AWS services and the owner account.'),
  })
  .describe('The bucket-level public access block; all four settings are on unless turned off here.');

export const Transition = z.object({
  days: z.number().int().min(0).describe('Days after object creation.'),
  storageClass: z
    .enum(['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'GLACIER_IR', 'DEEP_ARCHIVE'])
    .describe('The storage class objects move to.'),
});

export const LifecycleRule = withRules(
  z.object({
    id: z.string().min(1).max(255).describe('Unique rule id.'),
    prefix: z.string().max(1024).default('').describe('Object key prefix the rule applies to; empty for the whole bucket.'),
    enabled: z.boolean().default(true).describe('A disabled rule stays configured but does nothing.'),
    expirationDays: z.number().int().min(1).optional().describe('Expire current object versions this many days after creation.'),
    noncurrentVersionExpirationDays: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Delete noncurrent versions this many days after they stop being current (with versioning).'),
    abortIncompleteMultipartUploadDays: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Abort multipart uploads still incomplete this many days after they started.'),
    transitions: z.array(Transition).max(10).optional().describe('Moves to cheaper storage classes, at most 10.'),
  }),
  [
    {
      rule: 'has(self.expirationDays) || has(self.noncurrentVersionExpirationDays) || has(self.abortIncompleteMultipartUploadDays) || (has(self.transitions) && size(self.transitions) > 0)',
      message: 'a lifecycle rule needs at least one action: expirationDays, noncurrentVersionExpirationDays, abortIncompleteMultipartUploadDays or transitions',
      holds: (r) =>
        r.expirationDays !== undefined ||
        r.noncurrentVersionExpirationDays !== undefined ||
        r.abortIncompleteMultipartUploadDays !== undefined ||
        (r.transitions?.length ?? 0) > 0,
    },
  ],
);

// Keyed by id: the apiserver refuses two rules with one id (a list of type map), zod does here.
const keyedById = <T extends z.ZodType<{ id: string }>>(rule: T, what: string) =>
  z
    .array(rule)
    .max(100)
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((r, i) => {
        if (seen.has(r.id)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} rule id ${r.id}`, path: [i, 'id'], input: r.id });
        seen.add(r.id);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'] });

const LifecycleRules = keyedById(LifecycleRule, 'lifecycle');

// S3 allows 50 tags; one carries the ownership mark. A bound on the map also keeps the CEL rules
// below cheap enough for the apiserver's cost estimator.
const MAX_TAGS = 49;

const Tags = withRules(
  z
    .record(z.string().min(1).max(128), z.string().max(256))
    .refine((t) => Object.keys(t).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} tags (S3 allows 50; one carries the ownership mark)` })
    .meta({ maxProperties: MAX_TAGS }),
  [
    {
      rule: "self.all(k, !k.startsWith('aws:'))",
      message: 'tag keys may not start with aws: (reserved by AWS)',
      holds: (t) => Object.keys(t).every((k) => !k.startsWith('aws:')),
    },
    {
      rule: `!('${OWNERSHIP_TAG}' in self)`,
      message: `the tag ${OWNERSHIP_TAG} is reserved for the ownership mark`,
      holds: (t) => !Object.hasOwn(t, OWNERSHIP_TAG),
    },
  ],
).describe('Tags on the bucket.');

// The bucket policy: a JSON document, kept as text so any valid policy fits. Compared by meaning
// (providers/aws/s3/policy.ts): key order and whitespace are never drift.
const POLICY_MAX = 20_480; // S3's limit on a bucket policy, in bytes

/** Why a policy text is not a policy document, or undefined. */
export function policyShapeProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'must be a JSON document';
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'must be a JSON object';
  const statements = (doc as { Statement?: unknown }).Statement;
  if (statements === undefined || (typeof statements !== 'object' || statements === null)) return 'must have a Statement (an object or a list of them)';
  return undefined;
}

export const BucketPolicyDocument = z
  .string()
  .min(2)
  .max(POLICY_MAX)
  .superRefine((text, ctx) => {
    const problem = policyShapeProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: `policy ${problem}`, input: text });
  })
  .describe(
    'The bucket policy, a JSON document (compared by meaning: key order and whitespace are not drift). Its statements may name only this ' +
      'bucket (arn:aws:s3:::<name>) and its objects (arn:aws:s3:::<name>/...); an Allow to every principal ("*") of anything beyond ' +
      's3:Get*/s3:List* is refused unless the ProviderConfig allows public access (spec.policy.buckets.publicAccess). Unset: the bucket\'s ' +
      'policy is left as found; a document with an empty Statement list removes it.',
  );

const HTTP_METHOD = z.enum(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);
const CorsRule = z.object({
  allowedMethods: z.array(HTTP_METHOD).min(1).max(5).describe('HTTP methods the origins may use.'),
  allowedOrigins: z.array(z.string().min(1).max(1024)).min(1).max(100).describe('Origins allowed, e.g. https://app.example.com or *.'),
  allowedHeaders: z.array(z.string().min(1).max(1024)).max(100).optional().describe('Headers a preflight may ask for.'),
  exposeHeaders: z.array(z.string().min(1).max(1024)).max(100).optional().describe('Response headers the browser may read.'),
  maxAgeSeconds: z.number().int().min(0).max(86_400).optional().describe('How long a browser may cache the preflight answer.'),
});

export const Website = z
  .object({
    indexDocument: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[^/]+$/, { message: 'must be a key suffix without a slash, such as index.html' })
      .default('index.html')
      .describe('The suffix served for a request to a directory (index.html).'),
    errorDocument: z.string().min(1).max(1024).optional().describe('The object key served on a 4xx error.'),
    enabled: z.boolean().default(true).describe('false removes the website configuration.'),
  })
  .describe('Static website hosting. Unset: the bucket\'s website configuration is left as found.');

export const BucketLogging = z
  .object({
    targetBucket: BucketName.describe(
      'The bucket the access logs go to: this bucket, or one managed by a Bucket in this namespace through the same ProviderConfig (else refused: ReferenceNotOwned).',
    ),
    targetPrefix: z.string().max(1024).default('').describe('Key prefix of the log objects.'),
    enabled: z.boolean().default(true).describe('false turns server access logging off.'),
  })
  .describe('Server access logging. Unset: the bucket\'s logging configuration is left as found.');

const ReplicationRule = z.object({
  id: z.string().min(1).max(255).describe('Unique rule id.'),
  priority: z.number().int().min(0).max(1000).default(1).describe('Which rule wins when two match one object (higher wins).'),
  destinationBucket: BucketName.describe(
    'The bucket new objects are copied to: one managed by a Bucket in this namespace through the same ProviderConfig (else refused: ReferenceNotOwned), versioned, as S3 requires.',
  ),
  storageClass: z
    .enum(['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'GLACIER_IR', 'DEEP_ARCHIVE'])
    .optional()
    .describe('The storage class of the copies; unset: the source object\'s.'),
  enabled: z.boolean().default(true).describe('A disabled rule stays configured but copies nothing.'),
});

export const Replication = z
  .object({
    role: z
      .string()
      .max(2048)
      .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { message: 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/replication' })
      .describe('The IAM role S3 assumes to copy objects (the operator\'s credentials need iam:PassRole on it).'),
    rules: keyedById(ReplicationRule, 'replication').describe('Replication rules, each copying every new object; [] removes the replication configuration.'),
  })
  .describe('Replication of new objects into other buckets of this namespace (needs versioning: true). Unset: left as found.');

export const BucketSpec = withRules(
  z.object({
    ...managedSpecFields,
    externalName: withRules(BucketName, [immutable('externalName')])
      .optional()
      .describe('The bucket name in the cloud. Defaults to metadata.name; immutable once set.'),
    region: withRules(
      z
        .string()
        .max(32)
        .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'must be an AWS region such as eu-west-1' }),
      [immutable('region')],
    )
      .optional()
      .describe("The bucket's region. Defaults to the ProviderConfig's region; immutable."),
    versioning: z.boolean().default(false).describe('Keep every version of every object.'),
    encryption: Encryption.optional(),
    publicAccessBlock: PublicAccessBlock.prefault({}),
    tags: Tags.optional(),
    lifecycleRules: LifecycleRules.optional().describe('Lifecycle rules, at most 100, each with a unique id.'),
    policy: BucketPolicyDocument.optional(),
    corsRules: z.array(CorsRule).max(100).optional().describe('CORS rules, at most 100; [] removes them. Unset: left as found.'),
    website: Website.optional(),
    objectOwnership: z
      .enum(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'])
      .optional()
      .describe('Object ownership controls (BucketOwnerEnforced turns ACLs off). Unset: left as found.'),
    logging: BucketLogging.optional(),
    replication: Replication.optional(),
    emptyOnDelete: z
      .boolean()
      .default(false)
      .describe('On delete, remove every object version and delete marker first. Without it a non-empty bucket is kept and the delete waits (reason BucketNotEmpty).'),
  }),
  [
    presenceFixed('externalName', 'it is the bucket\'s name in the cloud; unset means metadata.name'),
    presenceFixed('region', 'a bucket cannot move; unset means the ProviderConfig\'s region'),
    {
      rule: '!has(self.replication) || size(self.replication.rules) == 0 || self.versioning',
      message: 'replication needs versioning: true (S3 replicates only versioned buckets)',
      fieldPath: '.versioning',
      holds: (s) => !s.replication || s.replication.rules.length === 0 || s.versioning,
    },
  ],
).describe('The desired bucket.');
export type BucketSpec = z.output<typeof BucketSpec>;
export type BucketSpecInput = z.input<typeof BucketSpec>;

export const BucketAtProvider = z
  .object({
    name: z.string().optional().describe('The bucket name in the cloud (spec.externalName, else metadata.name).'),
    arn: z.string().optional().describe('The bucket ARN.'),
    region: z.string().optional().describe('The region the bucket lives in.'),
    /** Progress of a delete that empties the bucket, for `kubectl get`. */
    deletion: z.string().optional().describe('Progress of a delete that empties the bucket first.'),
    objectsLeft: z.number().int().min(0).optional().describe('While a delete empties the bucket: keys with a version still there, as counted after the last step.'),
    versionsLeft: z.number().int().min(0).optional().describe('While a delete empties the bucket: object versions and delete markers still there.'),
  })
  .loose()
  .describe('What the cloud reports about the bucket.');
export type BucketAtProvider = z.infer<typeof BucketAtProvider>;

export const BucketStatus = z
  .object({ ...managedStatusFields, atProvider: BucketAtProvider.optional() })
  .describe('The observed state of the bucket.');
export type BucketStatus = z.infer<typeof BucketStatus>;
