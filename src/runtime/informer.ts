// A list+watch cache for one resource type, with its own restart logic. client-node's informer
// stops on errors and waits up to 30 s between watches; this one lists, watches from the list's
// resourceVersion, follows every event and BOOKMARK, restarts a watch that ended within 0.1 s
// (doubling to 5 s while restarts keep failing), and re-lists on 410 Gone, telling the handlers
// about what changed meanwhile, deletions included.
//
// It talks to the apiserver through ListWatch, a two-method interface, so its behaviour is tested
// against a fake; KubeListWatch is the real one (src/kube/listwatch.ts).
import { realClock, sleep, type Clock, type Timer } from './clock.ts';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** What the apiserver sends as an ERROR event's object. */
export interface Status {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

export interface WatchEvent<T> {
  /** ADDED, MODIFIED, DELETED, BOOKMARK or ERROR; others are ignored. */
  type: string;
  object: T | Status;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchHandle {
  abort(): void;
}

export interface ListWatch<T> {
  /** The current state, with the resourceVersion to watch from. */
  list(): Promise<ListResult<T>>;
  /**
   * Streams changes after `resourceVersion`. `onDone` is called once when the watch ends: with no
   * argument when it ended normally (the server closed it, a timeout), with the error when it
   * failed; an error whose `statusCode` or `code` is 410 means the resourceVersion is too old.
   * After `abort()` neither callback needs to be called.
   */
  watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, onDone: (err?: unknown) => void): Promise<WatchHandle>;
}

/** Called synchronously, in event order. A handler that throws is reported and skipped. */
export interface InformerHandlers<T> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, object: T): void;
  /** Gets the last state seen: the DELETED event's object, or the cached one after a re-list. */
  onDelete?(object: T): void;
  /** Every cached key, once each resync period. */
  onResync?(key: string, object: T): void;
}

export interface InformerOptions<T> {
  listWatch: ListWatch<T>;
  handlers?: InformerHandlers<T>;
  /** Default the real clock. */
  clock?: Clock;
  /** How often onResync sees every key. Default 0: never. */
  resyncPeriodMs?: number;
  /** Fraction each resync period varies by, either way. Default 0.1. */
  resyncJitter?: number;
  /** Default Math.random. */
  random?: () => number;
  /** Restart delays of lists and watches. Default 100 ms doubling to 5 s; see INFORMER_DEFAULTS. */
  retry?: { baseMs?: number; maxMs?: number; healthyAfterMs?: number };
  /** Failures worth a log line: a list or watch that failed, a handler that threw. */
  onError?: (err: unknown, during: 'list' | 'watch' | 'handler') => void;
}

export const INFORMER_DEFAULTS = {
  resyncPeriodMs: 0,
  resyncJitter: 0.1,
  /** First restart delay. */
  retryBaseMs: 100,
  /** Longest restart delay. */
  retryMaxMs: 5_000,
  // A watch that lasted this long resets the delay. Equal to the max, so a server that accepts
  // watches and drops them costs at most about one request per 5 s, never a hot loop.
  healthyAfterMs: 5_000,
} as const;

/** The store's key: `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(object: KubeObject): string | undefined {
  const { name, namespace } = object.metadata ?? {};
  if (!name) return undefined;
  return namespace ? `${namespace}/${name}` : name;
}

/** Whether an error or a Status says 410 Gone: the resourceVersion is too old to watch from. */
export function isGone(err: unknown): boolean {
  const e = err as { statusCode?: unknown; code?: unknown } | null | undefined;
  return e?.statusCode === 410 || e?.code === 410;
}

type WatchEnd = 'gone' | 'ended';

export class Informer<T extends KubeObject> {
  private readonly lw: ListWatch<T>;
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly clock: Clock;
  private readonly resyncPeriodMs: number;
  private readonly resyncJitter: number;
  private readonly random: () => number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly healthyAfterMs: number;
  private readonly onError: (err: unknown, during: 'list' | 'watch' | 'handler') => void;

  private readonly store = new Map<string, T>();
  private rv = '';
  private synced = false;
  private started = false;
  private stopped = false;
  private failures = 0;
  private readonly stopping = new AbortController();
  private closeWatch: (() => void) | undefined;
  private resyncTimer: Timer | undefined;
  private readonly syncWaiters: ((synced: boolean) => void)[] = [];
  /** For metrics and tests: lists and watches started. */
  readonly counts = { lists: 0, watches: 0 };

  constructor(options: InformerOptions<T>) {
    this.lw = options.listWatch;
    if (options.handlers) this.handlers.push(options.handlers);
    this.clock = options.clock ?? realClock;
    this.resyncPeriodMs = options.resyncPeriodMs ?? INFORMER_DEFAULTS.resyncPeriodMs;
    this.resyncJitter = options.resyncJitter ?? INFORMER_DEFAULTS.resyncJitter;
    this.random = options.random ?? Math.random;
    this.retryBaseMs = options.retry?.baseMs ?? INFORMER_DEFAULTS.retryBaseMs;
    this.retryMaxMs = options.retry?.maxMs ?? INFORMER_DEFAULTS.retryMaxMs;
    this.healthyAfterMs = options.retry?.healthyAfterMs ?? INFORMER_DEFAULTS.healthyAfterMs;
    this.onError = options.onError ?? (() => {});
  }

  /** Adds handlers; once synced, they first get onAdd for every cached object. */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    if (this.synced) for (const object of this.store.values()) this.call(handlers, 'onAdd', (h) => h.onAdd?.(object));
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.armResync();
    void this.run();
  }

  /** Stops for good: the watch is aborted, timers cancelled, no handler is called after this. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    this.closeWatch?.();
    this.resyncTimer?.cancel();
    for (const resolve of this.syncWaiters.splice(0)) resolve(false);
  }

  /** True once the first list has been applied. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if stopped first. */
  whenSynced(): Promise<boolean> {
    if (this.synced || this.stopped) return Promise.resolve(this.synced);
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  keys(): string[] {
    return [...this.store.keys()];
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  /** The resourceVersion the next watch starts from. */
  get resourceVersion(): string {
    return this.rv;
  }

  /** List, then watch until the watch is gone, then list again; until stopped. Never rejects. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.relist())) {
        await this.pause();
        continue;
      }
      while (!this.stopped) {
        const began = this.clock.now();
        const end = await this.watchOnce();
        if (this.stopped) return;
        if (this.clock.now() - began >= this.healthyAfterMs) this.failures = 0;
        // Even a 410 waits: a server that answers every fresh list's version with 410 must
        // not get a list a millisecond.
        await this.pause();
        if (end === 'gone') break;
      }
    }
  }

  /** The restart delay: base, doubling with each restart since the last healthy watch, capped. */
  private pause(): Promise<void> {
    const delay = Math.min(this.retryBaseMs * 2 ** Math.min(this.failures, 30), this.retryMaxMs);
    this.failures++;
    return sleep(this.clock, delay, this.stopping.signal);
  }

  /**
   * Stores an object and tells the handlers. Another uid under the same key is another object (the
   * old one was deleted and the name taken again while no watch was open, seen at a re-list): the
   * old one is deleted, the new one added, never one taken for the other. `ifChanged`: no update
   * for the same resourceVersion (a re-list finds most objects as they were).
   */
  private put(key: string, object: T, ifChanged: boolean): void {
    const old = this.store.get(key);
    this.store.set(key, object);
    if (old && old.metadata?.uid !== object.metadata?.uid) this.emit('onDelete', (h) => h.onDelete?.(old));
    if (!old || old.metadata?.uid !== object.metadata?.uid) this.emit('onAdd', (h) => h.onAdd?.(object));
    else if (!ifChanged || old.metadata?.resourceVersion !== object.metadata?.resourceVersion) this.emit('onUpdate', (h) => h.onUpdate?.(old, object));
  }

  /** Lists and replaces the store, telling the handlers what changed. False if it failed or was stopped. */
  private async relist(): Promise<boolean> {
    this.counts.lists++;
    let result: ListResult<T>;
    try {
      result = await this.lw.list();
    } catch (err) {
      if (!this.stopped) this.onError(err, 'list');
      return false;
    }
    if (this.stopped) return false;
    const fresh = new Map<string, T>();
    for (const object of result.items) {
      const key = keyOf(object);
      if (key) fresh.set(key, object);
    }
    for (const [key, old] of this.store) {
      if (fresh.has(key)) continue;
      this.store.delete(key);
      this.emit('onDelete', (h) => h.onDelete?.(old));
    }
    for (const [key, object] of fresh) this.put(key, object, true);
    this.rv = result.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve(true);
    }
    return true;
  }

  /** One watch from the current resourceVersion, to its end. */
  private watchOnce(): Promise<WatchEnd> {
    this.counts.watches++;
    return new Promise<WatchEnd>((resolve) => {
      let open = true;
      let handle: WatchHandle | undefined;
      const finish = (end: WatchEnd) => {
        if (!open) return;
        open = false;
        this.closeWatch = undefined;
        handle?.abort();
        resolve(end);
      };
      this.closeWatch = () => finish('ended');
      const onEvent = (event: WatchEvent<T>) => {
        if (!open || this.stopped) return;
        const end = this.apply(event);
        if (end) finish(end);
      };
      const onDone = (err?: unknown) => {
        if (!open) return;
        if (isGone(err)) return finish('gone');
        if (err !== undefined && err !== null && !this.stopped) this.onError(err, 'watch');
        finish('ended');
      };
      void this.lw.watch(this.rv, onEvent, onDone).then(
        (h) => {
          handle = h;
          if (!open) h.abort();
        },
        (err: unknown) => onDone(err ?? new Error('the watch could not be started')),
      );
    });
  }

  /** Applies one event to the store; says how the watch ends if the event ends it. */
  private apply(event: WatchEvent<T>): WatchEnd | undefined {
    if (event.type === 'ERROR') {
      const status = event.object as Status;
      if (isGone(status)) return 'gone';
      this.onError(Object.assign(new Error(`watch error: ${status.message ?? status.reason ?? 'unknown'}`), { code: status.code }), 'watch');
      return 'ended';
    }
    const object = event.object as T;
    const rv = object.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      return undefined;
    }
    const key = keyOf(object);
    if (!key) return undefined;
    if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      this.put(key, object, false);
    } else if (event.type === 'DELETED') {
      this.store.delete(key);
      this.emit('onDelete', (h) => h.onDelete?.(object));
    } else {
      return undefined;
    }
    if (rv) this.rv = rv;
    return undefined;
  }

  private armResync(): void {
    if (!(this.resyncPeriodMs > 0) || this.stopped) return;
    const spread = this.resyncJitter * (2 * this.random() - 1);
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.synced) for (const [key, object] of this.store) this.emit('onResync', (h) => h.onResync?.(key, object));
      this.armResync();
    }, this.resyncPeriodMs * (1 + spread));
  }

  private emit(name: keyof InformerHandlers<T>, call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) this.call(h, name, call);
  }

  private call(h: InformerHandlers<T>, name: keyof InformerHandlers<T>, call: (h: InformerHandlers<T>) => void): void {
    if (!h[name]) return;
    try {
      call(h);
    } catch (err) {
      this.onError(err, 'handler');
    }
  }
}
