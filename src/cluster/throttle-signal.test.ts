import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limits } from '../limits/index.ts';
import { FakeClock } from '../runtime/clock.ts';
import { ThrottleSignal } from './throttle-signal.ts';

const KEY = 'aws:123456789012:route53';

function replica(clock: FakeClock) {
  const limits = new Limits();
  const limiter = limits.account(KEY, { requestsPerSecond: 4.5 });
  return { limits, limiter, signal: new ThrottleSignal(limits, 5_000, clock) };
}

describe('ThrottleSignal', () => {
  it('reports the keys this replica was throttled on, until the hold ends', async () => {
    const clock = new FakeClock(1_000);
    const a = replica(clock);
    assert.equal(a.signal.annotation(), null, 'nothing to say: the annotation is removed');
    a.limiter.throttled();
    assert.deepEqual(JSON.parse(a.signal.annotation()!), { [KEY]: 6_000 });
    await clock.advance(5_000);
    assert.equal(a.signal.annotation(), null);
  });

  it('slows another member down once per throttle it reports, never on a stale or malformed one', async () => {
    const clock = new FakeClock(1_000);
    const [a, b] = [replica(clock), replica(clock)];
    const base = b.limiter.currentIntervalMs;
    a.limiter.throttled();
    const said = a.signal.annotation()!;
    b.signal.heardFrom('a', said);
    const slowed = b.limiter.currentIntervalMs;
    assert.ok(slowed > base, `slowed from ${base} to ${slowed} ms`);
    b.signal.heardFrom('a', said);
    assert.equal(b.limiter.currentIntervalMs, slowed, 'the same report read again (the next list) is not a new throttle');
    await clock.advance(1_000);
    a.limiter.throttled();
    b.signal.heardFrom('a', a.signal.annotation()!);
    assert.ok(b.limiter.currentIntervalMs > slowed, 'throttled again: slower again');
    const now = b.limiter.currentIntervalMs;
    for (const bad of ['not json', '[1]', JSON.stringify({ [KEY]: 'soon' }), JSON.stringify({ [KEY]: clock.now() - 1 }), undefined]) b.signal.heardFrom('c', bad);
    assert.equal(b.limiter.currentIntervalMs, now, 'nothing from malformed or expired reports');
  });

  it('does not echo: a throttle heard from another member is not reported again', () => {
    const clock = new FakeClock(1_000);
    const [a, b] = [replica(clock), replica(clock)];
    a.limiter.throttled();
    b.signal.heardFrom('a', a.signal.annotation()!);
    assert.equal(b.signal.annotation(), null);
  });
});
