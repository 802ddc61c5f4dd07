import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_REASON_CODES } from '../src/reconcile/reasons.ts';
import { ProviderReason } from './index.ts';

describe('ProviderReason', () => {
  it('offers adapters only codes the runbook (docs/reasons.md) explains', () => {
    const undocumented = Object.values(ProviderReason).filter((code) => !ALL_REASON_CODES.includes(code));
    assert.deepEqual(undocumented, [], 'add them to src/reconcile/reasons.ts and docs/reasons.md');
  });
});
