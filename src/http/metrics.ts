// The operator's Prometheus metrics. Events (a reconcile, an adapter call) are counted as they
// happen; states (queue depth, limiter queues, resources by condition, watch restarts) are read
// from their owners at scrape time, so nothing is kept twice. docs/operations.md lists them.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AccountLimiter } from '../limits/index.ts';
import type { AccountResync } from '../limits/resync.ts';
import type { CallObserver, ManagedObject } from '../reconcile/types.ts';
import type { QueueObserver } from '../runtime/queue.ts';

/** What the metrics read at scrape time; the Manager is one. */
export interface MetricSources {
  controllers: readonly {
    kind: string;
    queue: { length: number; processing: number; waiting: number };
    informer: { list(): ManagedObject[]; counts: { lists: number; watches: number } };
  }[];
  limiters(): AccountLimiter[];
  /** Writes to the apiserver per kind so far: all of them, and the status writes among them; Events apart. */
  kubeWrites?(): { kind: string; all: number; status: number; events?: number }[];
  /** Each account's drift-check budget (src/limits/resync.ts). */
  resync?(): AccountResync[];
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class OperatorMetrics implements CallObserver {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'kind' | 'result'>;
  private readonly reconcileSeconds: Histogram<'kind'>;
  private readonly queueWaitSeconds: Histogram<'kind'>;
  private readonly adapterCalls: Counter<'kind' | 'provider' | 'operation' | 'outcome'>;
  private readonly adapterSeconds: Histogram<'kind' | 'provider' | 'operation'>;
  private sources: MetricSources | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'mooring_' });
    this.reconciles = new Counter({ name: 'mooring_reconcile_total', help: 'Reconciles by kind and result (error: retried with backoff).', labelNames: ['kind', 'result'], registers });
    this.reconcileSeconds = new Histogram({ name: 'mooring_reconcile_duration_seconds', help: 'Time one reconcile took.', labelNames: ['kind'], buckets: SECONDS, registers });
    this.queueWaitSeconds = new Histogram({ name: 'mooring_queue_wait_seconds', help: 'Time a key was ready before a worker took it.', labelNames: ['kind'], buckets: SECONDS, registers });
    this.adapterCalls = new Counter({ name: 'mooring_adapter_calls_total', help: 'Adapter calls by provider, operation and outcome.', labelNames: ['kind', 'provider', 'operation', 'outcome'], registers });
    this.adapterSeconds = new Histogram({ name: 'mooring_adapter_call_duration_seconds', help: 'Adapter call latency (inside the rate limiters).', labelNames: ['kind', 'provider', 'operation'], buckets: SECONDS, registers });
    this.stateGauges(registers);
  }

  /** Where the scrape-time figures come from. */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The work queue's hooks for one kind. */
  queueObserver(kind: string): QueueObserver {
    return {
      started: (_key, waitMs) => this.queueWaitSeconds.observe({ kind }, waitMs / 1000),
      finished: (_key, outcome) => {
        this.reconciles.inc({ kind, result: outcome.error === undefined ? 'success' : 'error' });
        this.reconcileSeconds.observe({ kind }, outcome.durationMs / 1000);
      },
    };
  }

  adapterCall(call: { kind: string; provider: string; operation: string; outcome: 'success' | 'error'; seconds: number }): void {
    const { kind, provider, operation, outcome, seconds } = call;
    this.adapterCalls.inc({ kind, provider, operation, outcome });
    this.adapterSeconds.observe({ kind, provider, operation }, seconds);
  }

  private stateGauges(registers: Registry[]): void {
    // collect() runs with `this` bound to the metric, so the sources are reached through a closure.
    const sources = () => this.sources;
    new Gauge({
      name: 'mooring_queue_depth', help: 'Keys by state: ready (waiting for a worker), processing, delayed (requeued or backing off).',
      labelNames: ['kind', 'state'], registers,
      collect() {
        this.reset();
        for (const c of sources()?.controllers ?? []) {
          this.set({ kind: c.kind, state: 'ready' }, c.queue.length);
          this.set({ kind: c.kind, state: 'processing' }, c.queue.processing);
          this.set({ kind: c.kind, state: 'delayed' }, c.queue.waiting);
        }
      },
    });
    new Gauge({
      name: 'mooring_resources', help: 'Managed resources by kind and their Ready condition status and reason.',
      labelNames: ['kind', 'ready', 'reason'], registers,
      collect() {
        this.reset();
        for (const c of sources()?.controllers ?? []) {
          for (const object of c.informer.list()) {
            const ready = object.status?.conditions?.find((x) => x.type === 'Ready');
            this.inc({ kind: c.kind, ready: ready?.status ?? 'Unknown', reason: ready?.reason ?? 'NotReconciled' });
          }
        }
      },
    });
    new Gauge({
      name: 'mooring_limiter_queued', help: 'Requests waiting in an account limiter (account and API).',
      labelNames: ['limiter'], registers,
      collect() {
        this.reset();
        for (const l of sources()?.limiters() ?? []) this.set({ limiter: l.key }, l.queued());
      },
    });
    new Gauge({
      name: 'mooring_limiter_interval_seconds', help: 'The current spacing between requests of an account limiter (grows on throttling).',
      labelNames: ['limiter'], registers,
      collect() {
        this.reset();
        for (const l of sources()?.limiters() ?? []) this.set({ limiter: l.key }, l.currentIntervalMs / 1000);
      },
    });
    this.resyncGauges(registers);
    // Counts kept by their owners, exposed as counters: each scrape adds what grew since the last.
    counterFrom(registers, 'mooring_throttled_total', 'Throttling answers from the cloud, per account limiter.', ['limiter'], () =>
      (sources()?.limiters() ?? []).map((l) => [{ limiter: l.key }, l.throttledCount]));
    counterFrom(registers, 'mooring_watch_starts_total', 'Watches started per kind (the first, and every restart).', ['kind'], () =>
      (sources()?.controllers ?? []).map((c) => [{ kind: c.kind }, c.informer.counts.watches]));
    counterFrom(registers, 'mooring_kube_writes_total', 'Writes to the apiserver for managed objects (finalizers, annotations, status, Events made or counted up), per kind and what was written.', ['kind', 'what'], () =>
      (sources()?.kubeWrites?.() ?? []).flatMap((w): [Labels<'kind' | 'what'>, number][] => [
        [{ kind: w.kind, what: 'status' }, w.status], [{ kind: w.kind, what: 'metadata' }, w.all - w.status], [{ kind: w.kind, what: 'event' }, w.events ?? 0],
      ]));
    counterFrom(registers, 'mooring_lists_total', 'Full lists per kind (the first, and every re-list after 410 Gone).', ['kind'], () =>
      (sources()?.controllers ?? []).map((c) => [{ kind: c.kind }, c.informer.counts.lists]));
  }

  /** Each account's drift-check budget (src/limits/resync.ts), read at scrape time. */
  private resyncGauges(registers: Registry[]): void {
    const sources = () => this.sources;
    const resync = (name: string, help: string, read: (a: AccountResync) => number) =>
      new Gauge({
        name, help, labelNames: ['account'], registers,
        collect() {
          this.reset();
          for (const a of sources()?.resync?.() ?? []) this.set({ account: a.account }, read(a));
        },
      });
    resync('mooring_resync_budget_reads_per_second', "Each account's read budget for drift checks (0: none).", (a) => a.budgetReadsPerSecond);
    resync('mooring_resync_reads_per_check', 'What one drift check of the account costs, measured (requests per check, a decaying average).', (a) => a.readsPerCheck);
    resync('mooring_resync_scheduled_reads_per_second', "Reads booked for the account's drift checks over the coming period, per second.", (a) => a.scheduledReadsPerSecond);
    resync('mooring_resync_period_seconds', "How long a round of the account's drift checks takes: the resync period, or longer when the budget stretched it.", (a) => a.periodMs / 1000);
  }
}

type Labels<L extends string> = Record<L, string>;

function counterFrom<L extends string>(registers: Registry[], name: string, help: string, labelNames: L[], read: () => [Labels<L>, number][]): void {
  const seen = new Map<string, number>();
  new Counter({
    name, help, labelNames, registers,
    collect() {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels);
        const delta = total - (seen.get(key) ?? 0);
        if (delta > 0) this.inc(labels, delta);
        seen.set(key, total);
      }
    },
  });
}
