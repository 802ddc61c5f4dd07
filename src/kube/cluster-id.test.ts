import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterOwnershipId } from './cluster-id.ts';

describe('clusterOwnershipId', () => {
  it('is mooring- and the first 12 hex digits of the uid: a DNS label within 32 characters', () => {
    const id = clusterOwnershipId('7C0A5E3B-12D4-4F6A-9B8C-0D1E2F3A4B5C');
    assert.equal(id, 'mooring-7c0a5e3b12d4');
    assert.match(id, /^[a-z0-9-]{1,32}$/);
  });

  it('refuses a uid without 12 hex digits', () => {
    assert.throws(() => clusterOwnershipId(''), /12 hex digits/);
  });
});
