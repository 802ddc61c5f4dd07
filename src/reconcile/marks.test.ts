import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError } from '../../sdk/index.ts';
import { legacyMark, MarkSigner, MAX_MARK, ownershipMark, type MarkSubject } from './marks.ts';
import { Reason } from './reasons.ts';

const UID = '0f6b1c2e-9a41-4f7e-8d3c-5b2a1e0c9d77';
const subject = (fields: Partial<MarkSubject> = {}): MarkSubject => ({ ownershipId: 'prod', form: 'Readable', namespace: 'team-a', name: 'orders', uid: UID, ...fields });
const signer = new MarkSigner(Buffer.alloc(32, 1));

describe('ownershipMark', () => {
  it('Readable: id/namespace/name/uid', () => {
    assert.equal(ownershipMark(subject(), signer), `prod/team-a/orders/${UID}`);
  });

  it('Readable: never longer than a tag value (256), however long the name; the uid stays whole and tells two cut names apart', () => {
    const longest = subject({ ownershipId: 'x'.repeat(32), namespace: 'n'.repeat(63), name: 'a'.repeat(253) });
    const mark = ownershipMark(longest, signer);
    assert.equal(mark.length, MAX_MARK);
    assert.ok(mark.endsWith(`~/${UID}`), mark);
    assert.ok(mark.startsWith(`${'x'.repeat(32)}/${'n'.repeat(63)}/aaa`));
    const other = ownershipMark({ ...longest, uid: UID.replace('0f', 'ff') }, signer);
    assert.notEqual(mark, other);
    assert.equal(other.length, MAX_MARK);
  });

  it('Readable: a name that just fits is not cut', () => {
    const name = 'b'.repeat(MAX_MARK - `prod/team-a//${UID}`.length);
    assert.equal(ownershipMark(subject({ name }), signer), `prod/team-a/${name}/${UID}`);
    assert.ok(ownershipMark(subject({ name: `${name}b` }), signer).endsWith(`~/${UID}`));
  });

  it('Hashed: id/h/ and 32 base64url characters, the same for the same object and key, naming neither namespace nor name', () => {
    const mark = ownershipMark(subject({ form: 'Hashed' }), signer);
    assert.match(mark, /^prod\/h\/[A-Za-z0-9_-]{32}$/);
    assert.equal(ownershipMark(subject({ form: 'Hashed' }), new MarkSigner(Buffer.alloc(32, 1))), mark, 'stable across processes with one key');
    assert.ok(!mark.includes('team-a') && !mark.includes('orders'));
    for (const change of [{ namespace: 'team-b' }, { name: 'order' }, { uid: UID.replace('0f', 'ff') }]) {
      assert.notEqual(ownershipMark(subject({ form: 'Hashed', ...change }), signer), mark, JSON.stringify(change));
    }
    assert.notEqual(ownershipMark(subject({ form: 'Hashed' }), new MarkSigner(Buffer.alloc(32, 2))), mark, 'another key, another mark');
  });

  it('Hashed: "a/b" + "c" and "a" + "b/c" hash apart (the parts cannot slide)', () => {
    // Namespaces are DNS labels (no slash), so namespace/name/uid has one reading; checked anyway.
    assert.notEqual(ownershipMark(subject({ form: 'Hashed', namespace: 'a', name: 'bc' }), signer), ownershipMark(subject({ form: 'Hashed', namespace: 'ab', name: 'c' }), signer));
  });

  it('Hashed without a key refuses (MarkKeyUnavailable) instead of hashing with a key that dies with the process', () => {
    assert.throws(() => ownershipMark(subject({ form: 'Hashed' }), new MarkSigner()), (err) => err instanceof TerminalError && err.reason === Reason.MarkKeyUnavailable);
    assert.throws(() => new MarkSigner(Buffer.alloc(8)), /16 bytes/);
  });

  it('legacyMark: id/namespace/name for Readable configs only', () => {
    assert.equal(legacyMark(subject()), 'prod/team-a/orders');
    assert.equal(legacyMark(subject({ form: 'Hashed' })), undefined);
  });
});
