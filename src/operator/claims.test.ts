import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagedObject } from '../reconcile/types.ts';
import { ClaimRegistry, claimKey } from './claims.ts';
import { MANAGED_KINDS } from './manager.ts';

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
  it('names the oldest claimant of a name, and whether it found the asset marked as its own (Ready, Available)', () => {
    const claims = new ClaimRegistry();
    const ready = (reason: string) => ({ conditions: [{ type: 'Ready', status: 'True' as const, reason, message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
    claims.upsert({ ...obj('young', '2', '2026-01-02T00:00:00Z', { externalName: 'logs' }), status: ready('Available') });
    claims.upsert({ ...obj('old', '1', '2026-01-01T00:00:00Z', { externalName: 'logs' }), status: ready('Observed') });
    assert.deepEqual(claims.claimant('Bucket', 'aws', 'logs'), { namespace: 'ns', name: 'old', ready: false }, 'ObserveOnly is no proof of ownership');
    assert.equal(claims.claimant('Bucket', 'other', 'logs'), undefined);
    claims.upsert({ ...obj('old', '1', '2026-01-01T00:00:00Z', { externalName: 'logs' }), status: ready('Available') });
    assert.equal(claims.claimant('Bucket', 'aws', 'logs')?.ready, true);
  });

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

  it("keys a kind with its own external name by that function, the reconciler's key", () => {
    const dns = MANAGED_KINDS.find((k) => k.kind === 'DNSRecord')!;
    const record = (name: string, uid: string, created: string, spec: Record<string, unknown>): ManagedObject => ({
      ...obj(name, uid, created, { zone: { name: 'example.test' }, type: 'A', values: ['192.0.2.1'], ...spec }),
      kind: 'DNSRecord',
    });
    const claims = new ClaimRegistry(MANAGED_KINDS);
    const a = record('a', '1', '2026-01-01T00:00:00Z', { name: 'www' });
    const b = record('b', '2', '2026-01-02T00:00:00Z', { name: 'WWW.example.test.' });
    const c = record('c', '3', '2026-01-03T00:00:00Z', { name: 'www', weighted: { setIdentifier: 'blue', weight: 1 } });
    for (const o of [a, b, c]) claims.upsert(o);
    const identity = (o: ManagedObject) => dns.externalName!(o, dns.spec.parse(o.spec));
    assert.equal(identity(a), identity(b), 'two spellings of one record are one identity');
    assert.equal(claims.earlierClaimant(b, 'aws', identity(b)), 'ns/a');
    assert.equal(claims.earlierClaimant(c, 'aws', identity(c)), undefined, 'another set identifier is another record set');
    assert.equal(claimKey(record('x', '9', '2026-01-01T00:00:00Z', { name: 'bad name' }), dns), undefined, 'an invalid spec claims nothing');
  });

  it("gives a DNSRecord in the ownership namespace no claim, so it can never contest a record set's ownership record", () => {
    // Every ownership record name (`_mooring-<type>[-<set>].<name>`, `*` as `_wildcard`) has a
    // first label starting `_mooring`. The schema refuses such record names, and a spec that does
    // not parse claims nothing; so the identities the index keys and the ownership record names
    // are disjoint, and indexing the latter could never refuse anything (issue 15).
    const dns = MANAGED_KINDS.find((k) => k.kind === 'DNSRecord')!;
    const record = (name: string, type = 'TXT'): ManagedObject => ({
      ...obj('forge', '9', '2026-01-01T00:00:00Z', { zone: { name: 'example.test' }, name, type, values: type === 'TXT' ? ['mooring/attacker/takeover'] : ['192.0.2.1'] }),
      kind: 'DNSRecord',
    });
    for (const name of ['_mooring-a.www', '_MOORING-NS.example.test.', 'x._mooring-a.www', '_wildcard.apps']) {
      assert.equal(claimKey(record(name), dns), undefined, `${name} claims nothing`);
    }
    assert.notEqual(claimKey(record('_dmarc.www'), dns), undefined, 'an underscore name outside the namespace claims as usual');
  });

  it('never lets two kinds clash on one name', () => {
    const claims = new ClaimRegistry();
    const bucket = obj('x', '1', '2026-01-01T00:00:00Z');
    const other = { ...obj('x', '2', '2026-01-02T00:00:00Z'), kind: 'Database' };
    claims.upsert(bucket);
    claims.upsert(other);
    assert.equal(claims.earlierClaimant(other, 'aws', 'x'), undefined);
  });
});
