import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OWNERSHIP_TAG, parseSpec, type BucketSpec, type BucketSpecInput } from '../../../sdk/index.ts';
import {
  desiredVersioning,
  diffBucket,
  encryptionFromS3,
  encryptionToS3,
  lifecycleRuleFromS3,
  lifecycleRuleToS3,
  tagSetToWrite,
  type ObservedBucket,
} from './state.ts';

const spec = (input: Partial<BucketSpecInput> = {}) => parseSpec('Bucket', { providerConfigRef: { name: 'aws' }, ...input });

/** A bucket exactly as `spec()` wants it. */
const matching = (): ObservedBucket => ({
  region: 'eu-west-1',
  tags: { [OWNERSHIP_TAG]: 'id/ns/b' },
  versioning: undefined,
  publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
});

describe('desiredVersioning (S3: once enabled, only suspended)', () => {
  const table = [
    { reason: 'never versioned, not wanted: stays unversioned', want: false, observed: undefined, expect: undefined },
    { reason: 'never versioned, wanted', want: true, observed: undefined, expect: 'Enabled' },
    { reason: 'enabled, not wanted: suspended, never back to unversioned', want: false, observed: 'Enabled', expect: 'Suspended' },
    { reason: 'suspended, not wanted: stays suspended', want: false, observed: 'Suspended', expect: 'Suspended' },
    { reason: 'suspended, wanted again', want: true, observed: 'Suspended', expect: 'Enabled' },
  ] as const;
  for (const c of table) it(c.reason, () => assert.equal(desiredVersioning(c.want, c.observed), c.expect));
});

describe('diffBucket', () => {
  const paths = (s: BucketSpec, o: ObservedBucket) => diffBucket(s, 'eu-west-1', o).map((d) => d.path);
  const table: { reason: string; spec: BucketSpec; observed: ObservedBucket; expect: string[] }[] = [
    { reason: 'up to date', spec: spec(), observed: matching(), expect: [] },
    { reason: 'versioning wanted', spec: spec({ versioning: true }), observed: matching(), expect: ['versioning'] },
    { reason: 'versioning enabled behind our back', spec: spec(), observed: { ...matching(), versioning: 'Enabled' }, expect: ['versioning'] },
    { reason: 'suspended is what "off" means once versioned', spec: spec(), observed: { ...matching(), versioning: 'Suspended' }, expect: [] },
    {
      reason: 'one public access block flag off',
      spec: spec(),
      observed: { ...matching(), publicAccessBlock: { ...matching().publicAccessBlock, blockPublicPolicy: false } },
      expect: ['publicAccessBlock.blockPublicPolicy'],
    },
    {
      reason: 'tags: changed, missing, extra; the ownership tag and aws: tags are not the user’s',
      spec: spec({ tags: { team: 'data', env: 'prod' } }),
      observed: { ...matching(), tags: { ...matching().tags, team: 'web', stray: 'x', 'aws:cloudformation:stack-name': 's' } },
      expect: ['tags.env', 'tags.stray', 'tags.team'],
    },
    { reason: 'tags unmanaged when the spec has none', spec: spec(), observed: { ...matching(), tags: { stray: 'x' } }, expect: [] },
    {
      reason: 'encryption wanted, none configured',
      spec: spec({ encryption: { algorithm: 'AES256' } }),
      observed: { ...matching(), encryption: null },
      expect: ['encryption.algorithm'],
    },
    {
      reason: 'KMS key and bucket key differ',
      spec: spec({ encryption: { algorithm: 'aws:kms', kmsKeyId: 'k2', bucketKeyEnabled: true } }),
      observed: { ...matching(), encryption: { algorithm: 'aws:kms', kmsKeyId: 'k1', bucketKeyEnabled: false } },
      expect: ['encryption.kmsKeyId', 'encryption.bucketKeyEnabled'],
    },
    {
      reason: 'encryption unmanaged when the spec has none',
      spec: spec(),
      observed: { ...matching(), encryption: { algorithm: 'aws:kms', bucketKeyEnabled: true } },
      expect: [],
    },
    {
      reason: 'lifecycle rules in another order are equal',
      spec: spec({ lifecycleRules: [{ id: 'b', expirationDays: 2 }, { id: 'a', expirationDays: 1 }] }),
      observed: { ...matching(), lifecycleRules: [{ id: 'a', prefix: '', enabled: true, expirationDays: 1 }, { id: 'b', prefix: '', enabled: true, expirationDays: 2 }] },
      expect: [],
    },
    {
      reason: 'a lifecycle rule changed',
      spec: spec({ lifecycleRules: [{ id: 'a', expirationDays: 30 }] }),
      observed: { ...matching(), lifecycleRules: [{ id: 'a', prefix: '', enabled: true, expirationDays: 1 }] },
      expect: ['lifecycleRules'],
    },
    { reason: 'an empty rule list wants none', spec: spec({ lifecycleRules: [] }), observed: { ...matching(), lifecycleRules: [{ id: 'x', prefix: '', enabled: true, expirationDays: 1 }] }, expect: ['lifecycleRules'] },
    { reason: 'the bucket is in another region', spec: spec(), observed: { ...matching(), region: 'us-east-1' }, expect: ['region'] },
  ];
  for (const c of table) it(c.reason, () => assert.deepEqual(paths(c.spec, c.observed), c.expect));

  it('reports observed and desired values', () => {
    const [d] = diffBucket(spec({ tags: { team: 'data' } }), 'eu-west-1', { ...matching(), tags: { team: 'web' } });
    assert.deepEqual(d, { path: 'tags.team', observed: 'web', desired: 'data' });
  });
});

describe('tagSetToWrite', () => {
  const asMap = (tags: { Key?: string; Value?: string }[]): Record<string, string | undefined> => Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value]));
  it('spec tags replace user tags, keep aws: tags, and carry our mark', () => {
    const out = asMap(tagSetToWrite({ team: 'data' }, { team: 'web', stray: 'x', 'aws:cloudformation:stack-name': 's', [OWNERSHIP_TAG]: 'other' }, 'id/ns/b'));
    assert.deepEqual(out, { team: 'data', 'aws:cloudformation:stack-name': 's', [OWNERSHIP_TAG]: 'id/ns/b' });
  });
  it('unmanaged tags are kept as they are, with our mark added', () => {
    const out = asMap(tagSetToWrite(undefined, { stray: 'x' }, 'id/ns/b'));
    assert.deepEqual(out, { stray: 'x', [OWNERSHIP_TAG]: 'id/ns/b' });
  });
});

describe('S3 shapes', () => {
  it('a lifecycle rule survives the round trip through S3’s shape', () => {
    const [rule] = spec({
      lifecycleRules: [{ id: 'r', prefix: 'logs/', expirationDays: 90, noncurrentVersionExpirationDays: 7, abortIncompleteMultipartUploadDays: 2, transitions: [{ days: 30, storageClass: 'STANDARD_IA' }] }],
    }).lifecycleRules!;
    assert.deepEqual(lifecycleRuleFromS3(lifecycleRuleToS3(rule!)), rule);
  });
  it('a rule S3 has but the spec cannot express never matches', () => {
    const normalized = lifecycleRuleFromS3({ ID: 'r', Status: 'Enabled', Filter: { Tag: { Key: 'k', Value: 'v' } }, Expiration: { Days: 1 } });
    assert.deepEqual(normalized.unsupported, ['filter']);
  });
  it('encryption round trip (KMS with a bucket key)', () => {
    const want = { algorithm: 'aws:kms' as const, kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/x', bucketKeyEnabled: true };
    assert.deepEqual(encryptionFromS3(encryptionToS3(want)), want);
  });
  it('no encryption rule is null', () => assert.equal(encryptionFromS3({ Rules: [] }), null));
});
