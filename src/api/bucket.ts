// The Bucket kind: an object-storage bucket (S3 today).
import { z } from 'zod';
import { immutable, managedSpecFields, managedStatusFields } from './common.ts';

/** The tag key that carries our ownership mark; users may not set it themselves. */
export const OWNERSHIP_TAG = 'mooring.dev/owner';

// S3's rules for general purpose bucket names (AWS "Bucket naming rules").
const BUCKET_NAME = /^(?!xn--)(?!sthree-)(?!amzn-s3-demo-)(?!.*\.\.)(?!.*-s3alias$)(?!.*--ol-s3$)(?!.*--x-s3$)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const BucketName = z
  .string()
  .regex(BUCKET_NAME, {
    message:
      'must be 3-63 characters of lowercase letters, digits, dots and hyphens, start and end with a letter or digit, and not look like an IP address',
  })
  .describe('S3 bucket name (3-63 characters: lowercase letters, digits, dots, hyphens).');

export const Encryption = z
  .object({
    algorithm: z.enum(['AES256', 'aws:kms']).default('AES256').describe('SSE-S3 (AES256) or SSE-KMS (aws:kms).'),
    kmsKeyId: z.string().min(1).optional().describe('KMS key id or ARN; only with aws:kms.'),
    bucketKeyEnabled: z.boolean().optional().describe('Use an S3 Bucket Key to cut KMS request costs (aws:kms only).'),
  })
  .meta({
    'x-kubernetes-validations': [
      { rule: "self.algorithm == 'aws:kms' || !has(self.kmsKeyId)", message: 'kmsKeyId requires algorithm aws:kms' },
    ],
  })
  .describe('Default server-side encryption for new objects.');

export const PublicAccessBlock = z
  .object({
    blockPublicAcls: z.boolean().default(true),
    ignorePublicAcls: z.boolean().default(true),
    blockPublicPolicy: z.boolean().default(true),
    restrictPublicBuckets: z.boolean().default(true),
  })
  .describe('The bucket-level public access block; all four settings are on unless turned off here.');

export const Transition = z.object({
  days: z.number().int().min(0),
  storageClass: z.enum(['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'GLACIER_IR', 'DEEP_ARCHIVE']),
});

export const LifecycleRule = z
  .object({
    id: z.string().min(1).max(255).describe('Unique rule id.'),
    prefix: z.string().default('').describe('Object key prefix the rule applies to; empty for the whole bucket.'),
    enabled: z.boolean().default(true),
    expirationDays: z.number().int().min(1).optional(),
    noncurrentVersionExpirationDays: z.number().int().min(1).optional(),
    abortIncompleteMultipartUploadDays: z.number().int().min(1).optional(),
    transitions: z.array(Transition).max(10).optional(),
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: 'has(self.expirationDays) || has(self.noncurrentVersionExpirationDays) || has(self.abortIncompleteMultipartUploadDays) || (has(self.transitions) && size(self.transitions) > 0)',
        message: 'a lifecycle rule needs at least one action: expirationDays, noncurrentVersionExpirationDays, abortIncompleteMultipartUploadDays or transitions',
      },
    ],
  });

const Tags = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .meta({
    'x-kubernetes-validations': [
      { rule: 'self.all(k, !k.startsWith("aws:"))', message: 'tag keys may not start with aws: (reserved by AWS)' },
      { rule: `self.all(k, k != "${OWNERSHIP_TAG}")`, message: `the tag ${OWNERSHIP_TAG} is reserved for the ownership mark` },
      { rule: 'size(self) <= 49', message: 'at most 49 tags (S3 allows 50; one carries the ownership mark)' },
    ],
  })
  .describe('Tags on the bucket.');

export const BucketSpec = z
  .object({
    ...managedSpecFields,
    externalName: BucketName.optional()
      .meta({ 'x-kubernetes-validations': [immutable('externalName')] })
      .describe('The bucket name in the cloud. Defaults to metadata.name; immutable once set.'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'must be an AWS region such as eu-west-1' })
      .optional()
      .meta({ 'x-kubernetes-validations': [immutable('region')] })
      .describe("The bucket's region. Defaults to the ProviderConfig's region; immutable."),
    versioning: z.boolean().default(false).describe('Keep every version of every object.'),
    encryption: Encryption.optional(),
    publicAccessBlock: PublicAccessBlock.prefault({}),
    tags: Tags.optional(),
    lifecycleRules: z.array(LifecycleRule).max(100).optional(),
    emptyOnDelete: z
      .boolean()
      .default(false)
      .describe('On delete, remove every object version and delete marker first. Without it a non-empty bucket is kept and the delete waits (reason BucketNotEmpty).'),
  })
  .meta({
    'x-kubernetes-validations': [
      { rule: '!has(oldSelf.externalName) || has(self.externalName)', message: 'externalName is immutable and cannot be removed' },
      { rule: '!has(oldSelf.region) || has(self.region)', message: 'region is immutable and cannot be removed' },
    ],
  });
export type BucketSpec = z.output<typeof BucketSpec>;
export type BucketSpecInput = z.input<typeof BucketSpec>;

export const BucketAtProvider = z
  .object({
    arn: z.string().optional(),
    region: z.string().optional(),
    /** Progress of a delete that empties the bucket, for `kubectl get`. */
    deletion: z.string().optional(),
  })
  .loose();
export type BucketAtProvider = z.infer<typeof BucketAtProvider>;

export const BucketStatus = z.object({ ...managedStatusFields, atProvider: BucketAtProvider.optional() });
export type BucketStatus = z.infer<typeof BucketStatus>;
