import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, retryAfterOf } from './backoff.ts';

const s = (n: number) => n * 1000;

describe('Backoff', () => {
  it('doubles from 5 s to a 300 s cap for one key', () => {
    const b = new Backoff();
    const delays = Array.from({ length: 9 }, () => b.failure('k'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 300, 300, 300].map(s));
  });

  it('starts again at base after forget', () => {
    const b = new Backoff();
    b.failure('k');
    b.failure('k');
    b.forget('k');
    assert.equal(b.failure('k'), s(5));
  });

  it('counts each key apart', () => {
    const b = new Backoff();
    b.failure('a');
    b.failure('a');
    assert.equal(b.failure('b'), s(5));
    assert.equal(b.failure('a'), s(20));
  });

  it('stays finite after very many failures', () => {
    const b = new Backoff({ baseMs: 1, maxMs: 10 });
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
      const b = new Backoff();
      for (let i = 1; i < c.failures; i++) b.failure('k');
      assert.equal(b.failure('k', c.hint), c.want);
    });
  }

  it('takes a configured base, max and factor', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, factor: 3 });
    assert.deepEqual([1, 2, 3, 4].map(() => b.failure('k')), [100, 300, 900, 1000]);
  });

  const invalid: { reason: string; options: ConstructorParameters<typeof Backoff>[0] }[] = [
    { reason: 'base must be positive', options: { baseMs: 0 } },
    { reason: 'max below base', options: { baseMs: 10_000, maxMs: 1_000 } },
    { reason: 'a shrinking factor', options: { factor: 0.5 } },
  ];
  for (const c of invalid) {
    it(`rejects options: ${c.reason}`, () => {
      assert.throws(() => new Backoff(c.options), RangeError);
    });
  }
});

describe('retryAfterOf', () => {
  const cases: { reason: string; err: unknown; want: number | undefined }[] = [
    { reason: 'an error carrying a hint', err: Object.assign(new Error('x'), { retryAfterMs: 7000 }), want: 7000 },
    { reason: 'a plain error', err: new Error('x'), want: undefined },
    { reason: 'a string hint is not a number', err: { retryAfterMs: '7000' }, want: undefined },
    { reason: 'a negative hint is not a delay', err: { retryAfterMs: -1 }, want: undefined },
    { reason: 'something thrown that is not an object', err: null, want: undefined },
  ];
  for (const c of cases) {
    it(c.reason, () => assert.equal(retryAfterOf(c.err), c.want));
  }
});
