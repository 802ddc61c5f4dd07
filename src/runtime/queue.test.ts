import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackoffOptions } from './backoff.ts';
import { FakeClock, settle } from './clock.ts';
import { parseQueueKey, queueKey, WorkQueue, type KeyParts, type QueueHandler, type QueueObserver, type QueueResult } from './queue.ts';

const s = (n: number) => n * 1000;

/** A handler call the test finishes by hand. */
interface Call {
  key: string;
  at: number;
  finish(result?: QueueResult): void;
  fail(err: Error): void;
}

/**
 * A queue on a fake clock whose handler records every call and waits for the test to finish it.
 * Its backoff's jitter is pinned to the ceiling (exact sequences) unless `backoff` says otherwise.
 */
function harness(options: { concurrency?: number; auto?: (key: string, n: number) => QueueResult | Error | void; observer?: QueueObserver; backoff?: BackoffOptions } = {}) {
  const clock = new FakeClock();
  const calls: Call[] = [];
  let active = 0;
  let maxActive = 0;
  const handler: QueueHandler = (key) => {
    active++;
    maxActive = Math.max(maxActive, active);
    const n = calls.filter((c) => c.key === key).length;
    return new Promise<QueueResult | void>((resolve, reject) => {
      const done = () => active--;
      calls.push({
        key,
        at: clock.now(),
        finish: (r) => { done(); resolve(r); },
        fail: (e) => { done(); reject(e); },
      });
      const auto = options.auto?.(key, n);
      if (auto instanceof Error) { done(); reject(auto); } else if (options.auto) { done(); resolve(auto); }
    });
  };
  const queue = new WorkQueue({ handler, clock, concurrency: options.concurrency ?? 4, backoff: options.backoff ?? { random: () => 1 }, ...(options.observer ? { observer: options.observer } : {}) });
  return {
    clock,
    queue,
    calls,
    keys: () => calls.map((c) => c.key),
    times: (key: string) => calls.filter((c) => c.key === key).map((c) => c.at),
    maxActive: () => maxActive,
  };
}

describe('WorkQueue', () => {
  it('holds a key once however often it is added', async () => {
    const h = harness({ auto: () => {} });
    for (let i = 0; i < 3; i++) h.queue.add('Bucket:ns/a');
    h.queue.add('Bucket:ns/b');
    assert.equal(h.queue.length, 2);
    h.queue.start();
    await settle();
    assert.deepEqual(h.keys(), ['Bucket:ns/a', 'Bucket:ns/b']);
  });

  it('never hands one key to two workers; added while running, it runs once more after', async () => {
    const h = harness();
    h.queue.start();
    h.queue.add('k');
    await settle();
    assert.equal(h.calls.length, 1);
    h.queue.add('k');
    h.queue.add('k');
    await settle();
    assert.equal(h.calls.length, 1, 'no second worker while the first runs');
    assert.equal(h.queue.length, 0, 'not in the ready queue while running');
    h.calls[0]!.finish();
    await settle();
    assert.equal(h.calls.length, 2, 'runs again once after');
    h.calls[1]!.finish();
    await settle();
    assert.equal(h.calls.length, 2, 'and only once');
  });

  it('handles at most `concurrency` keys at once, in the order they were added', async () => {
    const h = harness({ concurrency: 2 });
    h.queue.start();
    for (const k of ['a', 'b', 'c', 'd', 'e']) h.queue.add(k);
    await settle();
    assert.deepEqual(h.keys(), ['a', 'b']);
    assert.equal(h.queue.processing, 2);
    assert.equal(h.queue.length, 3);
    h.calls[1]!.finish();
    await settle();
    assert.deepEqual(h.keys(), ['a', 'b', 'c']);
    for (let i = 0; i < 5; i++) {
      for (const c of h.calls) c.finish();
      await settle();
    }
    assert.deepEqual(h.keys(), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(h.maxActive(), 2);
  });

  it('backs a failing key off 5, 10, 20 … 300 s, and from 5 s again after a success', async () => {
    let succeed = false;
    const h = harness({ auto: () => (succeed ? {} : new Error('cloud says no')) });
    h.queue.start();
    h.queue.add('k');
    await h.clock.advance(s(1500));
    const gaps = (t: number[]) => t.slice(1).map((x, i) => (x - t[i]!) / 1000);
    assert.deepEqual(gaps(h.times('k')).slice(0, 9), [5, 10, 20, 40, 80, 160, 300, 300, 300]);

    succeed = true;
    await h.clock.advance(s(300));
    const okAt = h.clock.now();
    assert.equal(h.clock.pending, 0, 'a success without requeueAfter leaves nothing pending');
    succeed = false;
    h.queue.add('k');
    await h.clock.advance(s(16));
    assert.deepEqual(h.times('k').filter((t) => t >= okAt).map((t) => (t - okAt) / 1000), [0, 5, 15], 'the sequence restarted at 5 s');
  });

  it("spreads the first retry of 1,000 keys that failed together over 2.5–5 s, not one instant", async () => {
    const h = harness({ concurrency: 1000, auto: (_k, n) => (n === 0 ? new Error('the cloud is down') : {}), backoff: {} });
    h.queue.start();
    for (let i = 0; i < 1000; i++) h.queue.add(`Bucket:ns/b${i}`);
    await settle();
    assert.equal(h.calls.length, 1000, 'all failed in the same instant');
    await h.clock.advance(s(5));
    const retries = h.calls.slice(1000).map((c) => c.at);
    assert.equal(retries.length, 1000, 'each came back once, within the base');
    assert.ok(retries.every((t) => t >= s(2.5) && t <= s(5)));
    const instants = new Set(retries);
    assert.ok(instants.size > 500, `${instants.size} distinct instants`);
    const perSecond = [0, 0, 0, 0, 0, 0];
    for (const t of retries) perSecond[Math.floor(t / 1000)]!++;
    assert.ok(Math.max(...perSecond) < 500, `spread over seconds: ${perSecond.join(', ')}`);
  });

  it('backs a key that keeps conflicting off from 0.5 s, doubling, and from 0.5 s again after a success', async () => {
    let conflicts = 4;
    const h = harness({ auto: () => (conflicts-- > 0 ? { failed: { kind: 'conflict', reason: 'Conflict' } } : {}) });
    h.queue.start();
    h.queue.add('k');
    await h.clock.advance(s(60));
    const gaps = (t: number[]) => t.slice(1).map((x, i) => x - t[i]!);
    assert.deepEqual(gaps(h.times('k')), [500, 1000, 2000, 4000], 'not hot: each conflict waits longer');
    assert.equal(h.queue.backoff.failures('k'), 0, 'the success forgot them');
  });

  it('waits at least the retryAfterMs a failure carries', async () => {
    const h = harness({ auto: (_k, n) => (n === 0 ? { failed: { kind: 'failure', reason: 'Throttled', retryAfterMs: s(42) } } : {}) });
    h.queue.start();
    h.queue.add('k');
    await h.clock.advance(s(41.999));
    assert.equal(h.calls.length, 1);
    await h.clock.advance(1);
    assert.equal(h.calls.length, 2);
  });

  it('looks again after requeueAfterMs, not before', async () => {
    const h = harness({ auto: (_k, n) => (n === 0 ? { requeueAfterMs: s(30) } : {}) });
    h.queue.start();
    h.queue.add('k');
    await h.clock.advance(s(30) - 1);
    assert.equal(h.calls.length, 1);
    assert.equal(h.queue.waiting, 1);
    await h.clock.advance(1);
    assert.deepEqual(h.times('k'), [0, s(30)]);
  });

  it('looks again as soon as the wake settles (either way), the poll staying the latest', async () => {
    let go!: () => void;
    let fail!: (err: Error) => void;
    const wakes = [new Promise<void>((r) => (go = r)), new Promise<void>((_, r) => (fail = r))];
    const h = harness({ auto: (_k, n) => (n < 2 ? { requeueAfterMs: s(30), wake: wakes[n] } : {}) });
    h.queue.start();
    h.queue.add('k');
    await h.clock.advance(s(3));
    assert.deepEqual(h.times('k'), [0], 'nothing before it settles');
    go();
    await settle();
    assert.deepEqual(h.times('k'), [0, s(3)]);
    await h.clock.advance(s(2));
    fail(new Error('refused'));
    await settle();
    assert.deepEqual(h.times('k'), [0, s(3), s(5)], 'a rejected wake wakes too');
    await h.clock.advance(s(60));
    assert.equal(h.calls.length, 3, 'the polls it replaced do not come on top');
  });

  const earliest: { reason: string; steps: (q: WorkQueue) => void; want: number[] }[] = [
    { reason: 'a sooner addAfter replaces a later one', steps: (q) => { q.addAfter('k', s(10)); q.addAfter('k', s(5)); }, want: [s(5)] },
    { reason: 'a later addAfter leaves the sooner one', steps: (q) => { q.addAfter('k', s(5)); q.addAfter('k', s(10)); }, want: [s(5)] },
    { reason: 'add replaces a pending addAfter', steps: (q) => { q.addAfter('k', s(10)); q.add('k'); }, want: [0] },
    { reason: 'addAfter does not delay a key already ready', steps: (q) => { q.add('k'); q.addAfter('k', s(10)); }, want: [0] },
    { reason: 'addAfter 0 is add', steps: (q) => q.addAfter('k', 0), want: [0] },
  ];
  for (const c of earliest) {
    it(`earliest pending time wins: ${c.reason}`, async () => {
      const h = harness({ auto: () => {} });
      c.steps(h.queue);
      h.queue.start();
      await h.clock.advance(s(60));
      assert.deepEqual(h.times('k'), c.want);
    });
  }

  it('a delayed key that comes due while running runs once after', async () => {
    const h = harness();
    h.queue.start();
    h.queue.add('k');
    await settle();
    h.queue.addAfter('k', s(1));
    await h.clock.advance(s(5));
    assert.equal(h.calls.length, 1);
    h.calls[0]!.finish();
    await settle();
    assert.deepEqual(h.times('k'), [0, s(5)]);
  });

  it('keeps keys added before start until start', async () => {
    const h = harness({ auto: () => {} });
    h.queue.add('k');
    await h.clock.advance(s(10));
    assert.equal(h.calls.length, 0);
    h.queue.start();
    await settle();
    assert.equal(h.calls.length, 1);
  });

  it('reports how long each key waited for a worker', async () => {
    const waits: [string, number][] = [];
    const h = harness({ concurrency: 1, observer: { started: (k, w) => waits.push([k, w]) } });
    h.queue.start();
    h.queue.add('a');
    h.queue.add('b');
    await h.clock.advance(s(3));
    assert.equal(h.queue.oldestWaitMs(), s(3));
    h.calls[0]!.finish();
    await settle();
    assert.deepEqual(waits, [['a', 0], ['b', s(3)]]);
  });

  it('reports outcomes and keeps working when an observer throws', async () => {
    const outcomes: string[] = [];
    const h = harness({
      auto: (k) => (k === 'bad' ? new Error('boom') : { requeueAfterMs: s(60) }),
      observer: {
        started: () => { throw new Error('observer bug'); },
        finished: (k, o) => { outcomes.push(`${k} ${o.error ? 'error' : 'ok'} ${o.retryInMs}`); throw new Error('observer bug'); },
      },
    });
    h.queue.start();
    h.queue.add('good');
    h.queue.add('bad');
    await settle();
    assert.deepEqual(outcomes, ['good ok 60000', 'bad error 5000']);
  });

  it('shutdown stops taking work, waits for running handlers, and rejects nothing', async () => {
    const h = harness({ concurrency: 2 });
    h.queue.start();
    h.queue.add('a');
    h.queue.add('b');
    h.queue.add('c');
    h.queue.addAfter('d', s(1));
    await settle();
    let drained = false;
    const done = h.queue.shutdown().then(() => { drained = true; });
    h.queue.add('e');
    await h.clock.advance(s(10));
    assert.equal(drained, false, 'waits for the running handlers');
    h.calls[0]!.finish({ requeueAfterMs: 1 });
    h.calls[1]!.fail(new Error('failed while shutting down'));
    await done;
    assert.deepEqual(h.keys(), ['a', 'b'], 'nothing new started: not c, not the delayed d, not e');
    assert.equal(h.clock.pending, 0, 'no timers left behind');
  });

  it('hands out a namespace\'s one key within the first dispatches, however many keys another namespace holds', async () => {
    const h = harness({ concurrency: 1 });
    for (let i = 0; i < 10_000; i++) h.queue.add(`Bucket:team-a/b${i}`);
    h.queue.add('Bucket:team-b/only');
    assert.equal(h.queue.length, 10_001);
    h.queue.start();
    await settle();
    h.calls[0]!.finish();
    await settle();
    assert.deepEqual(h.keys(), ['Bucket:team-a/b0', 'Bucket:team-b/only'], 'team-b waits for one of team-a\'s keys, not 10,000');
  });

  it('serves namespaces in turn, each in the order its keys became ready, one worker per key and no key twice', async () => {
    const h = harness({ concurrency: 1, auto: () => {} });
    for (const k of ['a/1', 'a/2', 'a/3', 'b/1', 'a/1', 'c/1', 'b/2']) h.queue.add(`Bucket:${k}`);
    h.queue.add('ProviderConfig:aws');
    h.queue.start();
    await settle();
    assert.deepEqual(h.keys().map((k) => k.slice(k.indexOf(':') + 1)), ['a/1', 'b/1', 'c/1', 'aws', 'a/2', 'b/2', 'a/3']);
    assert.equal(h.queue.length, 0);
  });

  it('reports the wait of the key ready longest, whichever namespace holds it', async () => {
    const h = harness({ concurrency: 1 });
    h.queue.add('Bucket:team-a/x');
    await h.clock.advance(s(2));
    h.queue.add('Bucket:team-b/y');
    await h.clock.advance(s(3));
    h.queue.add('Bucket:team-b/z');
    assert.equal(h.queue.oldestWaitMs(), s(5));
    h.queue.start();
    await settle();
    assert.equal(h.queue.oldestWaitMs(), s(3), 'team-a/x is taken: team-b/y is the oldest now');
  });

  it('shutdown of a queue never started resolves at once', async () => {
    const h = harness();
    h.queue.add('k');
    await h.queue.shutdown();
    h.queue.start();
    await settle();
    assert.equal(h.calls.length, 0);
  });
});

describe('queue keys', () => {
  const cases: { reason: string; parts: KeyParts; key: string }[] = [
    { reason: 'a namespaced object', parts: { kind: 'Bucket', namespace: 'team-a', name: 'logs' }, key: 'Bucket:team-a/logs' },
    { reason: 'a cluster-scoped object', parts: { kind: 'ProviderConfig', name: 'aws' }, key: 'ProviderConfig:aws' },
    { reason: 'a name with a colon (RBAC allows them)', parts: { kind: 'ClusterRole', name: 'system:reader' }, key: 'ClusterRole:system:reader' },
  ];
  for (const c of cases) {
    it(`round-trips ${c.reason}`, () => {
      assert.equal(queueKey(c.parts), c.key);
      assert.deepEqual(parseQueueKey(c.key), c.parts);
    });
  }
  for (const bad of ['', 'no-kind', ':name', 'Bucket:', 'Bucket:/name', 'Bucket:ns/']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseQueueKey(bad), undefined));
  }
});
