import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, settle } from '../runtime/clock.ts';
import { createLogger } from '../runtime/logger.ts';
import { Limits } from '../limits/index.ts';
import { Membership, ownerOf, shareOf, type MemberRecord, type MembershipApi } from './shards.ts';
import { THROTTLED_ANNOTATION, ThrottleSignal } from './throttle-signal.ts';

describe('ownerOf (rendezvous hashing)', () => {
  const keys = Array.from({ length: 3000 }, (_, i) => `Bucket/ns/b${i}`);

  it('gives every key exactly one owner, spread evenly', () => {
    const members = ['a', 'b', 'c'];
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(ownerOf(k, members)!, (counts.get(ownerOf(k, members)!) ?? 0) + 1);
    for (const m of members) assert.ok(counts.get(m)! > 800 && counts.get(m)! < 1200, `${m}: ${counts.get(m)}`);
  });

  it("moves only the leaving member's keys when one leaves, and only keys to the newcomer when one joins", () => {
    const before = keys.map((k) => ownerOf(k, ['a', 'b', 'c']));
    const without = keys.map((k) => ownerOf(k, ['a', 'c']));
    keys.forEach((_, i) => before[i] !== 'b' && assert.equal(without[i], before[i]));
    const joined = keys.map((k) => ownerOf(k, ['a', 'b', 'c', 'd']));
    keys.forEach((_, i) => joined[i] !== 'd' && assert.equal(joined[i], before[i]));
  });

  it('does not depend on the order members are listed in', () => {
    for (const k of keys.slice(0, 100)) assert.equal(ownerOf(k, ['a', 'b', 'c']), ownerOf(k, ['c', 'a', 'b']));
  });

  it('has no owner without members', () => assert.equal(ownerOf('x', []), undefined));
});

/** The group's Leases in memory: each member renewing bumps its resourceVersion. */
class FakeGroup {
  leases = new Map<string, MemberRecord>();
  private rv = 0;
  failing = new Set<string>();
  api(identity: string, durationSeconds = 15, annotations: () => Record<string, string | null> = () => ({})): MembershipApi {
    return {
      list: async () => [...this.leases.values()],
      renew: async () => {
        if (this.failing.has(identity)) throw new Error('unreachable');
        const said = Object.fromEntries(Object.entries(annotations()).filter((e): e is [string, string] => e[1] !== null));
        this.leases.set(identity, { identity, durationSeconds, resourceVersion: String(++this.rv), annotations: said });
      },
      release: async () => {
        this.leases.delete(identity);
      },
    };
  }
  /** Another replica renewing its Lease. */
  renew(identity: string) {
    this.leases.set(identity, { identity, durationSeconds: 15, resourceVersion: String(++this.rv) });
  }
}

function member(group: FakeGroup, clock: FakeClock, identity: string) {
  const changes: string[][] = [];
  let lost = false;
  const m = new Membership({
    api: group.api(identity), identity, clock, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
    log: createLogger({ level: 'silent' }),
    onChange: (members) => changes.push(members),
    onLost: () => (lost = true),
  });
  const done = m.run();
  return { m, changes, done, lost: () => lost };
}

describe('Membership', () => {
  it('counts others as soon as it sees them, and itself only after a lease duration', async () => {
    const group = new FakeGroup();
    const clock = new FakeClock(0);
    group.renew('a');
    const b = member(group, clock, 'b');
    await settle();
    assert.deepEqual(b.m.members, ['a'], 'the established member at once');
    for (let t = 0; t < 14; t += 2) {
      await clock.advance(2_000);
      group.renew('a');
    }
    assert.deepEqual(b.m.members, ['a'], 'not itself yet: the old owners still hold its keys');
    await clock.advance(2_000);
    group.renew('a');
    await clock.advance(2_000);
    assert.deepEqual(b.m.members, ['a', 'b']);
    await b.m.stop();
  });

  it('drops a member whose Lease stayed unchanged for its duration', async () => {
    const group = new FakeGroup();
    const clock = new FakeClock(0);
    group.renew('a');
    const b = member(group, clock, 'b');
    for (let t = 0; t < 20; t += 2) {
      await clock.advance(2_000);
      group.renew('a');
    }
    assert.deepEqual(b.m.members, ['a', 'b']);
    await clock.advance(14_000); // a died right after its last renewal
    assert.deepEqual(b.m.members, ['a', 'b']);
    await clock.advance(4_000);
    assert.deepEqual(b.m.members, ['b']);
    assert.ok(b.m.owns('Bucket/ns/anything'), 'the survivor owns everything');
    await b.m.stop();
  });

  it('gives up its share once it could not renew for the renew deadline, before others drop it', async () => {
    const group = new FakeGroup();
    const clock = new FakeClock(0);
    const a = member(group, clock, 'a');
    await clock.advance(16_000);
    assert.deepEqual(a.m.members, ['a']);
    group.failing.add('a');
    await clock.advance(8_000);
    assert.equal(a.lost(), false);
    await clock.advance(4_000);
    await a.done;
    assert.equal(a.lost(), true);
    assert.deepEqual(a.m.members, [], 'owns nothing any more');
    assert.equal(a.m.owns('Bucket/ns/x'), false);
  });

  it('deletes its Lease on stop', async () => {
    const group = new FakeGroup();
    const clock = new FakeClock(0);
    const a = member(group, clock, 'a');
    await settle();
    assert.ok(group.leases.has('a'));
    await a.m.stop();
    assert.equal(group.leases.has('a'), false);
  });
});

describe('shareOf', () => {
  it('ranks this replica among the members and itself, the same on every replica', () => {
    assert.deepEqual(shareOf(['a', 'b', 'c'], 'b'), { index: 1, of: 3 });
    assert.deepEqual(shareOf(['c', 'a'], 'b'), { index: 1, of: 3 }, 'not yet in its own ring: the rank it will have, as the others count it');
    assert.deepEqual(shareOf([], 'b'), { index: 0, of: 1 });
  });
});

describe('Membership with the account budget: the limits of the members add up to it', () => {
  const KEY = 'aws:123456789012:route53';
  const GROW_MS = 20;

  /** A member as run.ts wires it: its ring reshares its Limits, throttles travel on its Lease. */
  function budgeted(group: FakeGroup, clock: FakeClock, identity: string) {
    const limits = new Limits();
    const limiter = limits.account(KEY, { requestsPerSecond: 4.5 });
    const signal = new ThrottleSignal(limits, 7_000, clock);
    const m = new Membership({
      api: group.api(identity, 15, () => ({ [THROTTLED_ANNOTATION]: signal.annotation() })), identity, clock,
      leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, log: createLogger({ level: 'silent' }),
      onChange: (members) => members.length && limits.reshare(shareOf(members, identity), GROW_MS),
      onLost: () => undefined,
      heard: (r) => signal.heardFrom(r.identity, r.annotations?.[THROTTLED_ANNOTATION]),
    });
    const done = m.run();
    return { m, limits, limiter, done };
  }
  const grown = () => new Promise((resolve) => setTimeout(resolve, GROW_MS * 3));

  it('splits the budget of 5 a window as the members join, and gives a dead member\'s part back to the survivors', async () => {
    const group = new FakeGroup();
    const clock = new FakeClock(0);
    const members = ['a', 'b', 'c'].map((id) => budgeted(group, clock, id));
    await clock.advance(2_000);
    await grown();
    assert.deepEqual(members.map((r) => r.limiter.windowCap), [2, 2, 1], 'ranked a, b, c: 5 = 2 + 2 + 1, before any counts itself');
    const [a, b, c] = members as [ReturnType<typeof budgeted>, ReturnType<typeof budgeted>, ReturnType<typeof budgeted>];
    await b.m.stop(); // b's Lease deleted, as a clean stop does
    await clock.advance(2_000);
    assert.deepEqual([a.limiter.windowCap, c.limiter.windowCap], [2, 1], 'growing waits until every member has seen the ring');
    assert.ok(a.limiter.windowCap + c.limiter.windowCap <= 5);
    await grown();
    assert.deepEqual([a.limiter.windowCap, c.limiter.windowCap], [3, 2], 'the survivors take the dead member\'s part');
    for (const r of [a, c]) await r.m.stop();
    for (const r of members) r.limits.stop();
  });

  it('slows every member down when one is throttled, within a retry period', async () => {
    const group = new FakeGroup();
    const clock = new FakeClock(0);
    const [a, b] = [budgeted(group, clock, 'a'), budgeted(group, clock, 'b')];
    await clock.advance(2_000);
    const before = b.limiter.currentIntervalMs;
    a.limiter.throttled();
    await clock.advance(2_000);
    await clock.advance(2_000);
    assert.ok(b.limiter.currentIntervalMs > before, `b slowed from ${before} to ${b.limiter.currentIntervalMs} ms`);
    assert.equal(b.limiter.throttledCount, 0, 'b was not throttled itself');
    for (const r of [a, b]) {
      await r.m.stop();
      r.limits.stop();
    }
  });
});
