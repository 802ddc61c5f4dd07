import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.ts';
import { Deadlines } from './deadlines.ts';

function harness() {
  const clock = new FakeClock(1_000);
  const fired: [string, number][] = [];
  const deadlines = new Deadlines(clock, (key) => fired.push([key, clock.now()]));
  return { clock, fired, deadlines };
}

describe('Deadlines', () => {
  it('fires each key at its time, soonest first, with one timer for them all', async () => {
    const { clock, fired, deadlines } = harness();
    for (const [key, at] of [['c', 1_300], ['a', 1_100], ['b', 1_200], ['d', 1_200]] as const) deadlines.set(key, at);
    assert.equal(clock.pending, 1, 'one timer, not one a key');
    assert.deepEqual(clock.pendingDelays(), [100]);
    await clock.advance(300);
    assert.deepEqual(fired, [['a', 1_100], ['b', 1_200], ['d', 1_200], ['c', 1_300]], 'ties in the order they were set');
    assert.equal(deadlines.size, 0);
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('moves a key to its new time and never fires a deleted one', async () => {
    const { clock, fired, deadlines } = harness();
    deadlines.set('a', 1_500);
    deadlines.set('b', 1_200);
    deadlines.set('a', 1_100);
    deadlines.set('b', 1_400);
    deadlines.set('c', 1_300);
    deadlines.delete('c');
    assert.equal(deadlines.get('a'), 1_100);
    await clock.advance(1_000);
    assert.deepEqual(fired, [['a', 1_100], ['b', 1_400]], 'a once at its new time, b once at its later one, c never');
    assert.equal(clock.pending, 0);
  });

  it('cancels its timer when the last key goes, and re-arms for an earlier key', async () => {
    const { clock, fired, deadlines } = harness();
    deadlines.set('a', 5_000);
    deadlines.delete('a');
    assert.equal(clock.pending, 0);
    deadlines.set('a', 5_000);
    deadlines.set('b', 2_000);
    assert.deepEqual(clock.pendingDelays(), [1_000], 'the timer follows the earliest key');
    deadlines.clear();
    await clock.advance(10_000);
    assert.deepEqual(fired, []);
    assert.equal(clock.pending, 0);
  });

  it('lets a callback set keys again, and keeps its heap small under many re-sets', async () => {
    const { clock, fired, deadlines } = harness();
    const again = new Deadlines(clock, (key) => {
      fired.push([key, clock.now()]);
      if (fired.length < 3) again.set(key, clock.now() + 50);
    });
    again.set('loop', 1_050);
    await clock.advance(500);
    assert.deepEqual(fired, [['loop', 1_050], ['loop', 1_100], ['loop', 1_150]]);
    for (let i = 0; i < 10_000; i++) deadlines.set(`k${i % 10}`, 2_000 + i);
    assert.equal(deadlines.size, 10);
    const slots = (deadlines as unknown as { ats: number[] }).ats.length;
    assert.ok(slots <= 2 * 10 + 65, `stale slots are dropped (${slots} held for 10 keys)`);
    await clock.advance(20_000);
    assert.deepEqual(fired.slice(3).map(([k, at]) => `${k}@${at}`), Array.from({ length: 10 }, (_, i) => `k${i}@${2_000 + 9_990 + i}`));
  });
});
