import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ManagedObject } from '../reconcile/types.ts';
import { OperatorMetrics, type MetricSources } from './metrics.ts';

function bucket(name: string, ready?: { status: string; reason: string }): ManagedObject {
  return {
    apiVersion: 'mooring.dev/v1alpha1', kind: 'Bucket',
    metadata: { name, namespace: 'ns', uid: name, generation: 1 },
    spec: {},
    status: ready ? { conditions: [{ type: 'Ready', ...ready, message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }] as never } : {},
  };
}

function sources(overrides: Partial<{ throttled: number; watches: number }> = {}) {
  const state = { throttled: overrides.throttled ?? 0, watches: overrides.watches ?? 1 };
  const s: MetricSources = {
    controllers: [{
      kind: 'Bucket',
      queue: { length: 3, processing: 2, waiting: 7 },
      informer: {
        list: () => [bucket('a', { status: 'True', reason: 'Available' }), bucket('b', { status: 'True', reason: 'Available' }), bucket('c', { status: 'False', reason: 'NotOwned' }), bucket('d')],
        get counts() { return { lists: 1, watches: state.watches }; },
      },
    }],
    limiters: () => [{ key: 'aws:route53', queued: () => 4, currentIntervalMs: 400, get throttledCount() { return state.throttled; } } as never],
    kubeWrites: () => [{ kind: 'Bucket', all: 10, status: 6, events: 3 }],
    resync: () => [{ account: 'aws', budgetReadsPerSecond: 5, readsPerCheck: 4, scheduledReadsPerSecond: 4.5, periodMs: 8_000_000 }],
  };
  return { s, state };
}

const line = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));

describe('OperatorMetrics', () => {
  it('counts reconciles by result and times them and the queue wait', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    const q = m.queueObserver('Bucket');
    q.started?.('Bucket:ns/a', 1500);
    q.finished?.('Bucket:ns/a', { durationMs: 200 });
    q.finished?.('Bucket:ns/b', { durationMs: 100, error: new Error('x'), retryInMs: 5000 });
    const text = await m.registry.metrics();
    assert.equal(line(text, 'mooring_reconcile_total{kind="Bucket",result="success"}'), 'mooring_reconcile_total{kind="Bucket",result="success"} 1');
    assert.equal(line(text, 'mooring_reconcile_total{kind="Bucket",result="error"}'), 'mooring_reconcile_total{kind="Bucket",result="error"} 1');
    assert.equal(line(text, 'mooring_reconcile_duration_seconds_count{kind="Bucket"}'), 'mooring_reconcile_duration_seconds_count{kind="Bucket"} 2');
    assert.equal(line(text, 'mooring_queue_wait_seconds_sum{kind="Bucket"}'), 'mooring_queue_wait_seconds_sum{kind="Bucket"} 1.5');
  });

  it('counts adapter calls by provider, operation and outcome, with latency', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    m.adapterCall({ kind: 'Bucket', provider: 'aws', operation: 'observe', outcome: 'success', seconds: 0.02 });
    m.adapterCall({ kind: 'Bucket', provider: 'aws', operation: 'observe', outcome: 'success', seconds: 0.04 });
    m.adapterCall({ kind: 'Bucket', provider: 'aws', operation: 'create', outcome: 'error', seconds: 0.1 });
    const text = await m.registry.metrics();
    assert.ok(text.includes('mooring_adapter_calls_total{kind="Bucket",provider="aws",operation="observe",outcome="success"} 2'));
    assert.ok(text.includes('mooring_adapter_calls_total{kind="Bucket",provider="aws",operation="create",outcome="error"} 1'));
    assert.ok(text.includes('mooring_adapter_call_duration_seconds_count{kind="Bucket",provider="aws",operation="observe"} 2'));
  });

  it('reads queue depth, resources by Ready reason and limiter state at scrape time', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    m.attach(sources().s);
    const text = await m.registry.metrics();
    for (const expected of [
      'mooring_queue_depth{kind="Bucket",state="ready"} 3',
      'mooring_queue_depth{kind="Bucket",state="processing"} 2',
      'mooring_queue_depth{kind="Bucket",state="delayed"} 7',
      'mooring_resources{kind="Bucket",ready="True",reason="Available"} 2',
      'mooring_resources{kind="Bucket",ready="False",reason="NotOwned"} 1',
      'mooring_resources{kind="Bucket",ready="Unknown",reason="NotReconciled"} 1',
      'mooring_limiter_queued{limiter="aws:route53"} 4',
      'mooring_limiter_interval_seconds{limiter="aws:route53"} 0.4',
      'mooring_kube_writes_total{kind="Bucket",what="status"} 6',
      'mooring_kube_writes_total{kind="Bucket",what="metadata"} 4',
      'mooring_kube_writes_total{kind="Bucket",what="event"} 3',
      'mooring_resync_budget_reads_per_second{account="aws"} 5',
      'mooring_resync_reads_per_check{account="aws"} 4',
      'mooring_resync_scheduled_reads_per_second{account="aws"} 4.5',
      'mooring_resync_period_seconds{account="aws"} 8000',
    ]) assert.ok(text.includes(expected), `${expected}\n---\n${text}`);
  });

  it('turns counts kept elsewhere into counters that only grow by what grew', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    const { s, state } = sources({ throttled: 3, watches: 1 });
    m.attach(s);
    assert.ok((await m.registry.metrics()).includes('mooring_throttled_total{limiter="aws:route53"} 3'));
    state.throttled = 5;
    state.watches = 4;
    const text = await m.registry.metrics();
    assert.ok(text.includes('mooring_throttled_total{limiter="aws:route53"} 5'));
    assert.ok(text.includes('mooring_watch_starts_total{kind="Bucket"} 4'));
  });

  it('gives the process metrics a mooring_ prefix', async () => {
    const text = await new OperatorMetrics().registry.metrics();
    assert.match(text, /^mooring_process_resident_memory_bytes \d+/m);
  });

  it('docs/operations.md lists every mooring metric, and none that does not exist', async () => {
    const m = new OperatorMetrics({ processMetrics: false });
    const served = (await m.registry.getMetricsAsJSON()).map((x) => x.name).sort();
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `(mooring_[a-z_]+)` \|/gm)].map((x) => x[1]!).sort();
    assert.deepEqual(documented, served);
  });
});
