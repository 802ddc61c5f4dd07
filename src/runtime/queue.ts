// The work queue between the watch caches and the reconcilers. Keys, not events: a key is waiting
// at most once however often it is added, never handled by two workers at once (added while being
// handled, it runs once more after), and at most `concurrency` keys are handled at a time.
//
// Each key has at most one pending time: `add` means now, `addAfter` a later time, and the earliest
// wins. A handler's result decides what happens next: `requeueAfterMs` looks again later and resets
// the key's backoff; `failed` backs off per key (exponentially with jitter, raised by its
// `retryAfterMs`, from a smaller first step for a conflict), and so does a throw. What a reconcile's
// outcome asks of the queue is decided in src/reconcile/retry.ts.
//
// Ready keys are served fairly across namespaces (src/runtime/lanes.ts): round-robin over one lane
// per namespace, so a namespace holding thousands of ready keys cannot starve another's one.
import { Backoff, type BackoffOptions, type FailureKind } from './backoff.ts';
import { realClock, type Clock } from './clock.ts';
import { Deadlines } from './deadlines.ts';
import { Lanes } from './lanes.ts';

export interface QueueResult {
  /** Look at the key again this long from now (0: at once). Unset: until something adds it. */
  requeueAfterMs?: number | undefined;
  /** The key failed: it comes back after its failure backoff, which this grows; requeueAfterMs is ignored. */
  failed?: QueueFailure | undefined;
  /** With requeueAfterMs: look again as soon as this settles (either way), if sooner. */
  wake?: PromiseLike<unknown> | undefined;
}

/** A failure as the queue counts it. */
export interface QueueFailure {
  kind: FailureKind;
  /** The failure's reason code, for the observer. */
  reason: string;
  /** Never come back sooner than this (a Retry-After), within the backoff's max. */
  retryAfterMs?: number | undefined;
}

/** Handles one key. Throwing (a bug) backs the key off like a returned `failed`. */
export type QueueHandler = (key: string) => Promise<QueueResult | void>;

/** Hooks for metrics and logs; each is called synchronously and must not throw. */
export interface QueueObserver {
  /** A worker took `key` after it had been ready for `waitMs`. */
  started?(key: string, waitMs: number): void;
  /** The handler finished; `error` is set when it threw or returned `failed`, `retryInMs` when the key comes back. */
  finished?(key: string, outcome: { durationMs: number; error?: unknown; retryInMs?: number | undefined }): void;
}

export interface WorkQueueOptions {
  handler: QueueHandler;
  /** Keys handled at once. Default 4. */
  concurrency?: number;
  /** Failure backoff: an instance to share, or options for a new one. Default base 5 s, max 300 s. */
  backoff?: Backoff | BackoffOptions;
  /** Default the real clock. */
  clock?: Clock;
  observer?: QueueObserver;
  /** The lane a key waits in; lanes take turns. Default the key's namespace (laneOfKey). */
  laneOf?: (key: string) => string;
}

export const QUEUE_DEFAULTS = { concurrency: 4 } as const;

/** What a key names: `Bucket:team-a/logs`, or `ProviderConfig:aws` for a cluster-scoped kind. */
export interface KeyParts {
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export function queueKey({ kind, namespace, name }: KeyParts): string {
  return namespace ? `${kind}:${namespace}/${name}` : `${kind}:${name}`;
}

/** The parts of a key made by queueKey; undefined for anything else. */
export function parseQueueKey(key: string): KeyParts | undefined {
  // Kinds never hold ':' and namespaces never hold '/', so the first of each splits.
  const colon = key.indexOf(':');
  if (colon <= 0) return undefined;
  const kind = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  const slash = rest.indexOf('/');
  if (slash < 0) return rest ? { kind, name: rest } : undefined;
  const namespace = rest.slice(0, slash);
  const name = rest.slice(slash + 1);
  return namespace && name ? { kind, namespace, name } : undefined;
}

/** A key's namespace, '' for a cluster-scoped kind or a key not made by queueKey. */
export function laneOfKey(key: string): string {
  return parseQueueKey(key)?.namespace ?? '';
}

export class WorkQueue {
  private readonly handler: QueueHandler;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private readonly observer: QueueObserver;
  readonly backoff: Backoff;

  /** Ready keys, each with the time it became ready, in lanes served in turn. Never holds a key being handled. */
  private readonly ready: Lanes;
  /** Keys being handled now. */
  private readonly active = new Set<string>();
  /** Keys added while being handled: ready again when their handler finishes. */
  private readonly again = new Set<string>();
  /** Keys waiting for a later time, behind one timer. */
  private readonly delayed: Deadlines;

  private started = false;
  private stopping = false;
  private readonly running = new Set<Promise<void>>();

  constructor(options: WorkQueueOptions) {
    this.handler = options.handler;
    this.concurrency = options.concurrency ?? QUEUE_DEFAULTS.concurrency;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${this.concurrency}`);
    this.clock = options.clock ?? realClock;
    this.observer = options.observer ?? {};
    this.backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
    this.ready = new Lanes(options.laneOf ?? laneOfKey);
    this.delayed = new Deadlines(this.clock, (key) => this.add(key));
  }

  /** Starts handing keys to workers. Keys added before are kept and handled from now on. */
  start(): void {
    if (this.stopping) return;
    this.started = true;
    this.dispatch();
  }

  /** Makes `key` ready now (a pending later time for it is dropped: now is earlier). */
  add(key: string): void {
    if (this.stopping) return;
    this.cancelDelayed(key);
    if (this.active.has(key)) {
      this.again.add(key);
      return;
    }
    this.ready.add(key, this.clock.now());
    this.dispatch();
  }

  /** Makes `key` ready in `ms`, unless it is already due sooner. */
  addAfter(key: string, ms: number): void {
    if (this.stopping) return;
    if (Number.isNaN(ms)) throw new RangeError(`addAfter needs a number of milliseconds, got ${ms}`);
    if (ms <= 0) return this.add(key);
    if (this.ready.has(key) || this.again.has(key)) return;
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending !== undefined && pending <= at) return;
    this.delayed.set(key, at);
  }

  /** Resets `key`'s failure backoff (the queue does this itself after every success). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** Keys ready and waiting for a worker (the depth gauge). */
  get length(): number {
    return this.ready.size;
  }

  /** Keys being handled now. */
  get processing(): number {
    return this.active.size;
  }

  /** Keys waiting for a later time (requeues and backoffs), plus keys to run again after their handler. */
  get waiting(): number {
    return this.delayed.size + this.again.size;
  }

  /** How long the key ready the longest has been ready, 0 if none is (O(namespaces): for metrics). */
  oldestWaitMs(): number {
    const since = this.ready.oldestSince();
    return since === undefined ? 0 : this.clock.now() - since;
  }

  /**
   * Stops taking new work (ready, delayed and later-added keys are dropped) and resolves once the
   * handlers already running have finished. Never rejects.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.delayed.clear();
    this.ready.clear();
    this.again.clear();
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private cancelDelayed(key: string): void {
    this.delayed.delete(key);
  }

  private dispatch(): void {
    while (this.started && !this.stopping && this.active.size < this.concurrency) {
      const next = this.ready.shift();
      if (!next) return;
      const [key, since] = next;
      this.active.add(key);
      const run = this.run(key, since);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
  }

  /** One handler call, start to finish. Never rejects. */
  private async run(key: string, since: number): Promise<void> {
    const start = this.clock.now();
    this.notify(() => this.observer.started?.(key, start - since));
    let result: QueueResult | void = undefined;
    let error: unknown;
    let failed = false;
    try {
      result = await this.handler(key);
    } catch (err) {
      failed = true;
      error = err;
    }
    const durationMs = this.clock.now() - start;
    this.active.delete(key);
    let retryInMs: number | undefined;
    if (!failed && result?.failed) {
      failed = true;
      error = result.failed;
    }
    if (failed) {
      const hint = result?.failed;
      retryInMs = this.backoff.failure(key, hint?.retryAfterMs, hint?.kind);
    } else {
      this.backoff.forget(key);
      const after = result?.requeueAfterMs;
      // NaN or Infinity would mean "at once" to a timer: a hot loop. Treat them as unset.
      retryInMs = after !== undefined && Number.isFinite(after) ? after : undefined;
    }
    if (this.again.delete(key)) this.add(key);
    if (retryInMs !== undefined) this.addAfter(key, retryInMs);
    if (!failed && result?.wake) this.addOnSettle(key, result.wake);
    this.notify(() => this.observer.finished?.(key, failed ? { durationMs, error, retryInMs } : { durationMs, retryInMs }));
    this.dispatch();
  }

  /** Adds the key once `wake` settles (the earlier pending time wins, as for any add). */
  private addOnSettle(key: string, wake: PromiseLike<unknown>): void {
    const again = () => this.add(key);
    Promise.resolve(wake).then(again, again);
  }

  /** An observer that throws must not wedge a worker. */
  private notify(call: () => void): void {
    try {
      call();
    } catch {
      // Metrics and logs are best effort.
    }
  }
}
