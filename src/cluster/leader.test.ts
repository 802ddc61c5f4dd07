import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, settle } from '../runtime/clock.ts';
import { createLogger } from '../runtime/logger.ts';
import { LeaderElector, microTime, type LeaseApi, type LeaseRecord } from './leader.ts';

/** One Lease in memory, optimistic like the apiserver; `down` makes every call fail. */
class FakeLease implements LeaseApi {
  record: LeaseRecord | undefined;
  private rv = 0;
  down = false;
  writes: LeaseRecord[] = [];
  async get() {
    if (this.down) throw new Error('connection refused');
    return this.record && { ...this.record };
  }
  async create(r: Omit<LeaseRecord, 'resourceVersion'>) {
    if (this.down) throw new Error('connection refused');
    if (this.record) throw Object.assign(new Error('exists'), { code: 409 });
    return this.store({ ...r, resourceVersion: '' });
  }
  async update(r: LeaseRecord) {
    if (this.down) throw new Error('connection refused');
    if (!this.record || r.resourceVersion !== this.record.resourceVersion) throw Object.assign(new Error('conflict'), { code: 409 });
    return this.store(r);
  }
  /** Another replica renewing the Lease it holds. */
  renewAs(holder: string, durationSeconds = 15) {
    this.store({ holder, durationSeconds, transitions: this.record?.transitions ?? 0, resourceVersion: '' });
  }
  private store(r: LeaseRecord) {
    this.record = { ...r, resourceVersion: String(++this.rv) };
    this.writes.push(this.record);
    return { ...this.record };
  }
}

function elector(lease: FakeLease, clock: FakeClock, identity = 'me') {
  const events: string[] = [];
  const e = new LeaderElector({
    lease, identity, clock, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
    log: createLogger({ level: 'silent' }),
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
    onNewLeader: (who) => events.push(`leader=${who}`),
  });
  const done = e.run();
  return { e, events, done };
}

describe('LeaderElector', () => {
  it('creates a missing Lease and leads, renewing every retry period', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock(1_000_000);
    const { e, events } = elector(lease, clock);
    await settle();
    assert.deepEqual(events, ['leader=me', 'started']);
    assert.equal(e.isLeader, true);
    assert.equal(lease.record?.holder, 'me');
    const before = lease.writes.length;
    await clock.advance(10_000);
    assert.ok(lease.writes.length - before >= 4, 'renewed about every 2 s');
    await e.stop();
  });

  it('waits while another replica keeps renewing, and takes over once the Lease stayed unchanged for its duration', async () => {
    const lease = new FakeLease();
    lease.renewAs('other');
    const clock = new FakeClock(0);
    const { e, events } = elector(lease, clock);
    for (let i = 0; i < 10; i++) {
      await clock.advance(5_000);
      lease.renewAs('other');
    }
    assert.equal(e.isLeader, false, 'never leads while the leader renews');
    assert.deepEqual(events, ['leader=other']);
    // The other replica dies: no more renewals.
    await clock.advance(14_000);
    assert.equal(e.isLeader, false, 'not before the duration has passed unchanged');
    await clock.advance(6_000);
    assert.equal(e.isLeader, true);
    assert.equal(lease.record?.transitions, 1);
    assert.deepEqual(events, ['leader=other', 'leader=me', 'started']);
    await e.stop();
  });

  it('judges expiry by the duration the Lease declares, not its own', async () => {
    const lease = new FakeLease();
    lease.renewAs('other', 60);
    const clock = new FakeClock(0);
    const { e } = elector(lease, clock);
    await clock.advance(30_000);
    assert.equal(e.isLeader, false, 'the holder declared 60 s');
    await clock.advance(35_000);
    assert.equal(e.isLeader, true);
    await e.stop();
  });

  it('stops leading once it could not renew for the renew deadline, before the Lease can expire', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock(0);
    const { e, events, done } = elector(lease, clock);
    await settle();
    lease.down = true;
    await clock.advance(8_000);
    assert.equal(e.isLeader, true, 'still inside the renew deadline');
    await clock.advance(4_000);
    await done;
    assert.equal(e.isLeader, false);
    assert.deepEqual(events, ['leader=me', 'started', 'stopped']);
    assert.ok(clock.now() < 15_000, 'stopped before a standby could take the Lease');
  });

  it('stops leading at once when it finds the Lease held by another', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock(0);
    const { events, done } = elector(lease, clock);
    await settle();
    lease.renewAs('thief');
    await clock.advance(2_500);
    await done;
    assert.deepEqual(events, ['leader=me', 'started', 'leader=thief', 'stopped']);
  });

  it('releases the Lease on stop, and a standby takes it at its next try', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock(0);
    const a = elector(lease, clock, 'a');
    await settle();
    const b = elector(lease, clock, 'b');
    await clock.advance(3_000);
    assert.equal(b.e.isLeader, false);
    await a.e.stop();
    assert.deepEqual(a.events, ['leader=a', 'started'], 'a clean stop is not a lost leadership');
    assert.equal(lease.record?.holder, '');
    await clock.advance(3_000);
    assert.equal(b.e.isLeader, true, 'taken within one retry period');
    await b.e.stop();
  });

  it('refuses a renew deadline not shorter than the lease duration', () => {
    assert.throws(() => new LeaderElector({
      lease: new FakeLease(), identity: 'x', leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 1_000,
      log: createLogger({ level: 'silent' }), onStartedLeading() {}, onStoppedLeading() {},
    }), /shorter/);
  });
});

it('microTime writes the six fractional digits the apiserver requires', () => {
  assert.equal(microTime(Date.UTC(2026, 10, 25, 10, 0, 0, 123)), '2026-11-25T10:00:00.123000Z');
});
