// The operator process's insides: one controller per managed kind, the ProviderConfig/Secret
// cache they share, the limits, the event recorder. `start` returns once every cache has synced;
// `stop` lets in-flight reconciles finish (a half-done create is still recorded as pending).
import type { Logger } from 'pino';
import type { z } from 'zod';
import { GROUP, VERSION } from '../api/common.ts';
import { KINDS } from '../api/kinds.ts';
import type { KubeClient } from '../kube/client.ts';
import { crdDeletion } from '../kube/crds.ts';
import { KubeSecretStore } from '../kube/secrets.ts';
import { coreEventApi, KubeWriter } from '../kube/writer.ts';
import { Limits } from '../limits/index.ts';
import { EventRecorder } from '../reconcile/events.ts';
import { ManagedReconciler } from '../reconcile/managed.ts';
import type { ManagedKind, ManagedObject, ManagedSpecBase } from '../reconcile/types.ts';
import type { Config } from '../runtime/config.ts';
import { KubeListWatch } from '../runtime/kube-listwatch.ts';
import { ClaimRegistry } from './claims.ts';
import { ConfigCache } from './config-cache.ts';
import { KindController } from './controller.ts';
import type { OperatorMetrics } from './metrics.ts';
import { Resolver, type ProviderRegistration } from './providers.ts';
import { loadOperatorKey } from '../kube/operator-key.ts';
import { PendingMarkSigner } from '../reconcile/pending.ts';
import { MarkSigner } from '../reconcile/marks.ts';
import { readClusterOwnershipId } from '../kube/cluster-id.ts';
import { randomBytes } from 'node:crypto';

/** The namespaced kinds of src/api/kinds.ts, as the reconciler knows them. */
export const MANAGED_KINDS: ManagedKind[] = KINDS.filter((k) => k.scope === 'Namespaced').map((k) => {
  const kind: ManagedKind = { kind: k.kind, plural: k.plural, spec: k.spec as z.ZodType<ManagedSpecBase> };
  if (k.connectionSecret) kind.connectionSecret = k.connectionSecret;
  const identity = k.externalName;
  if (identity) kind.externalName = (object, spec) => identity(spec as never, object.metadata.name);
  else if (k.defaultExternalName) kind.externalName = externalNameOf(k.defaultExternalName);
  return kind;
});

function externalNameOf(fallback: (objectName: string) => string): ManagedKind['externalName'] {
  return (object, spec) => spec.externalName ?? fallback(object.metadata.name);
}

export type ManagerConfig = Pick<Config, 'namespace' | 'concurrency' | 'resyncPeriodMs' | 'resyncJitter' | 'backoffBaseMs' | 'backoffMaxMs' | 'credentialsNamespaces'>;

export interface ManagerOptions {
  kube: KubeClient;
  config: ManagerConfig;
  providers: ProviderRegistration[];
  log: Logger;
  /** Default every managed kind some provider serves. */
  kinds?: ManagedKind[];
  /**
   * The namespace of the operator's key Secret (src/kube/operator-key.ts), read or made at start.
   * Unset: a key of this process only (tests).
   */
  keyNamespace?: string;
  /**
   * The ownership id of ProviderConfigs that name none. Unset: read at start from the kube-system
   * Namespace's uid (src/kube/cluster-id.ts).
   */
  clusterId?: string;
  /** Prometheus metrics to feed; none by default. */
  metrics?: OperatorMetrics;
  random?: () => number;
}

const providerConfigOf = (object: ManagedObject) => (object.spec?.providerConfigRef as { name?: unknown } | undefined)?.name;

export class Manager {
  readonly controllers: KindController[] = [];
  readonly cache: ConfigCache;
  readonly limits = new Limits();
  readonly writers: { kind: string; writer: KubeWriter }[] = [];
  readonly secrets: KubeSecretStore;
  private readonly log: Logger;
  private readonly kube: KubeClient;
  private readonly keyNamespace: string | undefined;
  /** Signs pending-create marks; its key is replaced by the operator's own at start. */
  private readonly pendingMark = new PendingMarkSigner(randomBytes(32));
  /** Hashes Hashed ownership marks; keyless (Hashed refused) until the operator's key is read. */
  private readonly markSigner = new MarkSigner();
  private readonly resolver: Resolver;
  private readonly clusterId: string | undefined;
  private readonly providers: ProviderRegistration[];
  private started = false;
  private synced = false;
  private whenWarm: Promise<boolean> | undefined;
  /** With sharding: whether this replica owns an object key (`Kind/namespace/name`). */
  private owns: (key: string) => boolean = () => true;

  constructor(options: ManagerOptions) {
    const { kube, config, log } = options;
    this.log = log;
    this.providers = options.providers;
    this.secrets = new KubeSecretStore(kube);
    this.cache = new ConfigCache({ log, namespace: config.namespace, changed: (pc) => this.requeueUsersOf(pc), listWatch: (ref) => new KubeListWatch(kube, ref), credentialsNamespaces: config.credentialsNamespaces });
    const resolver = new Resolver(this.cache, this.cache, this.limits, options.providers, this.cache);
    this.resolver = resolver;
    this.clusterId = options.clusterId;
    this.kube = kube;
    this.keyNamespace = options.keyNamespace;
    const events = new EventRecorder(coreEventApi(kube), log, { component: 'mooring' });
    const served = new Set(options.providers.flatMap((p) => Object.keys(p.kinds)));
    const kinds = options.kinds ?? MANAGED_KINDS.filter((k) => served.has(k.kind));
    const random = options.random ?? Math.random;
    const resyncMs = () => config.resyncPeriodMs * (1 + config.resyncJitter * (2 * random() - 1));
    const claims = new ClaimRegistry(kinds);
    for (const kind of kinds) {
      const writer = new KubeWriter(kube, kind.plural);
      this.writers.push({ kind: kind.kind, writer });
      const reconciler = new ManagedReconciler({
        kind, writer, secrets: this.secrets, events, providers: resolver, claims, limits: this.limits, log, resyncMs, calls: options.metrics, pendingMark: this.pendingMark, markSigner: this.markSigner,
        uninstalling: crdDeletion(kube, kind.plural),
      });
      const listWatch = new KubeListWatch<ManagedObject>(kube, { group: GROUP, version: VERSION, plural: kind.plural, kind: kind.kind, namespace: config.namespace });
      this.controllers.push(new KindController({
        kind: kind.kind, listWatch, reconciler, claims, log,
        concurrency: config.concurrency,
        backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
        observer: options.metrics?.queueObserver(kind.kind),
        owns: (object) => this.owns(`${kind.kind}/${object.metadata.namespace}/${object.metadata.name}`),
      }));
    }
    options.metrics?.attach({
      controllers: this.controllers,
      limiters: () => this.limits.accountLimiters(),
      kubeWrites: () => this.writers.map(({ kind, writer }) => ({ kind, all: writer.requests, status: writer.statusWrites })),
    });
  }

  /**
   * Reconcile only the objects `owns` picks (sharding), and look at once at every object it picks
   * now: call again whenever the shard members change.
   */
  reshard(owns: (key: string) => boolean): void {
    this.owns = owns;
    for (const c of this.controllers) c.requeueWhere((o) => owns(`${c.kind}/${o.metadata.namespace}/${o.metadata.name}`));
  }

  /** Why the manager is not ready to be counted on yet, or undefined once it is. */
  notReady(): string | undefined {
    if (!this.started) return 'not started';
    if (!this.synced) return 'watch caches not synced yet';
    return undefined;
  }

  /** Starts the caches, waits for them, then starts the work queues. */
  async start(): Promise<void> {
    if (await this.warm()) this.lead();
  }

  /**
   * Starts the watch caches and resolves once they have synced (false: stopped first). A standby
   * replica stays warm like this, so taking over costs no re-list.
   */
  async warm(): Promise<boolean> {
    if (this.started) return this.whenWarm ?? Promise.resolve(false);
    this.started = true;
    this.cache.start();
    for (const c of this.controllers) c.informer.start();
    // Reconciling before the ProviderConfigs and claims are known would report false failures.
    const key = this.loadKey().then(() => true);
    const clusterId = this.loadClusterId().then(() => true);
    this.whenWarm = Promise.all([key, clusterId, this.cache.whenSynced(), ...this.controllers.map((c) => c.whenSynced())]).then((all) => {
      this.synced = all.every(Boolean);
      return this.synced;
    });
    return this.whenWarm;
  }

  /**
   * The operator's key, before any reconcile signs a pending mark. A few tries, then this process's
   * own key with a warning: a restart then shows an interrupted create as NotOwned, never a takeover.
   */
  private async loadKey(): Promise<void> {
    if (!this.keyNamespace) return;
    for (let attempt = 1; ; attempt++) {
      try {
        const key = await loadOperatorKey(this.kube, this.keyNamespace, this.log);
        if (key) {
          this.pendingMark.useKey(key);
          this.markSigner.useKey(key);
        }
        return;
      } catch (err) {
        if (attempt >= 5) {
          this.log.warn({ err, namespace: this.keyNamespace }, 'cannot read or create the operator key Secret; using a key of this process only');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
  }

  /**
   * This cluster's ownership id, before any reconcile builds a mark. A few tries, then none, with a
   * warning: configs that name no ownershipId are then refused (OwnershipIdUnknown), never marked
   * with a guess.
   */
  private async loadClusterId(): Promise<void> {
    if (this.clusterId) return this.resolver.useClusterId(this.clusterId);
    for (let attempt = 1; ; attempt++) {
      try {
        const id = await readClusterOwnershipId(this.kube);
        this.resolver.useClusterId(id);
        this.log.info({ clusterId: id }, 'ownership id of ProviderConfigs that name none');
        return;
      } catch (err) {
        if (attempt >= 5) {
          this.log.warn({ err }, 'cannot read the kube-system Namespace: ProviderConfigs without spec.ownershipId are refused (OwnershipIdUnknown)');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
  }

  /** Starts reconciling (the caches must be warm). */
  lead(): void {
    for (const c of this.controllers) c.queue.start();
    this.log.info({ kinds: this.controllers.map((c) => c.kind), objects: this.controllers.reduce((n, c) => n + c.informer.size, 0) }, 'caches synced; reconciling');
  }

  /** Stops watching, waits for in-flight reconciles, then lets connectors close their pools. */
  async stop(): Promise<void> {
    this.cache.stop();
    await Promise.all(this.controllers.map((c) => c.stop()));
    const connectors = new Set(this.providers.flatMap((p) => Object.values(p.kinds)));
    const closing = [...connectors].map(async (c) => {
      try {
        await c?.close?.();
      } catch (err) {
        this.log.warn({ err }, 'a connector failed to close');
      }
    });
    await Promise.all(closing);
  }

  private requeueUsersOf(providerConfig: string): void {
    let count = 0;
    for (const c of this.controllers) count += c.requeueWhere((o) => providerConfigOf(o) === providerConfig);
    if (count) this.log.info({ providerConfig, resources: count }, 'ProviderConfig or its Secret changed; requeued its resources');
  }
}
