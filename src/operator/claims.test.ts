import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagedObject } from '../reconcile/types.ts';
import { ClaimRegistry } from './claims.ts';

const obj = (name: string, uid: string, created: string, spec: Record<string, unknown> = {}): ManagedObject => ({
  apiVersion: 'mooring.dev/v1alpha1', kind: 'Bucket',
  metadata: { name, namespace: 'ns', uid, generation: 1, creationTimestamp: created },
  spec: { providerConfigRef: { name: 'aws' }, ...spec },
});

describe('ClaimRegistry', () => {
  const cases = [
    { reason: 'the older claimant wins', a: obj('a', '2', '2026-01-01T00:00:00Z', { externalName: 'x' }), b: obj('b', '1', '2026-01-02T00:00:00Z', { externalName: 'x' }), bLoses: true },
    { reason: 'same time: the lower uid wins', a: obj('a', '1', '2026-01-01T00:00:00Z', { externalName: 'x' }), b: obj('b', '2', '2026-01-01T00:00:00Z', { externalName: 'x' }), bLoses: true },
    { reason: 'the default external name is metadata.name', a: obj('x', '1', '2026-01-01T00:00:00Z'), b: obj('b', '2', '2026-01-02T00:00:00Z', { externalName: 'x' }), bLoses: true },
    { reason: 'different names do not clash', a: obj('a', '1', '2026-01-01T00:00:00Z', { externalName: 'x' }), b: obj('b', '2', '2026-01-02T00:00:00Z', { externalName: 'y' }), bLoses: false },
    { reason: 'different ProviderConfigs do not clash', a: obj('a', '1', '2026-01-01T00:00:00Z', { externalName: 'x', providerConfigRef: { name: 'other' } }), b: obj('b', '2', '2026-01-02T00:00:00Z', { externalName: 'x' }), bLoses: false },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const claims = new ClaimRegistry();
      claims.upsert(c.a);
      claims.upsert(c.b);
      const name = (c.b.spec.externalName as string | undefined) ?? c.b.metadata.name;
      assert.equal(claims.earlierClaimant(c.b, 'aws', name), c.bLoses ? `ns/${c.a.metadata.name}` : undefined);
      assert.equal(claims.earlierClaimant(c.a, (c.a.spec.providerConfigRef as { name: string }).name, (c.a.spec.externalName as string | undefined) ?? 'x'), undefined, 'the winner is never refused');
    });
  }

  it('forgets a deleted claimant, and follows a changed claim', () => {
    const claims = new ClaimRegistry();
    const a = obj('a', '1', '2026-01-01T00:00:00Z', { externalName: 'x' });
    const b = obj('b', '2', '2026-01-02T00:00:00Z', { externalName: 'x' });
    claims.upsert(a);
    claims.upsert(b);
    claims.remove(a);
    assert.equal(claims.earlierClaimant(b, 'aws', 'x'), undefined);
    claims.upsert(a);
    claims.upsert({ ...a, spec: { ...a.spec, externalName: 'z' } });
    assert.equal(claims.earlierClaimant(b, 'aws', 'x'), undefined);
  });
});
