import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
  it('up to date plans nothing', () => {
    const plan = planCalls({ ...base, spec: {}, observation: { exists: true, upToDate: true } });
    assert.deepEqual(plan, []);
    assert.match(summarize(plan), /no changes/);
  });
});
