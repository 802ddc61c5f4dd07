import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketSpec } from '../../api/bucket.ts';
import type { Observation } from '../../../sdk/index.ts';
import { applyDiff, derive } from './derive.ts';
import { BUCKET_FIELDS } from './kinds.ts';
import { kubeName, NameBook } from './names.ts';

const parse = (input: unknown) => BucketSpec.safeParse(input);
const base = { providerConfigRef: { name: 'aws' }, externalName: 'logs' };

describe('derive', () => {
  it('writes each drifted field through the table until observe sees none', async () => {
    const live = { versioning: 'Enabled', tags: { team: 'a' } };
    const observe = async (spec: BucketSpec): Promise<Observation> => {
      const diff = [];
      if (spec.versioning !== true) diff.push({ path: 'versioning', observed: live.versioning, desired: 'Suspended' });
      if (spec.tags?.team !== 'a') diff.push({ path: 'tags.team', observed: 'a', desired: undefined });
      return { exists: true, upToDate: !diff.length, diff };
    };
    const derived = await derive({ fields: BUCKET_FIELDS, parse }, { ...base, tags: {} }, observe);
    assert.deepEqual(derived, { spec: { ...base, versioning: true, tags: { team: 'a' } }, mark: undefined });
  });

  it('skips what the table cannot write, naming the field', () => {
    const out = applyDiff(BUCKET_FIELDS, base, [{ path: 'lifecycleRules', observed: [{ id: 'r', unsupported: ['filter'] }], desired: [] }]);
    assert.match('refused' in out ? out.refused : '', /lifecycleRules .*rule r uses filter/);
    assert.match((applyDiff(BUCKET_FIELDS, base, [{ path: 'website', observed: {}, desired: undefined }]) as { refused: string }).refused, /no field for website/);
  });

  it('skips a thing whose drift does not go away (a cycle)', async () => {
    const observe = async (): Promise<Observation> => ({ exists: true, upToDate: false, diff: [{ path: 'region', observed: 'eu-west-1', desired: 'us-east-1' }] });
    const derived = await derive({ fields: BUCKET_FIELDS, parse }, base, observe);
    assert.match('skipped' in derived ? derived.skipped : '', /cannot express region/);
  });
});

describe('names', () => {
  it('makes valid, unique Kubernetes names', () => {
    assert.equal(kubeName(['A', '*.Apps_1', 'example.com.']), 'a-wildcard-apps-1-example-com');
    assert.ok(kubeName(['x'.repeat(100)]).length <= 63);
    const book = new NameBook();
    const a = book.claim(['a.b'], '1');
    const b = book.claim(['a-b'], '2');
    assert.equal(a, 'a-b');
    assert.notEqual(a, b);
    assert.match(b, /^a-b-[0-9a-f]{6}$/);
  });
});
