import assert from 'node:assert/strict';
import { must } from '../../sdk/testing.ts';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { callSignal, isAdapterError, type ExternalClient, type ManagedResource, type Observation } from '../../sdk/index.ts';
import { managedSpecFields } from '../api/common.ts';
import { Limits } from '../limits/index.ts';
import { FakeClock, settle } from '../runtime/clock.ts';
import { parseQueueKey, WorkQueue } from '../runtime/queue.ts';
import { CallDeadlines } from './deadline.ts';
import { ManagedReconciler } from './managed.ts';
import { nextLook } from './retry.ts';
import { Reason } from './reasons.ts';
import { FINALIZER, type ManagedObject } from './types.ts';

const never = () => new Promise<never>(() => {});

/** The outcome of a promise once it settles, without awaiting a promise that never does. */
function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then((value) => Object.assign(state, { value, settled: true }), (error: unknown) => Object.assign(state, { error, settled: true }));
  return state;
}

describe('CallDeadlines', () => {
  it('answers with the call\'s value and hands it a signal that callSignal() sees across awaits and timers', async () => {
    const clock = new FakeClock();
    const deadlines = new CallDeadlines({ callTimeoutMs: 1000, clock });
    let given: AbortSignal | undefined;
    const seen: (AbortSignal | undefined)[] = [];
    const value = await deadlines.run('observe', 'the fake adapter\'s observe', async (signal) => {
      given = signal;
      seen.push(callSignal());
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(callSignal());
      await new Promise<void>((resolve) => setTimeout(() => { seen.push(callSignal()); resolve(); }, 1));
      return 42;
    });
    assert.equal(value, 42);
    assert.ok(given);
    assert.deepEqual(seen, [given, given, given]);
    assert.equal(callSignal(), undefined, 'no signal outside a call');
    assert.equal(given.aborted, false, 'a call that finished in time is not aborted');
    assert.equal(clock.pending, 0, 'its deadline timer is gone');
  });

  it('rejects a call that never settles with a retryable CallTimeout at its deadline, and aborts its signal', async () => {
    const clock = new FakeClock();
    const deadlines = new CallDeadlines({ callTimeoutMs: 1000, clock });
    let given: AbortSignal | undefined;
    const state = track(deadlines.run('observe', 'the fake adapter\'s observe of thing a', (signal) => { given = signal; return never(); }));
    await clock.advance(999);
    assert.equal(state.settled, false, 'not before the deadline');
    await clock.advance(1);
    await settle();
    assert.ok(isAdapterError(state.error), 'a typed adapter error');
    assert.equal(state.error.kind, 'Retryable');
    assert.equal(state.error.reason, Reason.CallTimeout);
    assert.match(state.error.message, /the fake adapter's observe of thing a did not finish within 1 s/);
    assert.equal(given?.aborted, true, 'the adapter is told to stop');
    assert.equal(given?.reason, state.error);
  });

  it('gives delete its own, longer deadline', async () => {
    const clock = new FakeClock();
    const deadlines = new CallDeadlines({ callTimeoutMs: 1000, deleteTimeoutMs: 5000, clock });
    assert.equal(deadlines.timeoutMs('update'), 1000);
    const state = track(deadlines.run('delete', 'delete', never));
    await clock.advance(4999);
    assert.equal(state.settled, false);
    await clock.advance(1);
    await settle();
    assert.equal((state.error as { reason?: string }).reason, Reason.CallTimeout);
  });

  it('passes the call\'s own failure through untouched', async () => {
    const deadlines = new CallDeadlines({ clock: new FakeClock() });
    const boom = new Error('boom');
    await assert.rejects(deadlines.run('create', 'create', () => Promise.reject(boom)), (err) => err === boom);
    await assert.rejects(deadlines.run('create', 'create', () => { throw boom; }), (err) => err === boom);
  });

  it('abortAll ends the calls in flight at once with OperatorStopping, and every later call before it starts', async () => {
    const clock = new FakeClock();
    const deadlines = new CallDeadlines({ callTimeoutMs: 60_000, clock });
    let given: AbortSignal | undefined;
    const state = track(deadlines.run('update', 'update', (signal) => { given = signal; return never(); }));
    await settle();
    deadlines.abortAll();
    await settle();
    assert.equal((state.error as { reason?: string }).reason, Reason.OperatorStopping);
    assert.equal(given?.aborted, true);
    let started = false;
    await assert.rejects(deadlines.run('observe', 'observe', async () => { started = true; }), { reason: Reason.OperatorStopping });
    assert.equal(started, false, 'no new call starts once stopping');
    assert.equal(clock.pending, 0, 'no timer left behind');
  });
});

describe('an adapter call that never answers', () => {
  const Spec = z.object({ ...managedSpecFields });
  type Spec = z.output<typeof Spec>;

  /** One worker, two objects: `stuck` (its observe never settles) queued before `fine`; with `hungConnect`, every connect never settles. */
  function harness(options: { hungConnect?: boolean } = {}) {
    const stored = new Map<string, ManagedObject>();
    const signals: AbortSignal[] = [];
    const client: ExternalClient<Spec> = {
      observe: (r: ManagedResource<Spec>) => {
        if (r.name !== 'stuck') return Promise.resolve({ exists: true, upToDate: true, ownershipMark: r.ownershipMark });
        signals.push(must(r.signal));
        return new Promise<Observation>(() => {});
      },
      create: () => Promise.reject(new Error('unused')),
      update: () => Promise.reject(new Error('unused')),
      delete: () => Promise.reject(new Error('unused')),
      disconnect: async () => {},
    };
    const reconciler = new ManagedReconciler<Spec>({
      kind: { kind: 'Thing', plural: 'things', spec: Spec },
      writer: {
        setFinalizers: async (o) => o,
        setAnnotations: async (o) => o,
        writeStatus: async (o, status) => void stored.set(o.metadata.name, { ...o, status }),
      },
      events: { event() {} },
      providers: {
        admit: () => ({ adoption: false }),
        markForm: () => 'Readable',
        resolve: async () => ({
          connection: { name: 'pc', type: 'fake', region: 'r', settings: {} },
          connector: {
            connect: () => {
              if (!options.hungConnect) return Promise.resolve(client);
              const signal = callSignal();
              if (signal) signals.push(signal);
              return new Promise<never>(() => {});
            },
          },
        }),
        ownershipId: () => 'mooring',
      },
      claims: { earlierClaimant: () => undefined },
      limits: new Limits(),
      log: { info() {}, warn() {}, error() {}, debug() {} },
      resyncMs: () => 300_000,
      deadlines: new CallDeadlines({ callTimeoutMs: 100 }),
    });
    const object = (name: string): ManagedObject => ({
      apiVersion: 'test.mooring.dev/v1', kind: 'Thing',
      metadata: { name, namespace: 'ns', uid: `uid-${name}`, generation: 1, finalizers: [FINALIZER] },
      spec: { providerConfigRef: { name: 'pc' } },
    });
    const finished: { key: string; at: number; error?: unknown; retryInMs?: number | undefined }[] = [];
    const started = Date.now();
    const queue = new WorkQueue({
      concurrency: 1,
      handler: async (key) => nextLook(await reconciler.reconcile(object(must(parseQueueKey(key)).name))),
      observer: { finished: (key, o) => finished.push({ key, at: Date.now() - started, ...o }) },
    });
    return { queue, reconciler, object, stored, signals, finished, condition: (name: string, type: string) => stored.get(name)?.status?.conditions?.find((c) => c.type === type) };
  }

  it('fails the reconcile as retryable CallTimeout after the deadline, aborts the adapter\'s signal, and the worker takes the next object', async () => {
    const h = harness();
    h.queue.add('Thing:ns/stuck');
    h.queue.add('Thing:ns/fine');
    h.queue.start();
    const deadline = Date.now() + 5000;
    while (h.finished.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Without a deadline the stuck handler never ends, and neither would waiting for it.
    if (h.finished.length === 2) await h.queue.shutdown();
    assert.deepEqual(h.finished.map((f) => f.key), ['Thing:ns/stuck', 'Thing:ns/fine'], 'the one worker was freed for the next object');
    const [stuck, fine] = h.finished;
    assert.deepEqual(must(stuck).error, { kind: 'failure', reason: Reason.CallTimeout, retryAfterMs: undefined }, 'the stuck reconcile failed, counted toward its backoff');
    assert.ok(must(must(stuck).retryInMs) >= 2500, `backs off: at least half the 5 s base, jittered (retry in ${must(stuck).retryInMs} ms)`);
    assert.ok(must(stuck).at >= 100 && must(stuck).at < 2000, `after the 100 ms deadline, not long after (${must(stuck).at} ms)`);
    assert.equal(must(fine).error, undefined);
    assert.equal(h.condition('stuck', 'Degraded')?.reason, Reason.CallTimeout);
    assert.match(h.condition('stuck', 'Degraded')?.message ?? '', /the fake adapter's observe of thing stuck did not finish within 0\.1 s/);
    assert.equal(h.condition('fine', 'Ready')?.status, 'True');
    assert.equal(h.signals.length, 1);
    assert.equal(must(h.signals[0]).aborted, true, 'the adapter was told to give up');
  });

  it('holds a connect that never answers to the same deadline: retryable CallTimeout, its signal aborted', async () => {
    const h = harness({ hungConnect: true });
    const started = Date.now();
    const result = await h.reconciler.reconcile(h.object('fine'));
    assert.equal(result.outcome, 'retryable');
    assert.ok(Date.now() - started < 2000, 'not held past the deadline');
    assert.equal(h.condition('fine', 'Degraded')?.reason, Reason.CallTimeout);
    assert.match(h.condition('fine', 'Degraded')?.message ?? '', /the fake adapter's connect of thing fine did not finish within 0\.1 s/);
    assert.equal(h.signals.length, 1, 'connect saw the call signal');
    assert.equal(must(h.signals[0]).aborted, true);
  });
});
