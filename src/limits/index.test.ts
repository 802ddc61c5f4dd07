import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountLimiter, KeyedSerial, Limits, SHARED_SLACK_MS, SOLE, windowOf } from './index.ts';

describe('AccountLimiter', () => {
  it('keeps to the configured rate: never more than 5 starts in any one second, less timer slack', async () => {
    const limiter = new AccountLimiter('a', { requestsPerSecond: 5 });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 11 }, () => limiter.schedule(async () => void starts.push(Date.now()))));
    // What a cloud counts is arrivals per second. Single gaps are not asserted: a start the event
    // loop delays comes closer to the next one, which still keeps its own time. Timers fire a few
    // ms early or late, so the window is a second less 50 ms (this is why Route 53 gets 4.5 a second).
    const busiest = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + 950).length));
    assert.ok(busiest <= 5, `${busiest} starts within 950 ms (starts at ${starts.map((t) => t - starts[0]!).join(', ')} ms)`);
    assert.ok(starts.at(-1)! - starts[0]! >= 2000 - 20, '11 starts at 5 a second span at least 2 s');
  });

  it('keeps requests apart even after the event loop stalled: no burst of late timers (chaos seed 1998953612)', async () => {
    const limiter = new AccountLimiter('a', { requestsPerSecond: 20 });
    const starts: number[] = [];
    const all = Promise.all(Array.from({ length: 8 }, () => limiter.schedule(async () => void starts.push(Date.now()))));
    // A busy operator (a large list parsed, a cache synced after a restart) blocks its timers.
    await new Promise((r) => setTimeout(r, 60));
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // busy: the timers of the queued requests all come due meanwhile
    }
    await all;
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    assert.ok(gaps.every((g) => g >= 45), `gaps ${gaps.join(',')} all >= 50 ms (less timer slack)`);
  });

  it('doubles its spacing on throttling, capped, and recovers after a run of successes', () => {
    const limiter = new AccountLimiter('a', { requestsPerSecond: 5 });
    assert.equal(limiter.currentIntervalMs, 200);
    limiter.throttled();
    limiter.throttled();
    assert.equal(limiter.currentIntervalMs, 800);
    for (let i = 0; i < 20; i++) limiter.throttled();
    assert.equal(limiter.currentIntervalMs, 10_000, 'capped at one request per 10 s');
    for (let i = 0; i < 10_000 && limiter.currentIntervalMs > 200; i++) limiter.succeeded();
    assert.equal(limiter.currentIntervalMs, 200, 'back to the configured rate, never faster');
    assert.equal(limiter.throttledCount, 22);
  });

  it('starts a request asked ahead before the queued ones, never breaking the rate', async () => {
    const limiter = new AccountLimiter('a', { requestsPerSecond: 20 });
    const order: string[] = [];
    const starts: number[] = [];
    const run = (name: string) => async () => void (order.push(name), starts.push(Date.now()));
    const writes = Array.from({ length: 6 }, (_, i) => limiter.schedule(run(`write${i}`)));
    const listing = limiter.schedule(run('listing'), { ahead: true });
    await Promise.all([...writes, listing]);
    assert.ok(order.indexOf('listing') <= 1, `the listing starts at most after the one write already started: ${order.join(', ')}`);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    assert.ok(gaps.every((g) => g >= 45), `gaps ${gaps.join(',')} all >= 50 ms (less timer slack)`);
  });

  it('a config bound (maxConcurrent) passes ahead on to the account', async () => {
    const limits = new Limits();
    const account = limits.account('acct', { requestsPerSecond: 20 });
    const bounded = limits.bounded('pc:route53', 10, account);
    const order: string[] = [];
    const writes = Array.from({ length: 6 }, (_, i) => bounded.schedule(async () => void order.push(`write${i}`)));
    const listing = bounded.schedule(async () => void order.push('listing'), { ahead: true });
    await Promise.all([...writes, listing]);
    assert.ok(order.indexOf('listing') <= 1, order.join(', '));
  });

  it('an unlimited account still slows down when throttled', () => {
    const limiter = new AccountLimiter('a', {});
    limiter.throttled();
    assert.ok(limiter.currentIntervalMs >= 100);
  });
});

describe('Limits', () => {
  it('runs one call at a time per resource', async () => {
    const limits = new Limits();
    let running = 0;
    let peak = 0;
    const call = () => limits.forResource('Bucket/ns/a', async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
    });
    await Promise.all([call(), call(), call()]);
    assert.equal(peak, 1);
  });

  it('keeps nothing for a resource once its calls are done, and a failed call does not stop the next', async () => {
    const serial = new KeyedSerial();
    const order: string[] = [];
    const step = (name: string, ms: number, fail = false) => serial.run('Bucket/ns/a', async () => {
      order.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    });
    const other = serial.run('Bucket/ns/b', async () => order.push('other'));
    const results = await Promise.allSettled([step('first', 20, true), step('second', 1), other]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'fulfilled']);
    // Another key does not wait for a's calls; a's run one after another, in arrival order.
    assert.deepEqual(order, ['other', 'first start', 'first end', 'second start', 'second end']);
    await new Promise((r) => setImmediate(r));
    assert.equal(serial.size, 0);
  });

  it('hands out one limiter per account key, reconfigured only when the limit changes', () => {
    const limits = new Limits();
    const a = limits.account('pc:route53', { requestsPerSecond: 5 });
    a.throttled();
    assert.equal(limits.account('pc:route53', { requestsPerSecond: 5 }), a);
    assert.equal(a.currentIntervalMs, 400, 'the same limit does not reset the throttled spacing');
    assert.notEqual(limits.account('pc:s3', {}), a);
  });
});

describe('a budget shared by replicas', () => {
  it('splits the account budget into whole requests by rank, adding up to the budget', () => {
    const caps = [0, 1, 2].map((index) => windowOf(5, { index, of: 3 }));
    assert.deepEqual(caps.map((c) => c.cap), [2, 2, 1]);
    assert.ok(caps.every((c) => c.windowMs === 1000 + SHARED_SLACK_MS), 'shared: a window longer by the slack for arrivals bunched between processes');
    const route53 = windowOf(4.5, SOLE);
    assert.equal(route53.cap, 5);
    assert.ok(Math.abs(route53.windowMs - 1111.1) < 0.1, 'never more than ⌈4.5⌉ in a second, 4.5 a second on average');
    const crowded = windowOf(2, { index: 3, of: 4 });
    assert.deepEqual(crowded, { cap: 1, windowMs: 2000 + SHARED_SLACK_MS }, 'more members than the budget: one each per a longer window');
  });

  it('three members on one account never start more than the budget in any one second together', async () => {
    const limiters = [0, 1, 2].map((index) => new AccountLimiter('a', { requestsPerSecond: 5 }, { index, of: 3 }));
    const starts: number[] = [];
    await Promise.all(limiters.flatMap((l) => Array.from({ length: 5 }, () => l.schedule(async () => void starts.push(performance.now())))));
    starts.sort((a, b) => a - b);
    const busiest = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + 1000).length));
    assert.ok(busiest <= 5, `${busiest} starts within one second (starts at ${starts.map((t) => Math.round(t - starts[0]!)).join(', ')} ms)`);
  });

  it('shrinks a share at once and grows it only after the others had time to shrink theirs', async () => {
    const limits = new Limits();
    const limiter = limits.account('aws:1:route53', { requestsPerSecond: 5 });
    assert.equal(limiter.windowCap, 5);
    limits.reshare({ index: 2, of: 3 }, 100);
    assert.equal(limiter.windowCap, 1, 'a member joined: the smaller share at once');
    limits.reshare({ index: 0, of: 2 }, 100);
    assert.equal(limiter.windowCap, 1, 'a member left: still the smaller share while the others may not know');
    assert.equal(limits.account('aws:2:route53', { requestsPerSecond: 5 }).windowCap, 1, 'a limiter made meanwhile takes the smaller share too');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(limiter.windowCap, 3, 'then the larger one');
    limits.stop();
  });

  it('passes this replica\'s throttling on, and slows down for another\'s without echoing it', () => {
    const limits = new Limits();
    const heard: string[] = [];
    limits.onThrottled((key) => heard.push(key));
    const limiter = limits.account('aws:1:route53', { requestsPerSecond: 5 });
    limiter.throttled();
    assert.deepEqual(heard, ['aws:1:route53']);
    const before = limiter.currentIntervalMs;
    limits.throttledElsewhere('aws:1:route53');
    assert.equal(limiter.currentIntervalMs, before * 2);
    assert.deepEqual(heard, ['aws:1:route53'], 'no echo');
  });
});
