import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketName, BucketSpec, OWNERSHIP_TAG, type BucketSpecInput } from './bucket.ts';

const base = { providerConfigRef: { name: 'aws' } };
const spec = (extra: Partial<BucketSpecInput>): BucketSpecInput => ({ ...base, ...extra });

describe('BucketSpec', () => {
  const good: { reason: string; input: BucketSpecInput }[] = [
    { reason: 'only the ProviderConfig is required', input: base },
    {
      reason: 'the example in deploy/examples/bucket.yaml',
      input: spec({
        versioning: true,
        encryption: { algorithm: 'AES256' },
        tags: { team: 'team-a', 'cost-center': '4711' },
        lifecycleRules: [{ id: 'expire-old-versions', noncurrentVersionExpirationDays: 30, abortIncompleteMultipartUploadDays: 7 }],
      }),
    },
    { reason: 'a KMS key with aws:kms', input: spec({ encryption: { algorithm: 'aws:kms', kmsKeyId: 'alias/mine', bucketKeyEnabled: true } }) },
    { reason: 'dots in the name are fine, one at a time', input: spec({ externalName: 'my.bucket.example', region: 'eu-west-1' }) },
    { reason: 'a transition alone is an action', input: spec({ lifecycleRules: [{ id: 'cold', transitions: [{ days: 30, storageClass: 'GLACIER' }] }] }) },
    { reason: '49 tags leave room for the ownership mark', input: spec({ tags: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v'])) }) },
  ];
  for (const { reason, input } of good) {
    it(`accepts: ${reason}`, () => {
      const result = BucketSpec.safeParse(input);
      assert.ok(result.success, JSON.stringify(result.error?.issues));
    });
  }

  it('fills the defaults a user leaves out', () => {
    const parsed = BucketSpec.parse(base);
    assert.equal(parsed.deletionPolicy, 'Delete');
    assert.equal(parsed.managementPolicy, 'Full');
    assert.deepEqual(parsed.publicAccessBlock, { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
    assert.equal(parsed.emptyOnDelete, false);
  });

  const bad: { reason: string; input: unknown; path: PropertyKey[] }[] = [
    { reason: 'a bucket needs a ProviderConfig', input: {}, path: ['providerConfigRef'] },
    { reason: 'ProviderConfig names are Kubernetes names', input: spec({ providerConfigRef: { name: 'Not_A_Name' } }), path: ['providerConfigRef', 'name'] },
    { reason: 'deletion policies are Delete or Retain', input: spec({ deletionPolicy: 'Orphan' as 'Delete' }), path: ['deletionPolicy'] },
    { reason: 'xn-- is reserved by S3', input: spec({ externalName: 'xn--bucket' }), path: ['externalName'] },
    { reason: 'S3 names are lowercase', input: spec({ externalName: 'MyBucket' }), path: ['externalName'] },
    { reason: 'S3 names are at most 63 characters', input: spec({ externalName: 'a'.repeat(64) }), path: ['externalName'] },
    { reason: 'a region looks like eu-west-1', input: spec({ region: 'europe' }), path: ['region'] },
    { reason: 'a KMS key only with aws:kms', input: spec({ encryption: { kmsKeyId: 'alias/mine' } }), path: ['encryption', 'kmsKeyId'] },
    { reason: 'aws: tags are AWS’s', input: spec({ tags: { 'aws:cloudformation:stack': 'x' } }), path: ['tags'] },
    { reason: 'the ownership tag is ours', input: spec({ tags: { [OWNERSHIP_TAG]: 'someone/else' } }), path: ['tags'] },
    { reason: '50 tags leave no room for the ownership mark', input: spec({ tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) }), path: ['tags'] },
    { reason: 'tag keys are at most 128 characters', input: spec({ tags: { ['k'.repeat(129)]: 'v' } }), path: ['tags', 'k'.repeat(129)] },
    { reason: 'tag values are at most 256 characters', input: spec({ tags: { k: 'v'.repeat(257) } }), path: ['tags', 'k'] },
    { reason: 'a lifecycle rule needs an action', input: spec({ lifecycleRules: [{ id: 'nothing' }] }), path: ['lifecycleRules', 0] },
    { reason: 'an empty transitions list is no action', input: spec({ lifecycleRules: [{ id: 'nothing', transitions: [] }] }), path: ['lifecycleRules', 0] },
    {
      reason: 'lifecycle rule ids are unique',
      input: spec({ lifecycleRules: [{ id: 'x', expirationDays: 1 }, { id: 'x', expirationDays: 2 }] }),
      path: ['lifecycleRules', 1, 'id'],
    },
    {
      reason: 'transition days are not negative',
      input: spec({ lifecycleRules: [{ id: 'x', transitions: [{ days: -1, storageClass: 'GLACIER' }] }] }),
      path: ['lifecycleRules', 0, 'transitions', 0, 'days'],
    },
  ];
  for (const { reason, input, path } of bad) {
    it(`refuses, naming ${path.join('.')}: ${reason}`, () => {
      const result = BucketSpec.safeParse(input);
      assert.equal(result.success, false, `${JSON.stringify(input)} parsed`);
      const paths = result.error.issues.map((i) => i.path);
      assert.ok(paths.some((p) => JSON.stringify(p) === JSON.stringify(path)), `issue paths ${JSON.stringify(paths)} lack ${JSON.stringify(path)}`);
    });
  }
});

// The rules as they were written with lookaheads, which RE2 (and so the CRD) cannot take. JavaScript
// can, so the old regex is the oracle the new pattern-plus-rules must agree with.
const LOOKAHEAD_NAME = /^(?!xn--)(?!sthree-)(?!amzn-s3-demo-)(?!.*\.\.)(?!.*-s3alias$)(?!.*--ol-s3$)(?!.*--x-s3$)(?!.*\.mrap$)(?!.*--table-s3$)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

describe('BucketName', () => {
  const cases: { reason: string; name: string }[] = [
    { reason: 'plain', name: 'my-bucket' },
    { reason: 'shortest', name: 'abc' },
    { reason: 'too short', name: 'ab' },
    { reason: 'longest', name: 'a'.repeat(63) },
    { reason: 'too long', name: 'a'.repeat(64) },
    { reason: 'reserved prefix xn--', name: 'xn--abc' },
    { reason: 'xn- without the second hyphen is fine', name: 'xn-abc' },
    { reason: 'reserved prefix sthree-', name: 'sthree-abc' },
    { reason: 'reserved prefix amzn-s3-demo-', name: 'amzn-s3-demo-bucket' },
    { reason: 'reserved suffix -s3alias', name: 'abc-s3alias' },
    { reason: 'reserved suffix --ol-s3', name: 'abc--ol-s3' },
    { reason: 'reserved suffix --x-s3', name: 'abc--x-s3' },
    { reason: 'reserved suffix .mrap', name: 'abc.mrap' },
    { reason: 'reserved suffix --table-s3', name: 'abc--table-s3' },
    { reason: 'reserved prefix sthree-configurator', name: 'sthree-configurator' },
    { reason: 'the suffix inside the name is fine', name: 'abc--x-s3z' },
    { reason: 'adjacent dots', name: 'a..b' },
    { reason: 'an IP address', name: '192.168.0.1' },
    { reason: 'five numbers are no IP address', name: '1.2.3.4.5' },
    { reason: 'starts with a hyphen', name: '-abc' },
    { reason: 'ends with a dot', name: 'abc.' },
    { reason: 'uppercase', name: 'Abc' },
    { reason: 'underscore', name: 'a_c' },
  ];
  for (const { reason, name } of cases) {
    it(`agrees with the lookahead regex: ${reason} (${name.length > 20 ? `${name.slice(0, 8)}…` : name})`, () => {
      assert.equal(BucketName.safeParse(name).success, LOOKAHEAD_NAME.test(name));
    });
  }

  it('agrees with the lookahead regex on many generated names', () => {
    // Names glued from the fragments the rules are about, so the edge cases come up often.
    const fragments = ['xn--', 'sthree-', 'amzn-s3-demo-', '-s3alias', '--ol-s3', '--x-s3', '.mrap', '--table-s3', '..', '.', '-', '1', '192', 'a', 'b9', 'A', '_'];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let accepted = 0;
    for (let n = 0; n < 20_000; n++) {
      const parts = Array.from({ length: 1 + Math.floor(next() * 6) }, () => fragments[Math.floor(next() * fragments.length)]);
      const name = parts.join('');
      const expected = LOOKAHEAD_NAME.test(name);
      if (expected) accepted++;
      assert.equal(BucketName.safeParse(name).success, expected, `disagreement on ${JSON.stringify(name)}`);
    }
    assert.ok(accepted > 500, `only ${accepted} valid names generated; the sample proves little`);
  });
});
