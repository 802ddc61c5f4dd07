import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReport } from './plan.ts';

describe('renderReport', () => {
  it('says what a reference waits for instead of "no changes"', () => {
    const out = renderReport({ kind: 'DNSRecord', namespace: 'ns', name: 'r', plan: [], waiting: 'waiting for valuesFrom[0] (Database/db address): Database/db has no address yet' });
    assert.equal(out, 'DNSRecord ns/r: not planned yet — waiting for valuesFrom[0] (Database/db address): Database/db has no address yet');
  });

  it('prints additions, changes and removals, and an entry with no value (the more-fields line) as a note', () => {
    const out = renderReport({
      kind: 'Bucket', namespace: 'ns', name: 'b',
      plan: [{ operation: 'update', fields: [{ path: 'tags.a', new: '"1"' }, { path: 'tags.b', old: '"1"', new: '"2"' }, { path: 'tags.c', old: '"1"' }, { path: '(37 more fields not listed; 100 in all)' }] }],
    });
    assert.equal(out, ['Bucket ns/b: update', '  + tags.a = "1"', '  ~ tags.b: "1" → "2"', '  ~ tags.c: "1" → (removed)', '  … (37 more fields not listed; 100 in all)'].join('\n'));
  });
});
