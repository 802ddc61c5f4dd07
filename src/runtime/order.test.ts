import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byCodePoint } from './order.ts';

describe('byCodePoint', () => {
  it('orders by code unit, the same whatever the locale: upper case before lower, equal strings tie', () => {
    assert.deepEqual(['b', 'a', 'Z', 'aa', 'é', 'a'].sort(byCodePoint), ['Z', 'a', 'a', 'aa', 'b', 'é']);
    assert.equal(byCodePoint('x', 'x'), 0);
  });
});
