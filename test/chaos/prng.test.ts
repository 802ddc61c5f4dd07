import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from './prng.ts';

describe('Rng', () => {
  it('replays the same choices from the same seed, and others from another', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 20 }, () => r.int(0, 1000));
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
  });

  it('stays within bounds and reaches both ends', () => {
    const r = new Rng(7);
    const seen = new Set(Array.from({ length: 500 }, () => r.int(1, 4)));
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4]);
  });

  it('forks streams that do not depend on how much the other drew', () => {
    const a = new Rng(9);
    const b = new Rng(9);
    const fa = a.fork(1);
    const fb = b.fork(1);
    for (let i = 0; i < 10; i++) b.next(); // the parent stream drawing more changes nothing
    assert.deepEqual(Array.from({ length: 5 }, () => fa.next()), Array.from({ length: 5 }, () => fb.next()));
    assert.notDeepEqual(new Rng(9).fork(1).next(), new Rng(9).fork(2).next());
  });

  it('picks by weight, never a zero-weight key', () => {
    const r = new Rng(1);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 1000; i++) counts[r.weighted({ a: 3, b: 1, c: 0 })]++;
    assert.equal(counts.c, 0);
    assert.ok(counts.a > counts.b * 2, JSON.stringify(counts));
  });
});
