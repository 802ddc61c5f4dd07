// The operator process's insides: one controller per managed kind, the ProviderConfig/Secret
// cache they share, the limits, the event recorder. `start` returns once every cache has synced;
// `stop` lets in-flight reconciles finish (a half-done create is still recorded as pending) for a
// grace period, then aborts the adapter calls still in flight so the process can exit.
import type { Logger } from 'pino';
import type { z } from 'zod';
import { GROUP, VERSION } from '../api/common.ts';
import { KINDS } from '../api/kinds.ts';
import { derivedNameProblems } from '../api/derived.ts';
import type { SpecReference } from '../api/crd.ts';
import type { KubeClient } from '../kube/client.ts';
import { absentKindAsEmpty, crdDeletion } from '../kube/crds.ts';
import { KubeSecretStore } from '../kube/secrets.ts';
import { KubeConfigMapStore } from '../kube/configmaps.ts';
import { clusterStatusWriter, coreEventApi, KubeWriter } from '../kube/writer.ts';
import { Limits } from '../limits/index.ts';
import { AccountDirectory } from './account-directory.ts';
import { granted } from './grants.ts';
import { CallDeadlines } from '../reconcile/deadline.ts';
import { EventRecorder } from '../reconcile/events.ts';
import { ManagedReconciler } from '../reconcile/managed.ts';
import type { IntervalBounds } from '../reconcile/interval.ts';
import type { EventSink, ManagedKind, ManagedObject, ManagedSpecBase, ResyncCheck } from '../reconcile/types.ts';
import { DEFAULTS, type Config } from '../runtime/config.ts';
import type { KubeObject, ListWatch } from '../runtime/informer.ts';
import { KubeListWatch, type ResourceRef } from '../kube/listwatch.ts';
import { ClaimRegistry } from './claims.ts';
import { ReferenceIndex } from './references.ts';
import { ConfigCache } from './config-cache.ts';
import { configProbe, ConfigStatusChecker, CREDENTIAL_FAILURES, UsageIndex } from './config-status.ts';
import { KindController } from './controller.ts';
import type { OperatorMetrics } from '../http/metrics.ts';
import { Resolver, type ProviderRegistration } from './providers.ts';
import { loadOperatorKey } from '../kube/operator-key.ts';
import { PendingMarkSigner } from '../reconcile/pending.ts';
import { MarkSigner } from '../reconcile/marks.ts';
import { ResyncBudget } from '../limits/resync.ts';
import { readClusterOwnershipId } from '../kube/cluster-id.ts';
import { randomBytes } from 'node:crypto';

/** The namespaced kinds of src/api/kinds.ts, as the reconciler knows them. */
export const MANAGED_KINDS: ManagedKind[] = KINDS.filter((k) => k.scope === 'Namespaced').map((k) => {
  const kind: ManagedKind = { kind: k.kind, plural: k.plural, spec: k.spec as z.ZodType<ManagedSpecBase> };
  if (k.connectionSecret) kind.connectionSecret = k.connectionSecret;
  if (k.references) kind.references = k.references;
  const derived = k.derivedNames;
  if (derived?.length) kind.nameProblems = (name, spec) => derivedNameProblems(derived, name, spec as unknown as Record<string, unknown>);
  const identity = k.externalName;
  if (identity) kind.externalName = (object, spec) => identity(spec as never, object.metadata.name);
  const group = k.resyncGroup;
  if (group) kind.resyncGroup = (spec) => group(spec as never);
  else if (k.defaultExternalName) kind.externalName = externalNameOf(k.defaultExternalName);
  if (k.assetReferences) kind.assetReferences = k.assetReferences as (spec: ManagedSpecBase) => SpecReference[];
  return kind;
});

function externalNameOf(fallback: (objectName: string) => string): ManagedKind['externalName'] {
  return (object, spec) => spec.externalName ?? fallback(object.metadata.name);
}

export type ManagerConfig = Pick<Config, 'namespaces' | 'concurrency' | 'resyncPeriodMs' | 'resyncJitter' | 'backoffBaseMs' | 'backoffMaxMs' | 'credentialsNamespaces'> &
  Partial<Pick<Config, 'callTimeoutMs' | 'deleteTimeoutMs' | 'shutdownGraceMs' | 'providerConfigCheckMs' | 'userWaitPollMs' | 'resyncReadsPerSecond' | 'maxReferencedConfigMapWatches' | 'minReconcileIntervalMs' | 'maxReconcileIntervalMs'>>;

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
  /**
   * Which ProviderConfigs' status this operator writes. Default: every one when it watches all
   * namespaces; none with --namespace, since operators confined to one namespace each would count
   * only their own users and overwrite each other's (tests name their own configs here).
   */
  writesConfigStatus?: (providerConfig: string) => boolean;
}

const providerConfigOf = (object: ManagedObject) => (object.spec?.providerConfigRef as { name?: unknown } | undefined)?.name;
const providerConfigName = (object: ManagedObject) => {
  const name = providerConfigOf(object);
  return typeof name === 'string' ? name : undefined;
};
/** The sharding key of a ProviderConfig's status: one replica writes it. */
const configKey = (name: string) => `ProviderConfig/${name}`;

type MakeListWatch = <T extends KubeObject>(ref: ResourceRef) => ListWatch<T>;

/** What every kind's controller shares. */
interface SharedParts {
  events: EventSink;
  claims: ClaimRegistry;
  resyncMs: (check?: ResyncCheck) => number;
  interval: IntervalBounds;
  listWatch: MakeListWatch;
  /** Which ProviderConfig each object uses, for the configs' status. */
  usage: UsageIndex;
}

/**
 * List/watches on the apiserver. Our own kinds may be missing (an uninstall under way, a CRD not
 * installed yet): listed as empty, never a cache that cannot sync. Namespaces and Secrets are core
 * kinds, always served.
 */
function listWatchOf(kube: KubeClient, log: Logger): MakeListWatch {
  return <T extends KubeObject>(ref: ResourceRef): ListWatch<T> => {
    const inner = new KubeListWatch<T>(kube, ref);
    if (ref.group !== GROUP) return inner;
    return absentKindAsEmpty(inner, () => log.warn({ crd: `${ref.plural}.${GROUP}` }, 'the CRD is not installed; taking its kind as empty until it is'));
  };
}

export class Manager {
  readonly controllers: KindController[] = [];
  readonly cache: ConfigCache;
  readonly limits = new Limits();
  private readonly accounts: AccountDirectory;
  readonly writers: { kind: string; writer: KubeWriter }[] = [];
  readonly secrets: KubeSecretStore;
  /** The deadline of every adapter call; `stop` aborts the calls still in flight after the grace. */
  readonly deadlines: CallDeadlines;
  /** Writes each ProviderConfig's status (while this replica leads; with sharding, the one owning it). */
  readonly configStatus: ConfigStatusChecker;
  /** Who references whom (src/operator/references.ts): dependants are requeued when what they read changes. */
  readonly references: ReferenceIndex;
  private readonly shutdownGraceMs: number;
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
    this.deadlines = new CallDeadlines({ callTimeoutMs: config.callTimeoutMs, deleteTimeoutMs: config.deleteTimeoutMs });
    this.shutdownGraceMs = config.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs;
    this.secrets = new KubeSecretStore(kube);
    const listWatch = listWatchOf(kube, log);
    this.cache = new ConfigCache({ log, namespaces: config.namespaces, changed: (pc) => this.configChanged(pc), listWatch, credentialsNamespaces: config.credentialsNamespaces });
    this.resolver = new Resolver(this.cache, this.cache, this.limits, options.providers, this.cache);
    const watched = config.namespaces;
    // Probed as soon as seen only where a watched namespace may use it (cluster-wide: every config, as the status checker does).
    const usable = (name: string) => !watched || watched.some((ns) => granted(this.cache.get(name)?.grants, ns, this.cache));
    this.accounts = new AccountDirectory({ configs: this.cache, probe: configProbe(this.cache, this.resolver, options.providers), log, usable });
    this.resolver.useAccounts(this.accounts);
    this.clusterId = options.clusterId;
    this.kube = kube;
    this.keyNamespace = options.keyNamespace;
    const usage = new UsageIndex((pc) => this.configStatus.usageChanged(pc));
    this.configStatus = this.configStatusChecker(options, usage);
    const served = new Set(options.providers.flatMap((p) => Object.keys(p.kinds)));
    const kinds = options.kinds ?? MANAGED_KINDS.filter((k) => served.has(k.kind));
    const random = options.random ?? Math.random;
    const recorder = new EventRecorder(coreEventApi(kube), log, { component: 'mooring' });
    // Drift checks spread over the period and held under each account's read budget.
    const budget = new ResyncBudget({ periodMs: config.resyncPeriodMs, readsPerSecond: config.resyncReadsPerSecond ?? DEFAULTS.resyncReadsPerSecond });
    this.resolver.useResyncBudget(budget);
    this.references = new ReferenceIndex({
      kinds,
      cached: (kind, namespace, name) => this.controllers.find((c) => c.kind === kind)?.informer.get(`${namespace}/${name}`),
      enqueue: (kind, namespace, name) => this.controllers.find((c) => c.kind === kind)?.requeue(namespace, name),
      listWatch,
      readSecret: (namespace, name) => this.secrets.readRaw(namespace, name),
      maxNamedConfigMapWatches: config.maxReferencedConfigMapWatches ?? DEFAULTS.maxReferencedConfigMapWatches,
      log,
    });
    const shared: SharedParts = {
      events: this.credentialFailuresChecked(recorder),
      claims: new ClaimRegistry(kinds),
      resyncMs: (check) => (check ? budget.next(check.account, check.phaseKey, check.everyMs) : config.resyncPeriodMs * (1 + config.resyncJitter * (2 * random() - 1))),
      interval: {
        minMs: config.minReconcileIntervalMs ?? DEFAULTS.minReconcileIntervalMs,
        maxMs: config.maxReconcileIntervalMs ?? DEFAULTS.maxReconcileIntervalMs,
        jitter: (ms) => ms * (1 + config.resyncJitter * (2 * random() - 1)),
      },
      listWatch,
      usage,
    };
    for (const kind of kinds) this.controllers.push(this.controllerFor(kind, options, shared));
    options.metrics?.attach({
      controllers: this.controllers,
      limiters: () => this.limits.accountLimiters(),
      resync: () => budget.stats(),
      kubeWrites: () => this.writers.map(({ kind, writer }) => ({ kind, all: writer.requests, status: writer.statusWrites, events: recorder.writes.get(kind) ?? 0 })),
    });
  }

  /** Writes ProviderConfigs' status: those `writesConfigStatus` picks, and with sharding those this replica owns. */
  private configStatusChecker(options: ManagerOptions, usage: UsageIndex): ConfigStatusChecker {
    const { config } = options;
    const writesStatus = options.writesConfigStatus ?? (() => config.namespaces === undefined);
    return new ConfigStatusChecker({
      configs: this.cache,
      probe: configProbe(this.cache, this.resolver, options.providers),
      write: clusterStatusWriter(options.kube, 'providerconfigs'),
      usedBy: (pc) => usage.count(pc),
      owns: (pc) => writesStatus(pc) && this.owns(configKey(pc)),
      intervalMs: config.providerConfigCheckMs ?? DEFAULTS.providerConfigCheckMs,
      log: options.log,
      ...(options.random ? { random: options.random } : {}),
    });
  }

  /** One kind's reconciler and controller, its writes counted and its objects' ProviderConfigs indexed. */
  private controllerFor(kind: ManagedKind, options: ManagerOptions, shared: SharedParts): KindController {
    const { kube, config, log } = options;
    const writer = new KubeWriter(kube, kind.plural);
    this.writers.push({ kind: kind.kind, writer });
    const reconciler = new ManagedReconciler({
      kind, writer, secrets: this.secrets, events: shared.events, providers: this.resolver, claims: shared.claims, limits: this.limits, log, resyncMs: shared.resyncMs, interval: shared.interval, calls: options.metrics, pendingMark: this.pendingMark, deadlines: this.deadlines, markSigner: this.markSigner, ...(config.userWaitPollMs === undefined ? {} : { userWaitPollMs: config.userWaitPollMs }),
      uninstalling: crdDeletion(kube, kind.plural), references: this.references, configMaps: new KubeConfigMapStore(kube),
    });
    // One list/watch per watched namespace (what a Role there allows), or one cluster-wide.
    const ref = { group: GROUP, version: VERSION, plural: kind.plural, kind: kind.kind };
    const watches = config.namespaces
      ? config.namespaces.map((namespace) => shared.listWatch<ManagedObject>({ ...ref, namespace }))
      : shared.listWatch<ManagedObject>(ref);
    const key = (o: ManagedObject) => `${kind.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    const controller = new KindController({
      kind: kind.kind, listWatch: watches, reconciler, claims: shared.claims, log,
      concurrency: config.concurrency,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      observer: options.metrics?.queueObserver(kind.kind),
      owns: (object) => this.owns(key(object)),
    });
    controller.informer.addHandlers({
      onAdd: (o) => shared.usage.set(key(o), providerConfigName(o)),
      onUpdate: (_, o) => shared.usage.set(key(o), providerConfigName(o)),
      onDelete: (o) => shared.usage.set(key(o), undefined),
    });
    controller.informer.addHandlers(this.references.handlersFor(kind.kind));
    return controller;
  }

  /**
   * Reconcile only the objects `owns` picks (sharding), and look at once at every object it picks
   * now: call again whenever the shard members change.
   */
  reshard(owns: (key: string) => boolean): void {
    this.owns = owns;
    for (const c of this.controllers) c.requeueWhere((o) => owns(`${c.kind}/${o.metadata.namespace}/${o.metadata.name}`));
    this.configStatus.recheckOwned();
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
    this.configStatus.start();
    // Each config this replica may use learns its account now that grants can be read (namespace labels synced).
    for (const name of this.cache.names()) this.accounts.changed(name);
    this.log.info({ kinds: this.controllers.map((c) => c.kind), objects: this.controllers.reduce((n, c) => n + c.informer.size, 0) }, 'caches synced; reconciling');
  }

  /**
   * Stops watching, waits for in-flight reconciles (after `graceMs`, default --shutdown-grace,
   * their adapter calls are aborted: they end at once as OperatorStopping), then lets connectors
   * close their pools.
   */
  async stop(graceMs = this.shutdownGraceMs): Promise<void> {
    this.configStatus.stop();
    this.cache.stop();
    this.references.stop();
    const abort = setTimeout(() => {
      this.log.warn({ graceMs }, 'reconciles still in flight after the shutdown grace; aborting their adapter calls');
      this.deadlines.abortAll();
    }, graceMs);
    try {
      await Promise.all(this.controllers.map((c) => c.stop()));
    } finally {
      clearTimeout(abort);
    }
    this.limits.stop();
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

  /**
   * Every failure the reconciler reports goes out as a Warning Event with its reason: one on the
   * credentials asks for a check of the object's ProviderConfig (merged with any other ask).
   */
  private credentialFailuresChecked(sink: EventSink): EventSink {
    return {
      event: (object, type, reason, message) => {
        const pc = type === 'Warning' && CREDENTIAL_FAILURES.has(reason) ? providerConfigName(object) : undefined;
        if (pc) this.configStatus.suspect(pc);
        sink.event(object, type, reason, message);
      },
    };
  }

  private configChanged(providerConfig: string): void {
    this.accounts.changed(providerConfig);
    this.configStatus.changed(providerConfig);
    this.requeueUsersOf(providerConfig);
  }

  private requeueUsersOf(providerConfig: string): void {
    let count = 0;
    for (const c of this.controllers) count += c.requeueWhere((o) => providerConfigOf(o) === providerConfig);
    if (count) this.log.info({ providerConfig, resources: count }, 'ProviderConfig or its Secret changed; requeued its resources');
  }
}
