import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReconcileResult } from '../reconcile/retry.ts';
import { CREATE_PENDING, FINALIZER, PAUSED, type Logger, type ManagedObject } from '../reconcile/types.ts';

const DONE: ReconcileResult = { outcome: 'done' };
import { FakeClock, settle } from '../runtime/clock.ts';
import type { ListResult, ListWatch, WatchEvent } from '../runtime/informer.ts';
import { createLogger } from '../runtime/logger.ts';
import { ClaimRegistry } from './claims.ts';
import { KindController, type Reconciles } from './controller.ts';

/** One watch the informer opened; the test plays the apiserver's side of it. */
interface FakeWatch {
  aborted: boolean;
  emit(type: string, object: ManagedObject): void;
}

/** The apiserver, as in src/runtime/informer.test.ts: the list answers `items`, watches by hand. */
class FakeListWatch implements ListWatch<ManagedObject> {
  items: ManagedObject[] = [];
  watches: FakeWatch[] = [];

  async list(): Promise<ListResult<ManagedObject>> {
    return { items: this.items, resourceVersion: '100' };
  }

  async watch(_rv: string, onEvent: (e: WatchEvent<ManagedObject>) => void) {
    const w: FakeWatch = { aborted: false, emit: (type, object) => onEvent({ type, object }) };
    this.watches.push(w);
    return { abort: () => { w.aborted = true; } };
  }

  emit(type: string, object: ManagedObject): void {
    const w = this.watches.at(-1);
    assert.ok(w && !w.aborted, 'no open watch');
    w.emit(type, object);
  }
}

let rv = 1;

function bucket(name: string, fields: { uid?: string; generation?: number; created?: string; spec?: Record<string, unknown>; metadata?: Partial<ManagedObject['metadata']>; status?: ManagedObject['status'] } = {}): ManagedObject {
  return {
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Bucket',
    metadata: {
      name,
      namespace: 'ns',
      uid: fields.uid ?? `uid-${name}`,
      generation: fields.generation ?? 1,
      creationTimestamp: fields.created ?? '2026-01-01T00:00:00Z',
      resourceVersion: String(++rv),
      ...fields.metadata,
    },
    spec: { providerConfigRef: { name: 'aws' }, ...fields.spec },
    ...(fields.status ? { status: fields.status } : {}),
  };
}

/** The same object, as the apiserver would send it after a write: a new resourceVersion. */
const rewritten = (object: ManagedObject, change: (o: ManagedObject) => void): ManagedObject => {
  const copy = structuredClone(object);
  copy.metadata.resourceVersion = String(++rv);
  change(copy);
  return copy;
};

interface Call {
  name: string;
  at: number;
  object: ManagedObject;
  log: Logger | undefined;
}

/** A reconciler that records its calls and answers what the test queued (default DONE). */
class FakeReconciler implements Reconciles {
  readonly calls: Call[] = [];
  private readonly clock: FakeClock;
  /** Per name: answers in order; a function runs (and may throw or block), anything else is returned. */
  readonly answers = new Map<string, (ReconcileResult | (() => Promise<ReconcileResult>))[]>();
  inFlight = 0;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  async reconcile(object: ManagedObject, log?: Logger): Promise<ReconcileResult> {
    this.calls.push({ name: object.metadata.name, at: this.clock.now(), object, log });
    const answer = this.answers.get(object.metadata.name)?.shift() ?? DONE;
    if (typeof answer !== 'function') return answer;
    this.inFlight++;
    try {
      return await answer();
    } finally {
      this.inFlight--;
    }
  }

  answer(name: string, ...answers: (ReconcileResult | (() => Promise<ReconcileResult>))[]): void {
    this.answers.set(name, answers);
  }

  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  /** Names reconciled since the last call. */
  take(): string[] {
    return this.calls.splice(0).map((c) => c.name);
  }
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const failing = (message: string) => async (): Promise<ReconcileResult> => ({ outcome: 'retryable', reason: 'ReconcileError', message });

async function harness(options: { items?: ManagedObject[]; concurrency?: number; backoffBaseMs?: number } = {}) {
  const clock = new FakeClock(1_000_000);
  const lw = new FakeListWatch();
  lw.items = options.items ?? [];
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
  const reconciler = new FakeReconciler(clock);
  const claims = new ClaimRegistry();
  // The backoff's jitter pinned to its ceiling: the delays below are exact.
  const controller = new KindController({ kind: 'Bucket', listWatch: lw, reconciler, claims, log, clock, concurrency: options.concurrency, backoff: { random: () => 1, ...(options.backoffBaseMs ? { baseMs: options.backoffBaseMs } : {}) } });
  controller.start();
  await settle();
  assert.equal(await controller.whenSynced(), true);
  const logs = () => lines.splice(0).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { clock, lw, reconciler, claims, controller, logs };
}

describe('KindController: several namespaces', () => {
  it('watches each namespace with its own list/watch and reconciles them as one cache', async () => {
    const clock = new FakeClock(1_000_000);
    const [teamA, teamB] = [new FakeListWatch(), new FakeListWatch()];
    teamA.items = [bucket('a', { metadata: { namespace: 'team-a' } })];
    teamB.items = [bucket('b', { metadata: { namespace: 'team-b' } })];
    const log = createLogger({ level: 'silent' });
    const reconciler = new FakeReconciler(clock);
    const controller = new KindController({ kind: 'Bucket', listWatch: [teamA, teamB], reconciler, claims: new ClaimRegistry(), log, clock });
    controller.start();
    await settle();
    assert.equal(await controller.whenSynced(), true);
    assert.deepEqual(reconciler.take().sort(), ['a', 'b']);
    assert.equal(teamA.watches.length + teamB.watches.length, 2, 'one watch per namespace');
    teamB.emit('ADDED', bucket('c', { metadata: { namespace: 'team-b' } }));
    await settle();
    assert.deepEqual(reconciler.take(), ['c']);
    assert.equal(controller.informer.get('team-b/c')?.metadata.name, 'c');
    assert.equal(controller.informer.size, 3);
    assert.equal(controller.requeueWhere(() => true), 3, 'requeues see every namespace');
    await controller.stop();
    assert.ok([...teamA.watches, ...teamB.watches].every((w) => w.aborted), 'stop ends every watch');
  });
});

describe('KindController: reconciling', () => {
  it('reconciles a listed object once, with the cached object and a logger naming it', async () => {
    const a = bucket('a');
    const h = await harness({ items: [a] });
    assert.equal(h.reconciler.calls.length, 1);
    const [call] = h.reconciler.calls;
    assert.equal(call?.object, h.controller.informer.get('ns/a'), 'the object as cached');
    assert.equal(call?.object, a);
    call?.log?.info({ step: 'observe' }, 'hello');
    const [line] = h.logs();
    assert.equal(line?.msg, 'hello');
    assert.equal(line?.kind, 'Bucket');
    assert.equal(line?.namespace, 'ns');
    assert.equal(line?.name, 'a');
    assert.match(String(line?.reconcileId), /^[0-9a-f-]{36}$/);
    await h.clock.advance(3_600_000);
    assert.equal(h.reconciler.calls.length, 1, 'and not again without a reason');
    await h.controller.stop();
  });

  it('reconciles an object added on the watch, with a new reconcileId each time', async () => {
    const h = await harness();
    assert.equal(h.reconciler.calls.length, 0);
    const b = bucket('b');
    h.lw.emit('ADDED', b);
    await settle();
    h.lw.emit('MODIFIED', rewritten(b, (o) => (o.metadata.generation = 2)));
    await settle();
    assert.deepEqual(h.reconciler.names(), ['b', 'b']);
    const ids = h.reconciler.calls.map((c) => {
      c.log?.info({}, 'x');
      return h.logs()[0]?.reconcileId;
    });
    assert.notEqual(ids[0], ids[1]);
    await h.controller.stop();
  });

  it('reconciles the newest cached version, not the one that was queued', async () => {
    let release!: () => void;
    const h = await harness({ items: [bucket('a')] });
    h.reconciler.calls.length = 0;
    const v2 = rewritten(h.controller.informer.get('ns/a')!, (o) => (o.metadata.generation = 2));
    h.reconciler.answer('a', () => new Promise((resolve) => (release = () => resolve(DONE))));
    h.lw.emit('MODIFIED', v2);
    await settle();
    const v3 = rewritten(v2, (o) => (o.metadata.generation = 3));
    h.lw.emit('MODIFIED', v3);
    const v4 = rewritten(v3, (o) => (o.metadata.generation = 4));
    h.lw.emit('MODIFIED', v4);
    release();
    await settle();
    assert.deepEqual(h.reconciler.calls.map((c) => c.object.metadata.generation), [2, 4], 'one more run, for the latest');
    await h.controller.stop();
  });

  const ignored: [string, (o: ManagedObject) => void][] = [
    ['a status write', (o) => (o.status = { observedGeneration: 1, conditions: [] })],
    ['our finalizer added', (o) => (o.metadata.finalizers = [FINALIZER])],
    ['our create-pending annotation set', (o) => (o.metadata.annotations = { ...o.metadata.annotations, [CREATE_PENDING]: '2026-01-01T00:00:00Z' })],
    ['a resync with nothing changed', () => {}],
  ];
  for (const [what, change] of ignored) {
    it(`does not requeue for ${what}`, async () => {
      const a = bucket('a', { metadata: { annotations: { team: 'x' } } });
      const h = await harness({ items: [a] });
      h.reconciler.take();
      h.lw.emit('MODIFIED', rewritten(a, change));
      await h.clock.advance(60_000);
      assert.deepEqual(h.reconciler.take(), []);
      await h.controller.stop();
    });
  }

  const requeued: [string, (o: ManagedObject) => void][] = [
    ['a spec change (a new generation)', (o) => (o.metadata.generation = 2)],
    ['a deletion (deletionTimestamp set)', (o) => (o.metadata.deletionTimestamp = '2026-01-02T00:00:00Z')],
    ['a user annotation changed', (o) => (o.metadata.annotations = { team: 'y' })],
  ];
  for (const [what, change] of requeued) {
    it(`requeues for ${what}`, async () => {
      const a = bucket('a', { metadata: { annotations: { team: 'x' } } });
      const h = await harness({ items: [a] });
      h.reconciler.take();
      const after = rewritten(a, change);
      h.lw.emit('MODIFIED', after);
      await settle();
      assert.deepEqual(h.reconciler.take(), ['a']);
      await h.controller.stop();
    });
  }

  it('requeues a deleting object whose finalizers someone else changed', async () => {
    const a = bucket('a', { metadata: { deletionTimestamp: '2026-01-02T00:00:00Z', finalizers: [FINALIZER, 'other.io/hold'] } });
    const h = await harness({ items: [a] });
    h.reconciler.take();
    h.lw.emit('MODIFIED', rewritten(a, (o) => (o.metadata.finalizers = [FINALIZER])));
    await settle();
    assert.deepEqual(h.reconciler.take(), ['a']);
    await h.controller.stop();
  });
});

describe('KindController: paused objects', () => {
  const paused = { annotations: { [PAUSED]: 'true' } };

  it('never reconciles a paused object: not when listed, not on a spec change, not on a resync', async () => {
    const a = bucket('a', { metadata: paused });
    const h = await harness({ items: [a] });
    h.lw.emit('MODIFIED', rewritten(a, (o) => (o.metadata.generation = 2)));
    h.lw.emit('MODIFIED', rewritten(a, (o) => (o.metadata.deletionTimestamp = '2026-01-02T00:00:00Z')));
    await h.clock.advance(3_600_000);
    assert.deepEqual(h.reconciler.take(), []);
    await h.controller.stop();
  });

  it('reconciles again once the annotation goes, or says anything but "true"', async () => {
    const a = bucket('a', { metadata: paused });
    const h = await harness({ items: [a, bucket('b', { metadata: { annotations: { [PAUSED]: 'false' } } })] });
    assert.deepEqual(h.reconciler.take(), ['b']);
    h.lw.emit('MODIFIED', rewritten(a, (o) => (o.metadata.annotations = {})));
    await settle();
    assert.deepEqual(h.reconciler.take(), ['a']);
    await h.controller.stop();
  });
});

describe('KindController: timing', () => {
  it('brings a key back after the requeueAfterMs the reconciler asked for', async () => {
    const h = await harness();
    h.reconciler.answer('a', { outcome: 'pending', pollAfterMs: 30_000 }, DONE);
    const start = h.clock.now();
    h.lw.emit('ADDED', bucket('a'));
    await h.clock.advance(29_999);
    assert.equal(h.reconciler.calls.length, 1);
    await h.clock.advance(1);
    assert.deepEqual(h.reconciler.calls.map((c) => c.at - start), [0, 30_000]);
    await h.clock.advance(3_600_000);
    assert.equal(h.reconciler.calls.length, 2, 'the second run asked for nothing more');
    await h.controller.stop();
  });

  it('backs off a failing key 5 s, 10 s, 20 s, and resets after a success', async () => {
    const h = await harness();
    h.reconciler.answer('a', failing('one'), failing('two'), failing('three'), DONE, failing('four'));
    const start = h.clock.now();
    h.lw.emit('ADDED', bucket('a'));
    await h.clock.advance(35_000);
    assert.deepEqual(h.reconciler.calls.map((c) => c.at - start), [0, 5_000, 15_000, 35_000]);
    assert.equal(h.controller.queue.backoff.failures('Bucket:ns/a'), 0, 'the success forgot the failures');
    h.lw.emit('MODIFIED', rewritten(h.controller.informer.get('ns/a')!, (o) => (o.metadata.generation = 2)));
    await settle();
    assert.equal(h.controller.queue.backoff.failures('Bucket:ns/a'), 1);
    assert.deepEqual(h.clock.pendingDelays(), [5_000], 'the next failure starts at 5 s again');
    await h.controller.stop();
  });

  it('backs off a reconciler that throws (a bug) like a retryable result', async () => {
    const h = await harness();
    h.reconciler.answer('a', () => Promise.reject(new Error('a bug')), DONE);
    const start = h.clock.now();
    h.lw.emit('ADDED', bucket('a'));
    await h.clock.advance(10_000);
    assert.deepEqual(h.reconciler.calls.map((c) => c.at - start), [0, 5_000]);
    await h.controller.stop();
  });

  it('retries a conflict through the backoff, from a tenth of --backoff-base, doubling while it repeats', async () => {
    const h = await harness({ backoffBaseMs: 10_000 });
    const conflict: ReconcileResult = { outcome: 'conflict', reason: 'Conflict', message: 'the object changed' };
    h.reconciler.answer('a', conflict, conflict, conflict, DONE);
    const start = h.clock.now();
    h.lw.emit('ADDED', bucket('a'));
    await h.clock.advance(10_000);
    assert.deepEqual(h.reconciler.calls.map((c) => c.at - start), [0, 1_000, 3_000, 7_000]);
    assert.equal(h.controller.queue.backoff.failures('Bucket:ns/a'), 0, 'the success forgot them');
    await h.controller.stop();
  });

  it('forgets the backoff of a deleted object and never reconciles it again', async () => {
    const a = bucket('a');
    const h = await harness();
    h.reconciler.answer('a', failing('one'), failing('two'));
    h.lw.emit('ADDED', a);
    await h.clock.advance(5_000);
    assert.equal(h.reconciler.calls.length, 2);
    assert.equal(h.controller.queue.backoff.failures('Bucket:ns/a'), 2);
    h.lw.emit('DELETED', a);
    assert.equal(h.controller.queue.backoff.failures('Bucket:ns/a'), 0);
    assert.equal(h.controller.informer.get('ns/a'), undefined);
    await h.clock.advance(3_600_000);
    assert.equal(h.reconciler.calls.length, 2, 'the pending retry finds nothing to reconcile');
    // Created again under the same name: a fresh start, not the old backoff.
    h.reconciler.answer('a', failing('new'));
    h.lw.emit('ADDED', bucket('a', { uid: 'uid-a2' }));
    await settle();
    assert.equal(h.reconciler.calls.length, 3);
    assert.deepEqual(h.clock.pendingDelays(), [5_000]);
    await h.controller.stop();
  });

  it('skips a key whose object left the cache before its turn came', async () => {
    const gate = deferred();
    const h = await harness({ concurrency: 1 });
    h.reconciler.answer('a', async () => {
      await gate.promise;
      return DONE;
    });
    h.lw.emit('ADDED', bucket('a'));
    const b = bucket('b');
    h.lw.emit('ADDED', b);
    await settle();
    assert.deepEqual(h.reconciler.names(), ['a'], 'b waits for the one worker');
    assert.equal(h.controller.queue.length, 1);
    h.lw.emit('DELETED', b);
    gate.resolve();
    await settle();
    assert.deepEqual(h.reconciler.names(), ['a'], 'b was gone when its turn came');
    assert.equal(h.controller.queue.length, 0);
    assert.equal(h.controller.queue.processing, 0);
    await h.controller.stop();
  });
});

describe('KindController: claims', () => {
  it('keeps the claim registry in step with adds, updates and deletes', async () => {
    const older = bucket('older', { uid: 'u1', created: '2026-01-01T00:00:00Z', spec: { externalName: 'logs' } });
    const newer = bucket('newer', { uid: 'u2', created: '2026-01-02T00:00:00Z', spec: { externalName: 'logs' } });
    const h = await harness({ items: [older] });
    assert.equal(h.claims.earlierClaimant(newer, 'aws', 'logs'), 'ns/older', 'a listed object claims');
    h.lw.emit('ADDED', newer);
    assert.equal(h.claims.earlierClaimant(older, 'aws', 'logs'), undefined, 'the older one keeps its claim');
    // The claim follows every update, even one not worth a reconcile (same generation here).
    const renamed = rewritten(older, (o) => (o.spec.externalName = 'other'));
    h.lw.emit('MODIFIED', renamed);
    assert.equal(h.claims.earlierClaimant(newer, 'aws', 'logs'), undefined, 'the older one moved to another name');
    assert.equal(h.claims.earlierClaimant(newer, 'aws', 'other'), 'ns/older');
    h.lw.emit('MODIFIED', rewritten(renamed, (o) => (o.spec.externalName = 'logs')));
    assert.equal(h.claims.earlierClaimant(newer, 'aws', 'logs'), 'ns/older');
    h.lw.emit('DELETED', older);
    assert.equal(h.claims.earlierClaimant(newer, 'aws', 'logs'), undefined, 'a deleted object claims nothing');
    await h.controller.stop();
  });
});

describe('KindController: requeueWhere', () => {
  it('enqueues just the cached objects picked, and says how many', async () => {
    const h = await harness({
      items: [bucket('a', { spec: { providerConfigRef: { name: 'aws' } } }), bucket('b', { spec: { providerConfigRef: { name: 'other' } } }), bucket('c', { spec: { providerConfigRef: { name: 'aws' } } })],
    });
    h.reconciler.take();
    const count = h.controller.requeueWhere((o) => (o.spec.providerConfigRef as { name: string }).name === 'aws');
    assert.equal(count, 2);
    await settle();
    assert.deepEqual(h.reconciler.take().sort(), ['a', 'c']);
    assert.equal(h.controller.requeueWhere(() => false), 0);
    await settle();
    assert.deepEqual(h.reconciler.take(), []);
    await h.controller.stop();
  });

  it('runs a picked object at once, even while it waits out a backoff', async () => {
    const h = await harness();
    h.reconciler.answer('a', failing('no credentials yet'), DONE);
    h.lw.emit('ADDED', bucket('a'));
    await settle();
    const start = h.clock.now();
    h.reconciler.take();
    assert.equal(h.controller.requeueWhere(() => true), 1);
    await settle();
    assert.deepEqual(h.reconciler.calls.map((c) => c.at - start), [0]);
    await h.controller.stop();
  });
});

describe('KindController: stop', () => {
  it('waits for an in-flight reconcile, and starts none after', async () => {
    const gate = deferred();
    const h = await harness({ concurrency: 2 });
    h.reconciler.answer('a', async () => {
      await gate.promise;
      return { outcome: 'pending', pollAfterMs: 1_000 };
    });
    h.lw.emit('ADDED', bucket('a'));
    await settle();
    assert.equal(h.reconciler.inFlight, 1);
    let stopped = false;
    const stopping = h.controller.stop().then(() => (stopped = true));
    await settle();
    assert.equal(stopped, false, 'stop waits for the reconcile of a');
    assert.equal(h.lw.watches.at(-1)?.aborted, true, 'the watch is closed at once');
    assert.equal(h.controller.requeueWhere(() => true), 1, 'a is still cached');
    gate.resolve();
    await stopping;
    assert.equal(stopped, true);
    assert.equal(h.reconciler.inFlight, 0);
    await h.clock.advance(3_600_000);
    h.controller.requeueWhere(() => true);
    await settle();
    assert.deepEqual(h.reconciler.names(), ['a'], 'no reconcile after stop, not even the requeue a asked for');
    assert.equal(h.clock.pending, 0, 'no timer left behind');
  });
});
