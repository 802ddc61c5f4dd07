import assert from 'node:assert/strict';
import { must } from '../../sdk/testing.ts';
import { describe, it } from 'node:test';
import { PlannedCall } from '../api/common.ts';
import { planCalls, summarize } from './plan.ts';

describe('planCalls', () => {
  const base = { adopting: false, ownershipMark: 'mooring/ns/a' };
  it('a create lists every spec field but the management ones', () => {
    const spec = { providerConfigRef: { name: 'pc' }, managementPolicy: 'Plan', deletionPolicy: 'Delete', adopt: false, versioning: true, tags: { team: 'a' }, lifecycleRules: [{ id: 'x' }] };
    const plan = planCalls({ ...base, spec, observation: { exists: false, upToDate: false } });
    assert.deepEqual(plan, [{ operation: 'create', fields: [{ path: 'lifecycleRules', new: '[{"id":"x"}]' }, { path: 'tags.team', new: '"a"' }, { path: 'versioning', new: 'true' }] }]);
    assert.equal(summarize(plan), 'create (3 fields)');
  });
  it('an update lists each difference with old and new; a removal has no new', () => {
    const plan = planCalls({ ...base, spec: {}, observation: { exists: true, upToDate: false, diff: [{ path: 'tags.x', observed: '1', desired: undefined }, { path: 'versioning', observed: 'Suspended', desired: 'Enabled' }] } });
    assert.deepEqual(plan, [{ operation: 'update', fields: [{ path: 'tags.x', old: '"1"' }, { path: 'versioning', old: '"Suspended"', new: '"Enabled"' }] }]);
    assert.equal(summarize(plan), 'update tags.x, versioning');
  });
  it('an update of 100 fields lists the first 63 and says how many more, within the schema', () => {
    const diff = Array.from({ length: 100 }, (_, i) => ({ path: `tags.k${String(i).padStart(3, '0')}`, observed: 'old', desired: 'new' }));
    const plan = planCalls({ ...base, spec: {}, observation: { exists: true, upToDate: false, diff } });
    const fields = must(plan[0]).fields;
    assert.equal(fields.length, 64);
    assert.deepEqual(fields.slice(0, 63).map((f) => f.path), diff.slice(0, 63).map((d) => d.path));
    assert.deepEqual(fields[63], { path: '(37 more fields not listed; 100 in all)' });
    assert.ok(PlannedCall.safeParse(plan[0]).success, 'the status schema takes it');
    assert.match(summarize(plan), /^update tags\.k000, .*tags\.k062, \(37 more fields not listed; 100 in all\)$/);
  });
  it('exactly 64 fields are all listed', () => {
    const diff = Array.from({ length: 64 }, (_, i) => ({ path: `tags.k${i}`, observed: 'a', desired: 'b' }));
    const plan = planCalls({ ...base, spec: {}, observation: { exists: true, upToDate: false, diff } });
    assert.deepEqual(must(plan[0]).fields.map((f) => f.path), diff.map((d) => d.path));
  });
  it('an adoption of many fields keeps the ownership mark in view', () => {
    const diff = Array.from({ length: 80 }, (_, i) => ({ path: `tags.k${i}`, observed: 'a', desired: 'b' }));
    const plan = planCalls({ ...base, adopting: true, spec: {}, observation: { exists: true, upToDate: false, diff } });
    const fields = must(plan[0]).fields;
    assert.equal(fields.length, 64);
    assert.deepEqual(fields.slice(-2), [{ path: '(18 more fields not listed; 80 in all)' }, { path: 'ownershipMark', new: '"mooring/ns/a"' }]);
    assert.ok(PlannedCall.safeParse(plan[0]).success);
  });
  it('a create of 70 leaves is summarised with its full count', () => {
    const spec = { tags: Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v'])) };
    const plan = planCalls({ ...base, spec, observation: { exists: false, upToDate: false } });
    assert.equal(must(plan[0]).fields.length, 64);
    assert.equal(must(must(plan[0]).fields[63]).path, '(7 more fields not listed; 70 in all)');
    assert.equal(summarize(plan), 'create (70 fields)');
  });
  it('up to date plans nothing', () => {
    const plan = planCalls({ ...base, spec: {}, observation: { exists: true, upToDate: true } });
    assert.deepEqual(plan, []);
    assert.match(summarize(plan), /no changes/);
  });
});
