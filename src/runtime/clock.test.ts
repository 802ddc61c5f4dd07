import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, sleep } from './clock.ts';

describe('FakeClock', () => {
  it('fires due timers in due order, ties in the order they were set, with now() at each due time', async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    const note = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimeout(note('late'), 30);
    clock.setTimeout(note('early'), 10);
    clock.setTimeout(note('tie-1'), 20);
    clock.setTimeout(note('tie-2'), 20);
    clock.setTimeout(note('beyond'), 31);
    await clock.advance(30);
    assert.deepEqual(fired, ['early@1010', 'tie-1@1020', 'tie-2@1020', 'late@1030']);
    assert.equal(clock.now(), 1030);
    assert.deepEqual(clock.pendingDelays(), [1]);
  });

  it('fires timers set by timers within the same advance', async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const tick = () => {
      fired.push(clock.now());
      if (fired.length < 5) clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.advance(35);
    assert.deepEqual(fired, [10, 20, 30]);
  });

  it('lets work a timer starts settle before the next timer fires', async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    clock.setTimeout(() => void Promise.resolve().then(() => order.push('after first')), 1);
    clock.setTimeout(() => order.push('second'), 2);
    await clock.advance(2);
    assert.deepEqual(order, ['after first', 'second']);
  });

  it('does not fire cancelled timers', async () => {
    const clock = new FakeClock();
    let fired = false;
    clock.setTimeout(() => { fired = true; }, 5).cancel();
    await clock.advance(10);
    assert.equal(fired, false);
    assert.equal(clock.pending, 0);
  });
});

describe('sleep', () => {
  it('resolves after the time passed, not before', async () => {
    const clock = new FakeClock();
    let woke = false;
    void sleep(clock, 100).then(() => { woke = true; });
    await clock.advance(99);
    assert.equal(woke, false);
    await clock.advance(1);
    assert.equal(woke, true);
  });

  it('resolves at once on abort and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const slept = sleep(clock, 60_000, stop.signal);
    stop.abort();
    await slept;
    assert.equal(clock.pending, 0);
    assert.equal(clock.now(), 0);
  });
});
