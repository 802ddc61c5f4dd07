import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, settle } from './clock.ts';
import { Informer, type InformerOptions, type KubeObject, type ListResult, type ListWatch, type WatchEvent } from './informer.ts';

interface Thing extends KubeObject {
  spec?: { size: number };
}

function thing(name: string, rv: string, namespace = 'ns', size = 1): Thing {
  return { kind: 'Thing', metadata: { name, namespace, resourceVersion: rv }, spec: { size } };
}

/** One watch the informer opened; the test plays the apiserver's side of it. */
interface FakeWatch {
  rv: string;
  at: number;
  aborted: boolean;
  emit(type: string, object: unknown): void;
  end(err?: unknown): void;
}

/** An apiserver the test scripts: list answers in order (the last one repeats), watches by hand. */
class FakeListWatch implements ListWatch<Thing> {
  listAnswers: (ListResult<Thing> | Error | Promise<ListResult<Thing>>)[] = [];
  listTimes: number[] = [];
  watches: FakeWatch[] = [];
  watchRejects = 0;
  private readonly clock: FakeClock;
  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  async list(): Promise<ListResult<Thing>> {
    this.listTimes.push(this.clock.now());
    const answer = this.listAnswers.length > 1 ? this.listAnswers.shift()! : this.listAnswers[0]!;
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async watch(rv: string, onEvent: (e: WatchEvent<Thing>) => void, onDone: (err?: unknown) => void) {
    if (this.watchRejects > 0) {
      this.watchRejects--;
      throw new Error('connect ECONNREFUSED');
    }
    const w: FakeWatch = {
      rv,
      at: this.clock.now(),
      aborted: false,
      emit: (type, object) => onEvent({ type, object: object as Thing }),
      end: (err) => onDone(err),
    };
    this.watches.push(w);
    return { abort: () => { w.aborted = true; } };
  }

  get last(): FakeWatch {
    return this.watches.at(-1)!;
  }
}

function harness(options: Partial<InformerOptions<Thing>> = {}) {
  const clock = new FakeClock();
  const lw = new FakeListWatch(clock);
  const events: string[] = [];
  const errors: string[] = [];
  const informer = new Informer<Thing>({
    listWatch: lw,
    clock,
    handlers: {
      onAdd: (o) => events.push(`add ${o.metadata!.name}@${o.metadata!.resourceVersion}`),
      onUpdate: (p, o) => events.push(`update ${o.metadata!.name}@${p.metadata!.resourceVersion}->${o.metadata!.resourceVersion}`),
      onDelete: (o) => events.push(`delete ${o.metadata!.name}`),
      onResync: (k) => events.push(`resync ${k}`),
    },
    onError: (err, during) => errors.push(`${during}: ${(err as Error).message}`),
    ...options,
  });
  /** Events since the last call. */
  const take = () => events.splice(0);
  return { clock, lw, informer, take, errors };
}

const gone = { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 5 (90)' };

describe('Informer', () => {
  it('lists, caches by namespace/name, tells onAdd, and watches from the list\'s resourceVersion', async () => {
    const h = harness();
    h.lw.listAnswers = [{ items: [thing('a', '3'), thing('b', '4'), { kind: 'Cluster', metadata: { name: 'c', resourceVersion: '5' } }], resourceVersion: '10' }];
    assert.equal(h.informer.hasSynced(), false);
    const synced = h.informer.whenSynced();
    h.informer.start();
    await settle();
    assert.equal(await synced, true);
    assert.equal(h.informer.hasSynced(), true);
    assert.deepEqual(h.take(), ['add a@3', 'add b@4', 'add c@5']);
    assert.deepEqual(h.informer.keys().sort(), ['c', 'ns/a', 'ns/b']);
    assert.equal(h.informer.get('ns/a')?.metadata?.resourceVersion, '3');
    assert.equal(h.lw.watches.length, 1);
    assert.equal(h.lw.last.rv, '10');
    h.informer.stop();
  });

  it('applies watch events to the cache and the handlers, following their resourceVersions', async () => {
    const h = harness();
    h.lw.listAnswers = [{ items: [thing('a', '3')], resourceVersion: '10' }];
    h.informer.start();
    await settle();
    h.take();
    h.lw.last.emit('ADDED', thing('b', '11'));
    h.lw.last.emit('MODIFIED', thing('a', '12', 'ns', 2));
    h.lw.last.emit('DELETED', thing('b', '13'));
    h.lw.last.emit('SOMETHING_NEW', thing('z', '14'));
    assert.deepEqual(h.take(), ['add b@11', 'update a@3->12', 'delete b']);
    assert.deepEqual(h.informer.keys(), ['ns/a']);
    assert.equal(h.informer.get('ns/a')?.spec?.size, 2);
    assert.equal(h.informer.resourceVersion, '13');
    h.informer.stop();
  });

  it('follows BOOKMARKs without touching the cache, and restarts from them', async () => {
    const h = harness();
    h.lw.listAnswers = [{ items: [thing('a', '3')], resourceVersion: '10' }];
    h.informer.start();
    await settle();
    h.take();
    h.lw.last.emit('BOOKMARK', { kind: 'Thing', metadata: { resourceVersion: '57' } });
    assert.deepEqual(h.take(), []);
    assert.equal(h.informer.size, 1);
    h.lw.last.end();
    await h.clock.advance(100);
    assert.equal(h.lw.watches.length, 2);
    assert.equal(h.lw.last.rv, '57', 'the new watch starts at the bookmark');
    assert.equal(h.lw.listTimes.length, 1, 'no re-list for a watch that just ended');
    h.informer.stop();
  });

  it('restarts a watch that ended normally 0.1 s later, not sooner', async () => {
    const h = harness();
    h.lw.listAnswers = [{ items: [], resourceVersion: '10' }];
    h.informer.start();
    await settle();
    h.lw.last.emit('ADDED', thing('a', '11'));
    await h.clock.advance(60_000);
    h.lw.last.end();
    await h.clock.advance(99);
    assert.equal(h.lw.watches.length, 1);
    await h.clock.advance(1);
    assert.equal(h.lw.watches.length, 2);
    assert.equal(h.lw.last.rv, '11');
    assert.deepEqual(h.errors, []);
    h.informer.stop();
  });

  it('backs off 0.1 s doubling to 5 s while watches keep failing, and resets after a healthy one', async () => {
    const h = harness();
    h.lw.listAnswers = [{ items: [], resourceVersion: '10' }];
    h.informer.start();
    await settle();
    // Each new watch fails as soon as it is open; measure from its end to the next one's start.
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const count = h.lw.watches.length;
      h.lw.last.end(new Error('connection reset'));
      const endedAt = h.clock.now();
      while (h.lw.watches.length === count) await h.clock.advance(50);
      delays.push(h.lw.last.at - endedAt);
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    assert.equal(h.errors.length, 8);
    // This one lasts: the next restart is prompt again.
    await h.clock.advance(5_000);
    h.lw.last.end(new Error('connection reset'));
    const endedAt = h.clock.now();
    await h.clock.advance(10_000);
    assert.equal(h.lw.last.at - endedAt, 100);
    h.informer.stop();
  });

  it('restarts a watch whose start failed', async () => {
    const h = harness();
    h.lw.listAnswers = [{ items: [], resourceVersion: '10' }];
    h.lw.watchRejects = 2;
    h.informer.start();
    await h.clock.advance(300);
    assert.equal(h.lw.watches.length, 1, 'third attempt, after 0.1 s and 0.2 s');
    assert.equal(h.lw.last.at, 300);
    assert.deepEqual(h.errors, ['watch: connect ECONNREFUSED', 'watch: connect ECONNREFUSED']);
    h.informer.stop();
  });

  const goneCases: { reason: string; end: (w: FakeWatch) => void }[] = [
    { reason: 'an ERROR event with code 410', end: (w) => w.emit('ERROR', gone) },
    { reason: 'a 410 status on the watch request', end: (w) => w.end(Object.assign(new Error('Gone'), { statusCode: 410 })) },
  ];
  it('a re-list that finds a name taken again by a new object (another uid) deletes the old one and adds the new, never updates one into the other', async () => {
    const h = harness();
    const withUid = (t: Thing, uid: string): Thing => ({ ...t, metadata: { ...t.metadata, uid } });
    h.lw.listAnswers = [
      { items: [withUid(thing('r0', '3'), 'old-uid'), withUid(thing('same', '4'), 'u2')], resourceVersion: '10' },
      { items: [withUid(thing('r0', '30'), 'new-uid'), withUid(thing('same', '40'), 'u2')], resourceVersion: '90' },
    ];
    const deleted: (string | undefined)[] = [];
    h.informer.addHandlers({ onDelete: (o) => deleted.push(o.metadata?.uid) });
    h.informer.start();
    await settle();
    h.take();
    h.lw.last.emit('ERROR', gone);
    await h.clock.advance(100);
    assert.deepEqual(h.take(), ['delete r0', 'add r0@30', 'update same@4->40']);
    assert.deepEqual(deleted, ['old-uid'], 'the handlers are told of the old object, by its own uid');
    h.lw.last.emit('ADDED', withUid(thing('same', '41'), 'u3'));
    assert.deepEqual(h.take(), ['delete same', 'add same@41'], 'likewise from a watch event');
    h.informer.stop();
  });

  for (const c of goneCases) {
    it(`re-lists on ${c.reason}, and tells the handlers what changed meanwhile`, async () => {
      const h = harness();
      h.lw.listAnswers = [
        { items: [thing('keep', '3'), thing('change', '4'), thing('vanish', '5')], resourceVersion: '10' },
        { items: [thing('keep', '3'), thing('change', '40'), thing('new', '41')], resourceVersion: '90' },
      ];
      h.informer.start();
      await settle();
      h.take();
      const first = h.lw.last;
      c.end(first);
      await h.clock.advance(100);
      assert.equal(first.aborted, true, 'the old watch is closed');
      assert.equal(h.lw.listTimes.length, 2);
      assert.deepEqual(h.take(), ['delete vanish', 'update change@4->40', 'add new@41']);
      assert.deepEqual(h.informer.keys().sort(), ['ns/change', 'ns/keep', 'ns/new']);
      assert.equal(h.lw.last.rv, '90', 'watches from the new list');
      assert.deepEqual(h.errors, [], 'a 410 is routine, not an error');
      h.informer.stop();
    });
  }

  it('ignores what a watch sends after it ended', async () => {
    const h = harness();
    h.lw.listAnswers = [{ items: [], resourceVersion: '10' }];
    h.informer.start();
    await settle();
    const first = h.lw.last;
    first.emit('ERROR', { kind: 'Status', code: 500, message: 'etcd is sad' });
    assert.equal(first.aborted, true);
    first.emit('ADDED', thing('late', '11'));
    assert.equal(h.informer.size, 0);
    assert.deepEqual(h.errors, ['watch: watch error: etcd is sad']);
    await h.clock.advance(100);
    assert.equal(h.lw.last.rv, '10', 'a non-410 error restarts the watch without a re-list');
    assert.equal(h.lw.listTimes.length, 1);
    h.informer.stop();
  });

  it('retries a failing list with backoff and is not synced until one succeeds', async () => {
    const h = harness();
    h.lw.listAnswers = [new Error('forbidden'), new Error('forbidden'), { items: [thing('a', '1')], resourceVersion: '2' }];
    h.informer.start();
    await settle();
    assert.equal(h.informer.hasSynced(), false);
    await h.clock.advance(1000);
    assert.deepEqual(h.lw.listTimes, [0, 100, 300]);
    assert.equal(h.informer.hasSynced(), true);
    assert.deepEqual(h.errors, ['list: forbidden', 'list: forbidden']);
    h.informer.stop();
  });

  it('resyncs every cached key each jittered period', async () => {
    const h = harness({ resyncPeriodMs: 300_000, resyncJitter: 0.1, random: () => 1 });
    h.lw.listAnswers = [{ items: [thing('a', '1'), thing('b', '2')], resourceVersion: '2' }];
    h.informer.start();
    await settle();
    h.take();
    await h.clock.advance(330_000 - 1);
    assert.deepEqual(h.take(), [], 'random 1 with 10% jitter: 330 s');
    await h.clock.advance(1);
    assert.deepEqual(h.take(), ['resync ns/a', 'resync ns/b']);
    await h.clock.advance(330_000);
    assert.deepEqual(h.take(), ['resync ns/a', 'resync ns/b'], 'and again');
    h.informer.stop();
  });

  it('spreads resyncs down to period × (1 − jitter)', async () => {
    const h = harness({ resyncPeriodMs: 300_000, resyncJitter: 0.1, random: () => 0 });
    h.lw.listAnswers = [{ items: [thing('a', '1')], resourceVersion: '2' }];
    h.informer.start();
    await settle();
    h.take();
    await h.clock.advance(270_000);
    assert.deepEqual(h.take(), ['resync ns/a']);
    h.informer.stop();
  });

  it('keeps going when a handler throws', async () => {
    const h = harness();
    h.informer.addHandlers({ onAdd: () => { throw new Error('handler bug'); } });
    h.lw.listAnswers = [{ items: [thing('a', '1')], resourceVersion: '2' }];
    h.informer.start();
    await settle();
    h.lw.last.emit('ADDED', thing('b', '3'));
    assert.deepEqual(h.take(), ['add a@1', 'add b@3']);
    assert.deepEqual(h.errors, ['handler: handler bug', 'handler: handler bug']);
    h.informer.stop();
  });

  it('replays the cache to handlers added after sync', async () => {
    const h = harness();
    h.lw.listAnswers = [{ items: [thing('a', '1'), thing('b', '2')], resourceVersion: '2' }];
    h.informer.start();
    await settle();
    const seen: string[] = [];
    h.informer.addHandlers({ onAdd: (o) => seen.push(o.metadata!.name!) });
    assert.deepEqual(seen, ['a', 'b']);
    h.informer.stop();
  });

  it('stop aborts the watch, cancels timers and calls no handler after', async () => {
    const h = harness({ resyncPeriodMs: 60_000 });
    h.lw.listAnswers = [{ items: [thing('a', '1')], resourceVersion: '2' }];
    h.informer.start();
    await settle();
    h.take();
    const w = h.lw.last;
    h.informer.stop();
    assert.equal(w.aborted, true);
    w.emit('ADDED', thing('b', '3'));
    w.end(new Error('closed'));
    await h.clock.advance(600_000);
    assert.deepEqual(h.take(), []);
    assert.equal(h.lw.watches.length, 1);
    assert.equal(h.lw.listTimes.length, 1);
    assert.equal(h.clock.pending, 0);
    assert.deepEqual(h.errors, []);
  });

  it('stop while waiting to retry ends the wait', async () => {
    const h = harness();
    h.lw.listAnswers = [new Error('apiserver down')];
    h.informer.start();
    await h.clock.advance(20_000);
    const lists = h.lw.listTimes.length;
    h.informer.stop();
    assert.equal(h.clock.pending, 0, 'the retry timer is gone');
    await h.clock.advance(60_000);
    assert.equal(h.lw.listTimes.length, lists);
  });

  it('stop during a list drops its answer, and whenSynced says false', async () => {
    const h = harness();
    let answer!: (r: ListResult<Thing>) => void;
    h.lw.listAnswers = [new Promise((resolve) => { answer = resolve; })];
    h.informer.start();
    const synced = h.informer.whenSynced();
    await settle();
    h.informer.stop();
    assert.equal(await synced, false);
    answer({ items: [thing('a', '1')], resourceVersion: '2' });
    await h.clock.advance(10_000);
    assert.deepEqual(h.take(), []);
    assert.equal(h.informer.hasSynced(), false);
    assert.equal(h.lw.watches.length, 0);
  });
});
