import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, settle } from '../runtime/clock.ts';
import { createLogger } from '../runtime/logger.ts';
import { Membership, ownerOf, type MemberRecord, type MembershipApi } from './shards.ts';

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
  api(identity: string, durationSeconds = 15): MembershipApi {
    return {
      list: async () => [...this.leases.values()],
      renew: async () => {
        if (this.failing.has(identity)) throw new Error('unreachable');
        this.leases.set(identity, { identity, durationSeconds, resourceVersion: String(++this.rv) });
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
