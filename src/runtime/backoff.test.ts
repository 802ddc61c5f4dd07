import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from './backoff.ts';

const s = (n: number) => n * 1000;
/** The jitter pinned to the ceiling: the sequences below are the ceilings. */
const CEILING = { random: () => 1 };

describe('Backoff', () => {
  it('doubles its ceiling from 5 s to a 300 s cap for one key', () => {
    const b = new Backoff(CEILING);
    const delays = Array.from({ length: 9 }, () => b.failure('k'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 300, 300, 300].map(s));
  });

  it('starts again at base after forget', () => {
    const b = new Backoff(CEILING);
    b.failure('k');
    b.failure('k');
    b.forget('k');
    assert.equal(b.failure('k'), s(5));
  });

  it('counts each key apart', () => {
    const b = new Backoff(CEILING);
    b.failure('a');
    b.failure('a');
    assert.equal(b.failure('b'), s(5));
    assert.equal(b.failure('a'), s(20));
  });

  it('stays finite after very many failures', () => {
    const b = new Backoff({ baseMs: 1, maxMs: 10, ...CEILING });
    for (let i = 0; i < 5000; i++) b.failure('k');
    assert.equal(b.failure('k'), 10);
  });

  const hints: { reason: string; failures: number; hint: number | undefined; want: number }[] = [
    { reason: 'no hint: the plain sequence', failures: 1, hint: undefined, want: s(5) },
    { reason: 'a longer hint raises the delay', failures: 1, hint: s(30), want: s(30) },
    { reason: 'a shorter hint never lowers it', failures: 3, hint: s(1), want: s(20) },
    { reason: 'a hint above max is capped at max', failures: 1, hint: s(3600), want: s(300) },
    { reason: 'a non-finite hint is ignored', failures: 2, hint: Number.POSITIVE_INFINITY, want: s(10) },
  ];
  for (const c of hints) {
    it(`hint: ${c.reason}`, () => {
      const b = new Backoff(CEILING);
      for (let i = 1; i < c.failures; i++) b.failure('k');
      assert.equal(b.failure('k', c.hint), c.want);
    });
  }

  it('takes a configured base, max and factor', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, factor: 3, ...CEILING });
    assert.deepEqual([1, 2, 3, 4].map(() => b.failure('k')), [100, 300, 900, 1000]);
  });

  it('jitters each delay between half and all of its ceiling', () => {
    const low = new Backoff({ random: () => 0 });
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(() => low.failure('k')), [2.5, 5, 10, 20, 40, 80, 150, 150].map(s));
    const mid = new Backoff({ random: () => 0.5 });
    assert.equal(mid.failure('k'), 3750);
  });

  it("spreads 1,000 objects' first retry over 2.5–5 s instead of one instant", () => {
    const b = new Backoff();
    const delays = Array.from({ length: 1000 }, (_, i) => b.failure(`Bucket:ns/b${i}`));
    assert.ok(delays.every((d) => d >= s(2.5) && d <= s(5)), 'within [base/2, base]');
    const instants = new Set(delays);
    assert.ok(instants.size > 500, `${instants.size} distinct instants`);
    const perHalfSecond = new Map<number, number>();
    for (const d of delays) perHalfSecond.set(Math.floor(d / 500), (perHalfSecond.get(Math.floor(d / 500)) ?? 0) + 1);
    assert.ok(Math.max(...perHalfSecond.values()) < 300, `no half-second takes most of them: ${JSON.stringify([...perHalfSecond])}`);
  });

  it('a hint still raises a jittered delay, and max still caps it', () => {
    const b = new Backoff({ random: () => 0 });
    assert.equal(b.failure('k', s(4)), s(4));
    assert.equal(b.failure('k', s(3600)), s(300));
  });

  it('backs repeated conflicts off from a tenth of the base: 0.5, 1, 2, 4 … s', () => {
    const b = new Backoff(CEILING);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => b.failure('k', undefined, 'conflict')), [500, 1000, 2000, 4000, 8000]);
    assert.equal(b.failures('k'), 5, 'conflicts are counted like any failure');
    b.forget('k');
    assert.equal(b.failure('k', undefined, 'conflict'), 500);
  });

  it('a conflict step follows --backoff-base, and shares the count with other failures', () => {
    const b = new Backoff({ baseMs: s(10), ...CEILING });
    assert.equal(b.failure('k', undefined, 'conflict'), s(1));
    assert.equal(b.failure('k'), s(20), 'a failure after a conflict is the second step');
    assert.equal(b.failure('k', undefined, 'conflict'), s(4));
    const capped = new Backoff({ baseMs: s(10), maxMs: s(20), ...CEILING });
    for (let i = 0; i < 10; i++) capped.failure('k', undefined, 'conflict');
    assert.equal(capped.failure('k', undefined, 'conflict'), s(20));
  });

  const invalid: { reason: string; options: ConstructorParameters<typeof Backoff>[0] }[] = [
    { reason: 'base must be positive', options: { baseMs: 0 } },
    { reason: 'max below base', options: { baseMs: 10_000, maxMs: 1_000 } },
    { reason: 'a shrinking factor', options: { factor: 0.5 } },
    { reason: 'a conflict step above base', options: { baseMs: 1000, conflictBaseMs: 2000 } },
  ];
  for (const c of invalid) {
    it(`rejects options: ${c.reason}`, () => {
      assert.throws(() => new Backoff(c.options), RangeError);
    });
  }
});
