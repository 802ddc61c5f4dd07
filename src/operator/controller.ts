// One managed kind, wired: its watch cache feeds a work queue of keys, each key is reconciled by
// the generic reconciler with the object as the cache last saw it. The claim index follows the
// cache, so "who claimed this name first" is answered without a request.
import type { Logger as PinoLogger } from 'pino';
import type { BackoffOptions } from '../runtime/backoff.ts';
import type { Clock } from '../runtime/clock.ts';
import type { ListWatch } from '../runtime/informer.ts';
import { InformerGroup } from '../runtime/informer-group.ts';
import { childFor, newReconcileId } from '../runtime/logger.ts';
import { parseQueueKey, queueKey, WorkQueue, type QueueObserver, type QueueResult } from '../runtime/queue.ts';
import { nextLook, type Reconciler } from '../reconcile/retry.ts';
import { PAUSED, type ManagedObject } from '../reconcile/types.ts';
import type { ClaimRegistry } from './claims.ts';
import { worthReconciling } from './predicates.ts';

/** The reconciler a controller drives; its contract is written on Reconciler (src/reconcile/retry.ts). */
export type Reconciles = Reconciler;

export interface KindControllerOptions {
  kind: string;
  /** Several: one per watched namespace (a namespace-scoped install), read as one cache. */
  listWatch: ListWatch<ManagedObject> | ListWatch<ManagedObject>[];
  reconciler: Reconciles;
  claims: ClaimRegistry;
  log: PinoLogger;
  concurrency?: number;
  backoff?: BackoffOptions;
  clock?: Clock;
  observer?: QueueObserver;
  /** With sharding: whether this replica reconciles the object now. Default: every object. */
  owns?: (object: ManagedObject) => boolean;
}

export class KindController {
  readonly kind: string;
  readonly informer: InformerGroup<ManagedObject>;
  readonly queue: WorkQueue;
  private readonly reconciler: Reconciles;
  private readonly claims: ClaimRegistry;
  private readonly log: PinoLogger;
  private readonly owns: (object: ManagedObject) => boolean;

  constructor(options: KindControllerOptions) {
    this.owns = options.owns ?? (() => true);
    this.kind = options.kind;
    this.reconciler = options.reconciler;
    this.claims = options.claims;
    this.log = options.log;
    this.queue = new WorkQueue({
      handler: (key) => this.handle(key),
      concurrency: options.concurrency,
      backoff: options.backoff,
      clock: options.clock,
      observer: options.observer,
    });
    this.informer = new InformerGroup<ManagedObject>(Array.isArray(options.listWatch) ? options.listWatch : [options.listWatch], {
      clock: options.clock,
      onError: (err, during) => this.log.warn({ kind: this.kind, during, err }, `watch of ${this.kind} failed; retrying`),
      handlers: {
        onAdd: (object) => {
          this.claims.upsert(object);
          this.enqueue(object);
        },
        onUpdate: (before, after) => {
          this.claims.upsert(after);
          if (worthReconciling(before, after)) this.enqueue(after);
        },
        onDelete: (object) => {
          this.claims.remove(object);
          this.queue.forget(this.keyOf(object));
        },
      },
    });
  }

  start(): void {
    this.informer.start();
    this.queue.start();
  }

  whenSynced(): Promise<boolean> {
    return this.informer.whenSynced();
  }

  /** Stops watching, lets in-flight reconciles finish, drops the rest. */
  async stop(): Promise<void> {
    this.informer.stop();
    await this.queue.shutdown();
  }

  /** Reconciles, now, every cached object the predicate picks (a ProviderConfig or Secret changed). */
  requeueWhere(pick: (object: ManagedObject) => boolean): number {
    let count = 0;
    for (const object of this.informer.list()) {
      if (!pick(object)) continue;
      this.enqueue(object);
      count++;
    }
    return count;
  }

  /** Reconciles one object now (a reference of it changed), if it is cached. */
  requeue(namespace: string, name: string): void {
    const object = this.informer.get(`${namespace}/${name}`);
    if (object) this.enqueue(object);
  }

  private keyOf(object: ManagedObject): string {
    return queueKey({ kind: this.kind, namespace: object.metadata.namespace, name: object.metadata.name });
  }

  private enqueue(object: ManagedObject): void {
    this.queue.add(this.keyOf(object));
  }

  private async handle(key: string): Promise<QueueResult> {
    const parts = parseQueueKey(key);
    const object = parts && this.informer.get(`${parts.namespace}/${parts.name}`);
    // Gone from the cache: deleted, and the finalizer (if any) was already released.
    if (!parts || !object) return {};
    // Another replica's share: dropped here, requeued by whoever owns it (or by us, on a reshard).
    if (!this.owns(object)) return {};
    // Paused: not even a resync; removing the annotation is a user change, which enqueues it again.
    if (object.metadata.annotations?.[PAUSED] === 'true') {
      this.log.debug({ kind: this.kind, namespace: parts.namespace, name: parts.name }, `paused (${PAUSED}); not reconciled`);
      return {};
    }
    const log = childFor(this.log, { kind: this.kind, namespace: parts.namespace, name: parts.name, reconcileId: newReconcileId() });
    // The result, not a throw, says when to look again; nextLook is the one table of what it means.
    return nextLook(await this.reconciler.reconcile(object, log));
  }
}
