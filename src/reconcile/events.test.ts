import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settle } from '../runtime/clock.ts';
import { EventRecorder, type EventApi } from './events.ts';
import type { ManagedObject } from './types.ts';

const object = (kind: string, name: string): ManagedObject => ({
  apiVersion: 'mooring.dev/v1alpha1', kind, metadata: { name, namespace: 'ns', uid: `${kind}-${name}`, generation: 1 }, spec: {},
});

describe('EventRecorder', () => {
  it('counts its writes per kind (an Event made, a count bumped), as the apiserver sees them', async () => {
    const calls: string[] = [];
    const api: EventApi = {
      create: async () => (calls.push('create'), { metadata: { name: `e${calls.length}` } }),
      patchCount: async () => void calls.push('patch'),
    };
    let now = 0;
    const recorder = new EventRecorder(api, { info() {}, warn() {}, error() {}, debug() {} }, { component: 'test', now: () => now });
    recorder.event(object('Bucket', 'a'), 'Normal', 'Created', 'created a');
    recorder.event(object('Bucket', 'b'), 'Normal', 'Created', 'created b');
    recorder.event(object('DNSRecord', 'c'), 'Normal', 'Created', 'created c');
    await settle();
    recorder.event(object('Bucket', 'a'), 'Normal', 'Created', 'created a');
    await settle();
    assert.deepEqual(calls, ['create', 'create', 'create'], 'a repeat within the minute is folded, not written');
    now = 61_000;
    recorder.event(object('Bucket', 'a'), 'Normal', 'Created', 'created a');
    await settle();
    assert.deepEqual(calls, ['create', 'create', 'create', 'patch']);
    assert.deepEqual(Object.fromEntries(recorder.writes), { Bucket: 3, DNSRecord: 1 });
  });

  it('forgets an Event once its window has passed, so memory follows recent Events, not every object ever seen', async () => {
    const bodies: Record<string, unknown>[] = [];
    const api: EventApi = {
      create: async (_ns, body) => (bodies.push(body), { metadata: { name: `e${bodies.length}` } }),
      patchCount: async () => undefined,
    };
    let now = 1_000;
    const recorder = new EventRecorder(api, { info() {}, warn() {}, error() {}, debug() {} }, { component: 'test', now: () => now, windowMs: 600_000 });
    const remembered = () => (recorder as unknown as { seen: Map<string, unknown> }).seen.size;
    for (let i = 0; i < 100; i++) recorder.event(object('Bucket', `b${i}`), 'Normal', 'Created', `created b${i}`);
    await settle();
    assert.equal(remembered(), 100);
    assert.equal(bodies[0]?.firstTimestamp, new Date(1_000).toISOString());
    now += 600_000;
    recorder.event(object('Bucket', 'late'), 'Normal', 'Created', 'created late');
    await settle();
    assert.equal(remembered(), 1, 'the 100 past their window are gone');
    recorder.event(object('Bucket', 'b0'), 'Normal', 'Created', 'created b0');
    await settle();
    assert.equal(bodies.length, 102, 'a repeat after the window is a new Event, as before');
  });
});
