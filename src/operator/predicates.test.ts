import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ManagedObject } from '../reconcile/types.ts';
import { CREATE_PENDING, FINALIZER } from '../reconcile/types.ts';
import { worthReconciling } from './predicates.ts';

const base: ManagedObject = {
  apiVersion: 'mooring.dev/v1alpha1', kind: 'Bucket',
  metadata: { name: 'a', namespace: 'ns', uid: 'u', generation: 1, annotations: { team: 'a' }, finalizers: [] },
  spec: {},
};
const meta = (m: Partial<ManagedObject['metadata']>): ManagedObject => ({ ...base, metadata: { ...base.metadata, ...m } });

const cases: { reason: string; after: ManagedObject; want: boolean }[] = [
  { reason: 'a spec change bumps the generation', after: meta({ generation: 2 }), want: true },
  { reason: 'a deletion starts', after: meta({ deletionTimestamp: '2026-01-01T00:00:00Z' }), want: true },
  { reason: 'a user annotation changes (e.g. a refresh request)', after: meta({ annotations: { team: 'b' } }), want: true },
  { reason: 'a new refresh request', after: meta({ annotations: { team: 'a', 'mooring.dev/refresh-requested-at': '2026-03-01T10:00:00Z' } }), want: true },
  { reason: 'our own status write', after: { ...base, status: { observedGeneration: 1 } }, want: false },
  { reason: 'our own finalizer', after: meta({ finalizers: [FINALIZER] }), want: false },
  { reason: 'our own pending-create annotation', after: meta({ annotations: { team: 'a', [CREATE_PENDING]: 'x' } }), want: false },
];
for (const c of cases) it(`${c.want ? 'reconciles' : 'ignores'}: ${c.reason}`, () => assert.equal(worthReconciling(base, c.after), c.want));
