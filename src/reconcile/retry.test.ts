import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, settle } from '../runtime/clock.ts';
import { WorkQueue, type QueueObserver } from '../runtime/queue.ts';
import { DEFAULTS } from '../runtime/config.ts';
import { nextLook, pendingPollMs, USER_WAIT_POLL_MS, type ReconcileResult } from './retry.ts';

const s = (n: number) => n * 1000;

/**
 * One key on a real work queue (fake clock) whose handler answers `results` in turn through
 * nextLook, as the controller does; returns when each pass ran, and what the observer was told.
 */
async function looks(results: ReconcileResult[], options: { random?: () => number; baseMs?: number; maxMs?: number; forMs?: number } = {}) {
  const clock = new FakeClock();
  const at: number[] = [];
  const told: { error?: unknown; retryInMs?: number | undefined }[] = [];
  const observer: QueueObserver = { finished: (_key, o) => told.push(o) };
  const queue = new WorkQueue({
    clock,
    observer,
    backoff: { random: options.random ?? (() => 1), ...(options.baseMs ? { baseMs: options.baseMs } : {}), ...(options.maxMs ? { maxMs: options.maxMs } : {}) },
    handler: async () => {
      at.push(clock.now());
      return nextLook(results[at.length - 1] ?? { outcome: 'done' });
    },
  });
  queue.start();
  queue.add('Bucket:ns/a');
  await settle();
  await clock.advance(options.forMs ?? s(3600));
  const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
  await queue.shutdown();
  return { gaps, told, failures: queue.backoff.failures('Bucket:ns/a') };
}

const retryable: ReconcileResult = { outcome: 'retryable', reason: 'ProviderUnavailable', message: 'down' };
const conflict: ReconcileResult = { outcome: 'conflict', reason: 'Conflict', message: 'changed' };
const done: ReconcileResult = { outcome: 'done' };

describe('nextLook: what each outcome means for the next look', () => {
  const batchSent = Promise.resolve();
  const table: { outcome: ReconcileResult; next: ReturnType<typeof nextLook> }[] = [
    { outcome: { outcome: 'done', resyncAfterMs: s(300) }, next: { requeueAfterMs: s(300) } },
    { outcome: { outcome: 'done' }, next: { requeueAfterMs: undefined } },
    { outcome: { outcome: 'pending', pollAfterMs: 1500 }, next: { requeueAfterMs: 1500 } },
    { outcome: { outcome: 'pending', pollAfterMs: s(30), wake: batchSent }, next: { requeueAfterMs: s(30), wake: batchSent } },
    { outcome: { outcome: 'terminal', reason: 'AccessDenied', message: 'no', resyncAfterMs: s(290) }, next: { requeueAfterMs: s(290) } },
    { outcome: { outcome: 'waiting', reason: 'BucketNotEmpty', message: 'empty it', pollAfterMs: s(30) }, next: { requeueAfterMs: s(30) } },
    { outcome: conflict, next: { failed: { kind: 'conflict', reason: 'Conflict' } } },
    { outcome: { outcome: 'throttled', reason: 'Throttled', message: 'slow down', retryAfterMs: 7000 }, next: { failed: { kind: 'failure', reason: 'Throttled', retryAfterMs: 7000 } } },
    { outcome: retryable, next: { failed: { kind: 'failure', reason: 'ProviderUnavailable', retryAfterMs: undefined } } },
  ];
  for (const c of table) {
    it(`${c.outcome.outcome}${'resyncAfterMs' in c.outcome && c.outcome.resyncAfterMs === undefined ? ' (let go)' : ''}${'wake' in c.outcome ? ' (woken)' : ''}`, () => assert.deepEqual(nextLook(c.outcome), c.next));
  }
});

describe('the next look through the queue', () => {
  it('done, terminal and pending requeue exactly when asked, and reset the failure count', async () => {
    const r = await looks([retryable, retryable, { outcome: 'pending', pollAfterMs: 1500 }, { outcome: 'terminal', reason: 'X', message: 'x', resyncAfterMs: s(300) }, { outcome: 'done', resyncAfterMs: s(200) }, done]);
    assert.deepEqual(r.gaps, [s(5), s(10), 1500, s(300), s(200)]);
    assert.equal(r.failures, 0);
    assert.deepEqual(r.told.map((t) => t.error === undefined), [false, false, true, true, true, true], 'only the counted outcomes are failures to metrics');
  });

  it('retryable backs off from the base, doubling, within the max', async () => {
    const r = await looks([...Array<ReconcileResult>(7).fill(retryable), done], { baseMs: s(5), maxMs: s(60) });
    assert.deepEqual(r.gaps, [s(5), s(10), s(20), s(40), s(60), s(60), s(60)]);
    assert.equal(r.failures, 0, 'the done forgot them');
  });

  it('jitter: each backoff lies between half and all of its ceiling', async () => {
    const low = await looks([retryable, retryable, retryable, done], { random: () => 0 });
    assert.deepEqual(low.gaps, [s(2.5), s(5), s(10)]);
    let n = 0;
    const spread = await looks([...Array<ReconcileResult>(5).fill(retryable), done], { random: () => [0.1, 0.9, 0.5][n++ % 3] ?? 0 });
    const ceilings = [s(5), s(10), s(20), s(40), s(80)];
    spread.gaps.forEach((gap, i) => {
      const ceiling = ceilings[i] ?? 0;
      assert.ok(gap >= ceiling / 2 && gap <= ceiling, `gap ${i}: ${gap} within [${ceiling / 2}, ${ceiling}]`);
    });
    assert.equal(new Set(spread.gaps.map((g, i) => g / (ceilings[i] ?? 1))).size, 3, 'not the same fraction each time');
  });

  it('conflicts count: from a tenth of the base, doubling while they repeat, and grow the same count as other failures', async () => {
    const r = await looks([conflict, conflict, conflict, done]);
    assert.deepEqual(r.gaps, [500, 1000, 2000]);
    const mixed = await looks([conflict, retryable, done]);
    assert.deepEqual(mixed.gaps, [500, s(10)], 'a failure after a conflict is the second step');
  });

  it('throttled waits at least its retry-after, and no longer than the max', async () => {
    const r = await looks([{ outcome: 'throttled', reason: 'Throttled', message: 'slow down', retryAfterMs: s(42) }, { outcome: 'throttled', reason: 'Throttled', message: 'slow down', retryAfterMs: s(900) }, done]);
    assert.deepEqual(r.gaps, [s(42), s(300)]);
  });

  it('the base and max come from the backoff options (--backoff-base, --backoff-max)', async () => {
    const r = await looks([retryable, retryable, retryable, conflict, done], { baseMs: s(2), maxMs: s(6) });
    assert.deepEqual(r.gaps, [s(2), s(4), s(6), 1600], 'a conflict after three failures: the fourth step from a tenth of the base');
  });
});

describe('pendingPollMs', () => {
  it('half the wait so far, between the poll and the longest poll', () => {
    assert.equal(pendingPollMs(0), 1000);
    assert.equal(pendingPollMs(s(4)), s(2));
    assert.equal(pendingPollMs(s(600)), s(30));
    assert.equal(pendingPollMs(s(10), 500, s(3)), s(3));
  });
});

describe('a state that waits on the user', () => {
  it('is polled at most a minute apart by default, so a bucket the user empties is deleted within 60 s', () => {
    assert.ok(USER_WAIT_POLL_MS <= s(60), `USER_WAIT_POLL_MS is ${USER_WAIT_POLL_MS} ms`);
    assert.ok(DEFAULTS.userWaitPollMs <= s(60), `--user-wait-poll defaults to ${DEFAULTS.userWaitPollMs} ms`);
  });

  it('keeps its poll through the queue, however often it repeats, and counts no failure', async () => {
    const waiting: ReconcileResult = { outcome: 'waiting', reason: 'BucketNotEmpty', message: 'empty it', pollAfterMs: s(30) };
    const r = await looks([retryable, waiting, waiting, waiting, waiting, waiting, done], { forMs: s(600) });
    assert.deepEqual(r.gaps, [s(5), s(30), s(30), s(30), s(30), s(30)]);
    assert.equal(r.failures, 0);
  });
});
