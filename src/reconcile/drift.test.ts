import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDiff, isIgnored, specKeepingIgnored, withoutIgnored } from './drift.ts';

describe('ignoreChanges', () => {
  const cases = [
    { reason: 'the path itself', path: 'tags.team', ignore: ['tags.team'], ignored: true },
    { reason: 'below an ignored map', path: 'tags.team', ignore: ['tags'], ignored: true },
    { reason: 'a sibling', path: 'tags.env', ignore: ['tags.team'], ignored: false },
    { reason: 'a prefix that is not a path step', path: 'tagsExtra', ignore: ['tags'], ignored: false },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(isIgnored(c.path, c.ignore), c.ignored));

  it('drops ignored differences; none left means up to date', () => {
    const o = { exists: true, upToDate: false, diff: [{ path: 'tags.team', observed: 'x', desired: 'a' }] };
    assert.deepEqual(withoutIgnored(o, ['tags']), { exists: true, upToDate: true });
    const two = { ...o, diff: [...o.diff, { path: 'versioning', observed: 'Suspended', desired: 'Enabled' }] };
    assert.deepEqual(withoutIgnored(two, ['tags']).diff, [{ path: 'versioning', observed: 'Suspended', desired: 'Enabled' }]);
    assert.equal(withoutIgnored(two, undefined), two);
  });

  it('gives the adapter the live values of ignored fields, leaving the spec it was given alone', () => {
    const spec = { tags: { team: 'a', env: 'dev' }, versioning: true };
    const diff = [
      { path: 'tags.team', observed: 'x', desired: 'a' },
      { path: 'tags.env', observed: undefined, desired: 'dev' },
      { path: 'tags.extra', observed: 'kept', desired: undefined },
      { path: 'versioning', observed: 'Unversioned', desired: true },
    ];
    const kept = specKeepingIgnored(spec, diff, ['tags', 'versioning']);
    assert.deepEqual(kept, { tags: { team: 'x', extra: 'kept' }, versioning: true }, 'a live value of another type is not forced into the spec');
    assert.deepEqual(spec, { tags: { team: 'a', env: 'dev' }, versioning: true });
  });

  it('describes a diff for people', () => {
    assert.equal(describeDiff([{ path: 'tags.team', observed: 'x', desired: 'a' }, { path: 'tags.env', observed: undefined, desired: 'dev' }]), 'tags.team: "x" → "a"; tags.env: (none) → "dev"');
  });
});
