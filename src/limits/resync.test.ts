import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResyncBudget, type CountedLimiter } from './resync.ts';

const PERIOD = 300_000;
const limiter: CountedLimiter = { schedule: (fn) => fn(), throttled() {}, succeeded() {} };

/** One check of `account` that made `reads` requests through its counted limiter; the delay to the next. */
function check(budget: ResyncBudget, account: string, key: string, reads: number): number {
  const counted = budget.counting(account, limiter);
  for (let i = 0; i < reads; i++) void counted.schedule(async () => undefined);
  return budget.next(account, key);
}

/**
 * `objects` objects of one account, each checked at its slot, over `periods` periods (the first
 * check of each at t=0, as after an apply): the time of every check after the first.
 */
function simulate(options: { objects: number; reads: number; readsPerSecond: number; periods: number }): number[] {
  let now = 0;
  const budget = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: options.readsPerSecond, now: () => now });
  const due: [number, string][] = [];
  for (let i = 0; i < options.objects; i++) due.push([check(budget, 'acct', `uid-${i}`, options.reads), `uid-${i}`]);
  const times: number[] = [];
  const end = options.periods * PERIOD;
  // A min-ordered walk: sort once, then insert each next check in place (few enough for a test).
  due.sort((a, b) => a[0] - b[0]);
  while (due.length && (due[0]?.[0] ?? Infinity) <= end) {
    const [at, key] = due.shift() as [number, string];
    now = at;
    times.push(at);
    const next = at + check(budget, 'acct', key, options.reads);
    let lo = 0;
    let hi = due.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((due[mid]?.[0] ?? 0) <= next) lo = mid + 1;
      else hi = mid;
    }
    due.splice(lo, 0, [next, key]);
  }
  return times;
}

/** The most checks in any one second. */
const peakPerSecond = (times: number[]) => Math.max(0, ...Object.values(times.reduce<Record<number, number>>((n, t) => ({ ...n, [Math.floor(t / 1000)]: (n[Math.floor(t / 1000)] ?? 0) + 1 }), {})));

describe('ResyncBudget', () => {
  it('holds objects asking for their own short interval under the account\'s budget too', () => {
    let now = 0;
    const budget = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: 5, now: () => now });
    // 1,000 objects of 4 reads, each asking to be checked every minute: 66 reads a second asked.
    const delays = Array.from({ length: 1000 }, (_, i) => {
      const counted = budget.counting('acct', limiter);
      for (let r = 0; r < 4; r++) void counted.schedule(async () => undefined);
      return budget.next('acct', `uid-${i}`, 60_000);
    });
    assert.ok(delays.every((d) => d >= 60_000), 'never sooner than asked');
    const perSecond = new Map<number, number>();
    for (const d of delays) perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 4);
    assert.ok(Math.max(...perSecond.values()) <= 8, `at most a window's share and one check's spill a second: ${Math.max(...perSecond.values())}`);
    assert.ok(Math.max(...delays) > 700_000, `1,000 × 4 reads at 5 a second take about 800 s: ${Math.max(...delays) / 1000} s`);
    now = 0;
    const alone = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: 5, now: () => now });
    assert.equal(alone.next('acct', 'uid-x', 90_000), 90_000, 'within the budget: exactly the interval asked');
  });

  it('spreads objects made at one instant evenly over the period, each next at most 1.1 periods away', () => {
    const now = 1_000_000;
    const budget = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: 0, now: () => now });
    const delays = Array.from({ length: 3000 }, (_, i) => budget.next('acct', `uid-${i}`));
    assert.ok(delays.every((d) => d >= PERIOD / 10 && d <= 1.1 * PERIOD));
    const tenths = Array.from({ length: 10 }, (_, k) => delays.filter((d) => Math.floor(((now + d) % PERIOD) / (PERIOD / 10)) === k).length);
    assert.ok(tenths.every((n) => n > 240 && n < 360), `each tenth of the period gets about 300: ${tenths.join(', ')}`);
  });

  it('checks an object again exactly one period later when the budget covers them all', () => {
    const times = simulate({ objects: 100, reads: 4, readsPerSecond: 5, periods: 3 });
    assert.ok(times.length >= 200, `${times.length} checks`);
    let now = 0;
    const budget = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: 5, now: () => now });
    now = check(budget, 'acct', 'uid-1', 4);
    const second = check(budget, 'acct', 'uid-1', 4);
    assert.equal(second, PERIOD, 'the same phase, one period on');
  });

  it('holds 10,000 objects of 4 reads under 5 reads a second: a steady trickle, the period stretched and said', () => {
    let now = 0;
    const budget = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: 5, now: () => now });
    const delays = Array.from({ length: 10_000 }, (_, i) => check(budget, 'acct', `uid-${i}`, 4));
    const perSecond = new Map<number, number>();
    for (const d of delays) perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 4);
    assert.ok(Math.max(...perSecond.values()) <= 8, `at most one check a second, 4 reads, beyond a window's 5: ${Math.max(...perSecond.values())}`);
    const last = Math.max(...delays);
    assert.ok(last > 7_500_000 && last < 8_500_000, `10,000 × 4 reads at 5 a second take about 8,000 s: ${last / 1000} s`);
    const [stats] = budget.stats();
    assert.equal(stats?.budgetReadsPerSecond, 5);
    assert.equal(stats?.readsPerCheck, 4);
    assert.ok((stats?.periodMs ?? 0) > 7_500_000, 'the stretched period is shown');
    assert.ok((stats?.scheduledReadsPerSecond ?? 0) <= 5.01, `reads booked over the next period: ${stats?.scheduledReadsPerSecond}/s`);
    now = 1000;
    assert.ok(check(budget, 'other', 'x', 4) <= 1.1 * PERIOD, 'another account has its own budget');
  });

  it('over periods of checks, no second takes more than the budget allows', () => {
    const times = simulate({ objects: 2000, reads: 4, readsPerSecond: 5, periods: 4 });
    // 2,000 × 4 reads at 5 a second: 1,600 s a round, not 300.
    assert.ok(peakPerSecond(times) <= 2, `peak checks in a second: ${peakPerSecond(times)}`);
    const rate = (times.length * 4) / ((Math.max(...times) - Math.min(...times)) / 1000);
    assert.ok(rate > 4 && rate <= 5.05, `a steady ${rate.toFixed(2)} reads a second`);
  });

  it('measures a check by the requests counted on the account: a listing shared by many checks costs each a share', () => {
    let now = 0;
    const budget = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: 1, now: () => now });
    // One zone listing (1 request) answers 100 records of one zone, checked together (one phase key).
    for (let i = 0; i < 100; i++) check(budget, 'acct', 'zone-Z1', i === 0 ? 1 : 0);
    const [stats] = budget.stats();
    assert.ok((stats?.readsPerCheck ?? 1) < 0.05, `reads per check ${stats?.readsPerCheck}`);
    now = 1;
    assert.ok(check(budget, 'acct', 'zone-Z1', 0) <= 1.1 * PERIOD, 'within the period: the budget covers them');
  });

  it('an account may have its own budget', () => {
    const budget = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: 5, now: () => 0 });
    budget.setBudget('acct', 'pc-a', 50);
    const delays = Array.from({ length: 1000 }, (_, i) => check(budget, 'acct', `uid-${i}`, 4));
    assert.ok(Math.max(...delays) <= 1.1 * PERIOD, '1,000 × 4 reads fit in a period at 50 a second');
  });

  it('two configs on one account: the lowest budget holds, whichever was used last', () => {
    let now = 0;
    const budget = new ResyncBudget({ periodMs: PERIOD, readsPerSecond: 5, now: () => now });
    budget.setBudget('acct', 'pc-low', 1);
    budget.setBudget('acct', 'pc-high', 50);
    check(budget, 'acct', 'uid-0', 4);
    assert.equal(budget.stats().find((s) => s.account === 'acct')?.budgetReadsPerSecond, 1, 'the last said does not win');
    budget.setBudget('acct', 'pc-low', undefined);
    assert.equal(budget.stats().find((s) => s.account === 'acct')?.budgetReadsPerSecond, 50, 'a config that drops its budget no longer counts');
    budget.setBudget('acct', 'pc-none', 0);
    assert.equal(budget.stats().find((s) => s.account === 'acct')?.budgetReadsPerSecond, 50, 'no budget (0) is the most a config can ask, not the least');
    budget.setBudget('acct', 'pc-none', undefined);
    budget.setBudget('acct', 'pc-low', 1);
    now = 3 * PERIOD;
    budget.setBudget('acct', 'pc-high', 50);
    assert.equal(budget.stats().find((s) => s.account === 'acct')?.budgetReadsPerSecond, 50, 'a config not heard of for two periods no longer counts');
  });
});
