import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ConflictError, RetryableError, TerminalError } from './errors.ts';
import { ProviderReason } from './reasons.ts';
import { ZoneBatcher, type BatchOptions, type BatchPort } from './batch.ts';

/**
 * A zone whose changes are record names: 'same' needs no change, 'taken' is refused by the plan,
 * and a batch holding a bad name is refused whole, naming it (or not) as DNS backends do.
 */
class FakeZone implements BatchPort<string, string, string> {
  calls: string[][] = [];
  plans = 0;
  bad = new Set<string>();
  nameInMessage = true;
  throttleNext = 0;
  /** When set, send waits for it: a flush held in flight. */
  gate?: Promise<void> | undefined;

  async plan(_zone: string, intents: string[]) {
    this.plans++;
    return intents.map((name) => (name === 'same' ? { changes: [] } : name === 'taken' ? { error: new ConflictError(ProviderReason.Conflict, 'taken') } : { changes: [name] }));
  }

  async send(_zone: string, changes: string[]) {
    this.calls.push(changes);
    await this.gate;
    if (this.throttleNext > 0) {
      this.throttleNext--;
      throw new RetryableError(ProviderReason.Throttled, 'Rate exceeded', { throttled: true });
    }
    const bad = changes.filter((n) => this.bad.has(n));
    if (bad.length) throw new TerminalError(ProviderReason.InvalidChange, `refused: ${this.nameInMessage ? bad.map((n) => `'${n}'`).join(', ') : 'bad data'}`);
    return `C${this.calls.length}`;
  }
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `r${i}.`);
const named = (err: unknown, change: string) => (err as Error).message.includes(`'${change}'`);
const batcherOf = (zone: FakeZone, options: BatchOptions<string, 'changes' | 'chars'> = {}) =>
  new ZoneBatcher(zone, { windowMs: 20, named, limits: { changes: 1000, chars: 1_000_000 }, cost: (c) => ({ changes: 1, chars: c.length }), ...options });

/** Mocks the test's timers and clock: `advance` ticks them and lets what the timers started run. */
function mockedTime(t: TestContext): (ms: number) => Promise<void> {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  return async (ms) => {
    t.mock.timers.tick(ms);
    await new Promise<void>((r) => setImmediate(r));
  };
}

describe('ZoneBatcher', () => {
  it('sends the changes of one window as one call, planned against one read, and resolves each with the receipt', async () => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone);
    const results = await Promise.all(names(50).map((n) => batcher.submit('Z1', n)));
    assert.equal(zone.calls.length, 1);
    assert.equal(zone.plans, 1, 'one fresh read per flush');
    assert.ok(results.every((r) => r.sent && r.receipt === 'C1'));
  });

  it('keeps zones apart', async () => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone);
    await Promise.all([batcher.submit('Z1', 'a.'), batcher.submit('Z2', 'b.')]);
    assert.equal(zone.calls.length, 2);
  });

  it('packs within every limit', async () => {
    const zone = new FakeZone();
    const byCount = batcherOf(zone, { limits: { changes: 5, chars: 1000 } });
    await Promise.all(names(12).map((n) => byCount.submit('Z1', n)));
    assert.deepEqual(zone.calls.map((c) => c.length), [5, 5, 2]);
    zone.calls = [];
    const byChars = batcherOf(zone, { limits: { changes: 1000, chars: 15 } });
    await Promise.all(names(12).map((n) => byChars.submit('Z1', n)));
    assert.deepEqual(zone.calls.map((c) => c.length), [5, 5, 2], 'r0. to r9. cost 3 characters each');
  });

  it('refuses alone a change too large for any batch, typed InvalidChange', async () => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone, { limits: { changes: 10, chars: 5 } });
    const [big, small] = await Promise.allSettled([batcher.submit('Z1', 'toolong.'), batcher.submit('Z1', 'ok.')]);
    assert.ok(big.status === 'rejected' && big.reason instanceof TerminalError && big.reason.reason === ProviderReason.InvalidChange && /too large/.test(big.reason.message));
    assert.equal(small.status, 'fulfilled');
    assert.deepEqual(zone.calls, [['ok.']]);
  });

  it('resolves at once what needs no change, without a call; fails alone what the plan refuses', async () => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone);
    const [same, taken, other] = await Promise.allSettled([batcher.submit('Z1', 'same'), batcher.submit('Z1', 'taken'), batcher.submit('Z1', 'a.')]);
    assert.deepEqual(same, { status: 'fulfilled', value: { sent: false } });
    assert.ok(taken.status === 'rejected' && taken.reason instanceof ConflictError);
    assert.equal(other.status, 'fulfilled');
    assert.deepEqual(zone.calls, [['a.']]);
  });

  it('fails every intent of a flush whose plan throws (the zone could not be read)', async () => {
    const zone = new FakeZone();
    const unavailable = new RetryableError(ProviderReason.ProviderUnavailable, 'read failed');
    const batcher = new ZoneBatcher({ plan: () => Promise.reject(unavailable), send: (z: string, c: string[]) => zone.send(z, c) }, { windowMs: 20 });
    const settled = await Promise.allSettled([batcher.submit('Z1', 'a.'), batcher.submit('Z1', 'b.')]);
    assert.ok(settled.every((s) => s.status === 'rejected' && s.reason === unavailable));
    assert.equal(zone.calls.length, 0);
  });

  it('puts changes to one record set (one key) in separate batches, in order', async () => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone, { key: (c) => c });
    await Promise.all(['a.', 'b.', 'a.', 'c.'].map((n) => batcher.submit('Z1', n)));
    assert.deepEqual(zone.calls, [['a.', 'b.', 'c.'], ['a.']]);
  });

  const isolation = [
    { reason: 'the refusal names the bad change: the rest goes at once, the suspect alone', nameInMessage: true, maxCalls: 3 },
    { reason: 'the refusal names nothing: the batch is halved until the bad change stands alone', nameInMessage: false, maxCalls: 13 },
  ];
  for (const c of isolation) {
    it(`isolates one bad change in 50: ${c.reason}`, async () => {
      const zone = new FakeZone();
      zone.nameInMessage = c.nameInMessage;
      zone.bad.add('r17.');
      const batcher = batcherOf(zone);
      const settled = await Promise.allSettled(names(50).map((n) => batcher.submit('Z1', n)));
      const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
      assert.deepEqual(failed, [17], 'only the bad change fails');
      const reason = (settled[17] as PromiseRejectedResult).reason as TerminalError;
      assert.equal(reason.reason, ProviderReason.InvalidChange);
      assert.match(reason.message, /refused/, "the backend's message is kept");
      assert.ok(zone.calls.length <= c.maxCalls, `${zone.calls.length} calls`);
      const sent = new Set(zone.calls.slice(1).flat().filter((n) => n !== 'r17.'));
      assert.equal(sent.size, 49);
    });
  }

  it('splits only on the refusal the provider names', async () => {
    const zone = new FakeZone();
    zone.bad.add('r1.');
    const batcher = batcherOf(zone, { refused: () => false });
    const settled = await Promise.allSettled(names(4).map((n) => batcher.submit('Z1', n)));
    assert.ok(settled.every((s) => s.status === 'rejected'));
    assert.equal(zone.calls.length, 1);
  });

  it('stops a flush at throttling: every change of it fails typed, no further call', async () => {
    const zone = new FakeZone();
    zone.throttleNext = 1;
    const batcher = batcherOf(zone, { limits: { changes: 5, chars: 1000 } });
    const settled = await Promise.allSettled(names(12).map((n) => batcher.submit('Z1', n)));
    assert.equal(zone.calls.length, 1, 'the later batches of the flush are not sent');
    assert.ok(settled.every((s) => s.status === 'rejected' && (s.reason as RetryableError).throttled));
  });

  it('keeps one flush in flight per zone: what arrives meanwhile waits for the next', async () => {
    const zone = new FakeZone();
    let open!: () => void;
    zone.gate = new Promise((resolve) => (open = resolve));
    const batcher = batcherOf(zone, { maxWaitMs: 20 });
    const first = batcher.submit('Z1', 'a.');
    while (zone.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    const later = Promise.all([batcher.submit('Z1', 'b.'), batcher.submit('Z1', 'c.')]);
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(zone.calls, [['a.']], 'no second call while the first is in flight');
    open();
    await Promise.all([first, later]);
    assert.deepEqual(zone.calls, [['a.'], ['b.', 'c.']]);
  });

  it('waits for a quiet window after the last change, but never longer than maxWaitMs after the first', async (t) => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone, { windowMs: 100, maxWaitMs: 250 });
    const advance = mockedTime(t);
    const done = [batcher.submit('Z1', 'a.')];
    await advance(99);
    assert.equal(zone.plans, 0, 'the window is still open at 99 ms');
    // Each change re-opens the window (b at 99 ms, c at 159 ms, d at 219 ms), up to 250 ms after a.
    for (const n of ['b.', 'c.', 'd.']) {
      if (n !== 'b.') await advance(60);
      done.push(batcher.submit('Z1', n));
    }
    await advance(30);
    assert.equal(zone.plans, 0, 'not yet at 249 ms');
    await advance(1);
    await Promise.all(done);
    assert.deepEqual(zone.calls, [['a.', 'b.', 'c.', 'd.']], 'one call at 250 ms, though the window never went quiet');
    done.length = 0;
    done.push(batcher.submit('Z1', 'e.'));
    await advance(100);
    await Promise.all(done);
    assert.deepEqual(zone.calls[1], ['e.'], 'a lone change goes after one quiet window');
  });

  it('waits out pauses in a zone whose changes come in spurts (its rhythm kept across sends), till maxHoldMs or fullAt', async (t) => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone, { windowMs: 100, maxWindowMs: 800, maxWaitMs: 250, maxHoldMs: 3_000, fullAt: 20 });
    const advance = mockedTime(t);
    // A burst: one change every 50 ms, never pausing past the window: the plain window and maxWaitMs, as without a rhythm.
    const burst = [batcher.submit('Z1', 'a.')];
    for (const n of ['b.', 'c.', 'd.', 'e.']) {
      await advance(50);
      burst.push(batcher.submit('Z1', n));
    }
    await advance(49);
    assert.equal(zone.plans, 0, 'changes keep coming: held up to maxWaitMs');
    await advance(1);
    await Promise.all(burst);
    assert.deepEqual(zone.calls, [['a.', 'b.', 'c.', 'd.', 'e.']], 'cut at maxWaitMs (250 ms), not held longer');
    // Spurts: two changes, pauses of 250 ms or more, two more each: the window grows past them.
    const spurts = [batcher.submit('Z1', 's0.'), batcher.submit('Z1', 's1.')];
    await advance(100);
    await Promise.all(spurts);
    assert.equal(zone.calls.length, 2, 'the first spurt goes after the plain window: no pause seen yet');
    const held: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      await advance(250);
      held.push(batcher.submit('Z1', `h${i}a.`), batcher.submit('Z1', `h${i}b.`));
    }
    // Pauses of 250-350 ms (s1. to h0a.), remembered decaying, grow the window to 600-800 ms (100 + 2 × pause).
    await advance(599);
    assert.equal(zone.calls.length, 2, 'held across the pauses, past maxWaitMs, and 599 ms of quiet');
    await advance(201);
    await advance(2000);    await Promise.all(held);
    assert.equal(zone.calls[2]!.length, 12, 'the spurts after the first went as one batch');
    const names = Array.from({ length: 20 }, (_, i) => `f${i}.`);
    const full = names.map((n) => batcher.submit('Z1', n));
    await advance(0);
    await Promise.all(full);
    assert.deepEqual(zone.calls[3], names, 'a full batch goes at once, rhythm or not');
  });

  it('grows the window only for pauses longer than minPauseMs: the operator stalling within a burst keeps the plain window', async (t) => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone, { windowMs: 100, maxWindowMs: 800, minPauseMs: 200, maxWaitMs: 250, maxHoldMs: 3_000 });
    const advance = mockedTime(t);
    // Stalls of 180 ms between spurts: each spurt goes after the plain window.
    for (let i = 0; i < 3; i++) {
      const spurt = [batcher.submit('Z1', `b${i}a.`), batcher.submit('Z1', `b${i}b.`)];
      await advance(100);
      assert.equal(zone.calls.length, i + 1, `spurt ${i} after a stall went after the plain window`);
      await Promise.all(spurt);
      await advance(80);
    }
    // A pause of 350 ms: the window grows past the plain one.
    await advance(170);
    const held = [batcher.submit('Z1', 'p.')];
    await advance(100);
    assert.equal(zone.calls.length, 3, 'held after a pause longer than minPauseMs');
    await advance(699);
    assert.equal(zone.calls.length, 3, 'the grown window: 100 ms + twice the 350 ms pause');
    await advance(1);
    assert.deepEqual(zone.calls[3], ['p.']);
    await Promise.all(held);
  });

  it('holds a spurt of spurtAt intents for spurtWindowMs of quiet, past maxWaitMs; fewer, or urgent ones, keep the plain window', async (t) => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone, { windowMs: 100, maxWaitMs: 250, maxHoldMs: 3_000, spurtAt: 3, spurtWindowMs: 600 });
    const advance = mockedTime(t);
    const few = [batcher.submit('Z1', 'a.'), batcher.submit('Z1', 'b.')];
    await advance(100);
    await Promise.all(few);
    assert.deepEqual(zone.calls, [['a.', 'b.']], 'two: the plain window');
    const spurt = ['c.', 'd.', 'e.'].map((n) => batcher.submit('Z1', n));
    await advance(599);
    assert.equal(zone.calls.length, 1, 'three: held for 600 ms of quiet');
    const next = ['f.', 'g.'].map((n) => batcher.submit('Z1', n));
    await advance(599);
    assert.equal(zone.calls.length, 1, 'the next spurt joins it, past maxWaitMs (250 ms)');
    await advance(1);
    await Promise.all([...spurt, ...next]);
    assert.deepEqual(zone.calls[1], ['c.', 'd.', 'e.', 'f.', 'g.']);
    const deletes = ['x.', 'y.', 'z.'].map((n) => batcher.submit('Z1', n, { urgent: true }));
    await advance(100);
    await Promise.all(deletes);
    assert.deepEqual(zone.calls[2], ['x.', 'y.', 'z.'], 'urgent ones: the plain window');
  });

  it('counts a spurt over what arrived lately, not the batch alone: changes coming slower than the window are held together', async (t) => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone, { windowMs: 100, maxWaitMs: 250, maxHoldMs: 3_000, spurtAt: 3, spurtWindowMs: 600 });
    const advance = mockedTime(t);
    const done: Promise<unknown>[] = [];
    for (const n of ['a.', 'b.', 'c.', 'd.', 'e.']) {
      done.push(batcher.submit('Z1', n));
      await advance(150);
    }
    await advance(600);
    await Promise.all(done);
    assert.deepEqual(zone.calls, [['a.'], ['b.'], ['c.'], ['d.', 'e.']], 'one by one until about three came within a window of 600 ms, then held together');
  });

  it('never holds an urgent intent for the rhythm, nor counts it in the rhythm: a stream of deletes goes window by window', async (t) => {
    const zone = new FakeZone();
    const batcher = batcherOf(zone, { windowMs: 100, maxWindowMs: 800, maxWaitMs: 250, maxHoldMs: 3_000 });
    const advance = mockedTime(t);
    // Urgent spurts with pauses of 250 ms (the operator's pacing of a delete): each after the plain window.
    for (let i = 0; i < 4; i++) {
      const spurt = [batcher.submit('Z1', `d${i}a.`, { urgent: true }), batcher.submit('Z1', `d${i}b.`, { urgent: true })];
      await advance(100);
      assert.equal(zone.calls.length, i + 1, `urgent spurt ${i} went after the plain window`);
      await Promise.all(spurt);
      await advance(150);
    }
    // Patient spurts: the first goes after the plain window (the urgent ones left no rhythm), the next is held...
    const first = [batcher.submit('Z1', 's0.'), batcher.submit('Z1', 's1.')];
    await advance(100);
    await Promise.all(first);
    assert.equal(zone.calls.length, 5);
    await advance(250);
    const held = [batcher.submit('Z1', 'h0a.'), batcher.submit('Z1', 'h0b.')];
    await advance(50);
    // ...until an urgent intent joins: the batch then goes one plain window later, before maxWaitMs.
    const urgent = batcher.submit('Z1', 'u.', { urgent: true });
    await advance(99);
    assert.equal(zone.calls.length, 5, 'the plain window from the urgent intent');
    await advance(1);
    assert.deepEqual(zone.calls[5], ['h0a.', 'h0b.', 'u.']);
    await Promise.all([...held, urgent]);
  });
});

/**
 * A zone whose port knows its state (a set of names, kept true by its own writes) and a limiter
 * whose slots the test grants one by one: the batch is cut at the grant.
 */
class KnownZone extends FakeZone {
  state = new Set<string>();
  knows = false;
  reads = 0;
  inSlot: boolean[] = [];
  /** Slots asked for and not yet granted. */
  waiting: (() => void)[] = [];

  override async plan(zone: string, intents: string[]) {
    this.plans++;
    await this.read(zone);
    return this.known(zone, intents)!;
  }

  known(_zone: string, intents: string[]) {
    if (!this.knows) return undefined;
    // A name the zone holds needs nothing; 'stale' is planned as absent whatever the zone holds.
    return intents.map((name) => ({ changes: this.state.has(name) ? [] : [name] }));
  }

  async read(_zone: string) {
    this.reads++;
    this.knows = true;
  }

  override async send(zone: string, changes: string[], inSlot = false) {
    this.inSlot.push(inSlot);
    const receipt = await super.send(zone, changes);
    for (const c of changes) this.state.add(c);
    return receipt;
  }

  slot = (_zone: string, write: () => Promise<void>) => new Promise<void>((resolve) => this.waiting.push(resolve)).then(write);

  grant(): void {
    this.waiting.shift()!();
  }
}

describe('ZoneBatcher with a known state and a slot', () => {
  const settle = () => new Promise<void>((r) => setImmediate(r));
  const setup = (t: TestContext, options: BatchOptions<string, 'changes' | 'chars'> = {}) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const zone = new KnownZone();
    const batcher = batcherOf(zone, { windowMs: 100, maxWaitMs: 1000, slot: zone.slot, ...options });
    const advance = async (ms: number) => {
      t.mock.timers.tick(ms);
      await settle();
    };
    return { zone, batcher, advance };
  };

  it('cuts the batch when the limiter grants the slot: what arrives while it waits joins, with no read per flush', async (t) => {
    const { zone, batcher, advance } = setup(t);
    const done = [batcher.submit('Z1', 'a.')];
    await advance(100);
    assert.equal(zone.waiting.length, 1, 'the flush waits for its slot');
    done.push(batcher.submit('Z1', 'b.'), batcher.submit('Z1', 'c.'));
    await advance(500);
    assert.deepEqual(zone.calls, [], 'no call before the slot');
    zone.grant();
    const results = await Promise.all(done);
    assert.deepEqual(zone.calls, [['a.', 'b.', 'c.']]);
    assert.deepEqual(zone.inSlot, [true], 'the write is the request the slot was granted for');
    assert.ok(results.every((r) => r.receipt === 'C1'));
    await settle();
    done.length = 0;
    done.push(batcher.submit('Z1', 'd.'), batcher.submit('Z1', 'a.'));
    await advance(100);
    zone.grant();
    await Promise.all(done);
    assert.deepEqual(zone.calls[1], ['d.'], 'planned from the state its own write left: a. needs nothing');
    assert.equal(zone.reads, 1, 'one read, before the first flush only');
    assert.equal(zone.plans, 0, 'no fresh plan');
  });

  it('with no load, a change goes one window after it arrived', async (t) => {
    const { zone, batcher, advance } = setup(t);
    const done = batcher.submit('Z1', 'a.');
    await advance(99);
    assert.equal(zone.waiting.length, 0);
    await advance(1);
    zone.grant();
    await done;
    assert.deepEqual(zone.calls, [['a.']]);
  });

  it('sends in the slot only the first batch within the limits; the rest go through the limiter after it', async (t) => {
    const { zone, batcher, advance } = setup(t, { limits: { changes: 2, chars: 1000 } });
    const done = Promise.all(names(5).map((n) => batcher.submit('Z1', n)));
    await advance(100);
    zone.grant();
    await done;
    assert.deepEqual(zone.calls.map((c) => c.length), [2, 2, 1]);
    assert.deepEqual(zone.inSlot, [true, false, false]);
  });

  it('plans a refused batch again on a fresh read (its plan may be stale), then isolates the bad change', async (t) => {
    const { zone, batcher, advance } = setup(t);
    zone.bad.add('r2.');
    const settled = Promise.allSettled(names(4).map((n) => batcher.submit('Z1', n)));
    await advance(100);
    zone.grant();
    const results = await settled;
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.equal(zone.plans, 1, 'one fresh plan after the refusal');
    assert.deepEqual(zone.calls, [names(4), names(4), ['r0.', 'r1.', 'r3.'], ['r2.']], 'the fresh plan is sent whole, then the named change alone');
  });

  it('stops at throttling in the slot: every change of the cut fails typed, no further call', async (t) => {
    const { zone, batcher, advance } = setup(t, { limits: { changes: 2, chars: 1000 } });
    zone.throttleNext = 1;
    const settled = Promise.allSettled(names(5).map((n) => batcher.submit('Z1', n)));
    await advance(100);
    zone.grant();
    const results = await settled;
    assert.equal(zone.calls.length, 1);
    assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as RetryableError).throttled));
  });

  it('plans afresh after the slot when the port lost its state meanwhile, sending nothing in the slot', async (t) => {
    const { zone, batcher, advance } = setup(t);
    const done = batcher.submit('Z1', 'a.');
    await advance(100);
    zone.knows = false;
    zone.grant();
    await done;
    assert.equal(zone.plans, 1);
    assert.deepEqual(zone.inSlot, [false]);
  });

  it('fails what is queued when the read before the slot fails', async (t) => {
    const { zone, batcher, advance } = setup(t);
    const unavailable = new RetryableError(ProviderReason.ProviderUnavailable, 'read failed');
    zone.read = () => Promise.reject(unavailable);
    const done = assert.rejects(batcher.submit('Z1', 'a.'), (err) => err === unavailable);
    await advance(100);
    await done;
    assert.equal(zone.waiting.length, 0, 'no slot asked for');
  });
});
