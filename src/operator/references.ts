// The index from referenced to referencing objects, fed by the managed kinds' watch caches: a change
// to a referenced object (its status.atProvider, its coming or going) or to a ConfigMap a reference
// names enqueues its dependants at once, never at the resync. ConfigMaps are watched only while some
// reference names them, and only in the namespace of the objects naming them (so only in watched
// namespaces): by name, or past a bound per namespace by one namespace-wide watch
// (configmap-watches.ts). Secrets are never listed or watched in tenants' namespaces (the
// operator's RBAC holds to that): a referenced Secret is read by name on every pass that needs it.
// A reference never leaves its namespace: every key here carries the referring object's namespace.
import type { Logger } from 'pino';
import type { ReferableKind } from '../api/references.ts';
import type { ResourceRef } from '../kube/listwatch.ts';
import { referencedSecretKey, referencesIn, tooLarge, type KeyRead, type RawSecret, type ReferenceSource } from '../reconcile/references.ts';
import type { ManagedKind, ManagedObject } from '../reconcile/types.ts';
import type { KubeObject, ListWatch } from '../runtime/informer.ts';
import { ConfigMapWatches, DEFAULT_MAX_NAMED_CONFIGMAP_WATCHES } from './configmap-watches.ts';

type DataKind = 'ConfigMap' | 'Secret';

export interface ReferenceIndexOptions {
  kinds: readonly ManagedKind[];
  /** A cached managed object (`namespace/name`) of a kind. */
  cached: (kind: string, namespace: string, name: string) => ManagedObject | undefined;
  /** Reconcile this object now. */
  enqueue: (kind: string, namespace: string, name: string) => void;
  listWatch: (ref: ResourceRef) => ListWatch<KubeObject>;
  /** A Secret by name (a GET), as the apiserver returns it (data base64); undefined when there is none. */
  readSecret: (namespace: string, name: string) => Promise<RawSecret | undefined>;
  /** ConfigMaps of a namespace watched by name before it is watched whole; default 20. */
  maxNamedConfigMapWatches?: number;
  log: Logger;
}

const sameSet = (a: ReadonlySet<string> | undefined, b: ReadonlySet<string>) => (a?.size ?? 0) === b.size && [...b].every((x) => a?.has(x));

/** `Kind/namespace/name`. */
const keyOf = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;
const split = (key: string) => {
  const [kind = '', namespace = '', ...rest] = key.split('/');
  return { kind, namespace, name: rest.join('/') };
};

export class ReferenceIndex implements ReferenceSource {
  private readonly options: ReferenceIndexOptions;
  private readonly paths = new Map<string, readonly string[]>();
  /** dependant key → the keys it references. */
  private readonly forward = new Map<string, Set<string>>();
  /** referenced key → the keys of its dependants. */
  private readonly backward = new Map<string, Set<string>>();
  /** namespace → dependant key → the ConfigMap keys it reads, as `[name, key]`. */
  private readonly reads = new Map<string, Map<string, [string, string][]>>();
  readonly configMaps: ConfigMapWatches;
  private stopped = false;

  constructor(options: ReferenceIndexOptions) {
    this.options = options;
    this.configMaps = new ConfigMapWatches({
      listWatch: options.listWatch,
      maxNamed: options.maxNamedConfigMapWatches ?? DEFAULT_MAX_NAMED_CONFIGMAP_WATCHES,
      changed: (key) => this.wake(key),
      log: options.log,
    });
    for (const k of options.kinds) this.paths.set(k.kind, k.references ?? []);
  }

  /** Handlers for one managed kind's watch cache. */
  handlersFor(kind: string) {
    return {
      onAdd: (o: ManagedObject) => this.upsert(kind, o, true),
      onUpdate: (before: ManagedObject, after: ManagedObject) => this.upsert(kind, after, JSON.stringify(before.status?.atProvider) !== JSON.stringify(after.status?.atProvider)),
      onDelete: (o: ManagedObject) => this.remove(kind, o),
    };
  }

  /** The objects referencing this one (`Kind/name`, same namespace), those being deleted left out. */
  dependantsOf(kind: string, namespace: string, name: string): string[] {
    return [...(this.backward.get(keyOf(kind, namespace, name)) ?? [])]
      .filter((k) => {
        const d = split(k);
        return !this.options.cached(d.kind, d.namespace, d.name)?.metadata.deletionTimestamp;
      })
      .map((k) => `${split(k).kind}/${split(k).name}`)
      .sort();
  }

  /** The references of every cached object, for `mooring graph`-like views: `Kind/name` → targets. */
  edges(namespace: string): { from: string; to: string }[] {
    return [...this.forward].flatMap(([from, tos]) =>
      split(from).namespace === namespace ? [...tos].map((to) => ({ from: `${split(from).kind}/${split(from).name}`, to: `${split(to).kind}/${split(to).name}` })) : [],
    );
  }

  managed(kind: ReferableKind, namespace: string, name: string): ManagedObject | undefined {
    return this.options.cached(kind, namespace, name);
  }

  async key(kind: DataKind, namespace: string, name: string, key: string): Promise<KeyRead> {
    // A Secret only when it opts in (the operator's own reads must not serve who cannot read it).
    if (kind === 'Secret') return referencedSecretKey(await this.options.readSecret(namespace, name), name, key);
    const cached = this.configMaps.get(namespace, name);
    if (cached === 'unsynced') return { missing: `${kind}/${name} not read yet` };
    const oversized = cached?.oversized[key];
    if (oversized !== undefined) return { missing: tooLarge(kind, name, key, oversized) };
    const data = cached?.data;
    if (!data) return { missing: `${kind}/${name} does not exist in this namespace` };
    const value = data[key];
    return value === undefined ? { missing: `${kind}/${name} has no key ${key}` } : { value };
  }

  cycle(kind: string, namespace: string, name: string): string[] | undefined {
    const path = this.cycleKeys(keyOf(kind, namespace, name));
    return path.length ? path.map((k) => `${split(k).kind}/${split(k).name}`) : undefined;
  }

  stop(): void {
    this.stopped = true;
    this.configMaps.stop();
  }

  private upsert(kind: string, object: ManagedObject, changed: boolean): void {
    const { namespace, name } = object.metadata;
    const key = keyOf(kind, namespace, name);
    const edges = referencesIn(object.spec, this.paths.get(kind) ?? []);
    this.setReads(namespace, key, edges.flatMap((e) => (e.target.kind === 'ConfigMap' ? [[e.target.name, e.reads] as [string, string]] : [])));
    const targets = new Set(edges.map((e) => keyOf(e.target.kind, namespace, e.target.name)));
    const dropped = [...(this.forward.get(key) ?? [])].filter((t) => !targets.has(t));
    const moved = dropped.length > 0 || !sameSet(this.forward.get(key), targets);
    // A cycle closed or broken by this spec: its other members are refused (ReferenceCycle, a
    // terminal error, looked at again only at the resync) or may now go on; told at once.
    const before = moved ? this.cycleKeys(key) : [];
    this.setEdges(key, targets);
    // What it no longer references may be held for it (InUse): looked at again now, as when it goes.
    if (moved) for (const k of new Set([...before, ...this.cycleKeys(key), ...dropped])) if (k !== key) this.enqueueKey(k);
    if (changed) this.wake(key);
  }

  /** The keys on a cycle through `start` (first = start), if any. */
  private cycleKeys(start: string): string[] {
    const path: string[] = [];
    const seen = new Set<string>();
    const visit = (key: string): boolean => {
      if (path.includes(key)) return key === start;
      if (seen.has(key)) return false;
      seen.add(key);
      path.push(key);
      for (const next of this.forward.get(key) ?? []) if (visit(next)) return true;
      path.pop();
      return false;
    };
    return visit(start) ? path : [];
  }

  private remove(kind: string, object: ManagedObject): void {
    const key = keyOf(kind, object.metadata.namespace, object.metadata.name);
    // What it referenced may be waiting for it to go (InUse): looked at again now.
    const targets = [...(this.forward.get(key) ?? [])];
    this.setReads(object.metadata.namespace, key, []);
    this.setEdges(key, new Set());
    for (const t of targets) this.enqueueKey(t);
    this.wake(key);
  }

  private setEdges(key: string, targets: Set<string>): void {
    const before = this.forward.get(key) ?? new Set<string>();
    for (const t of before) if (!targets.has(t)) this.backward.get(t)?.delete(key);
    for (const t of targets) {
      if (!this.backward.has(t)) this.backward.set(t, new Set());
      this.backward.get(t)?.add(key);
    }
    for (const t of before) if (this.backward.get(t)?.size === 0) this.backward.delete(t);
    if (targets.size) this.forward.set(key, targets);
    else this.forward.delete(key);
  }

  /** Records which ConfigMap keys a dependant reads, and watches what its namespace now names. */
  private setReads(namespace: string, dependant: string, reads: [string, string][]): void {
    const before = this.reads.get(namespace)?.get(dependant) ?? [];
    if (JSON.stringify(before) === JSON.stringify(reads)) return;
    const ofNamespace = this.reads.get(namespace) ?? new Map<string, [string, string][]>();
    if (reads.length) ofNamespace.set(dependant, reads);
    else ofNamespace.delete(dependant);
    if (ofNamespace.size) this.reads.set(namespace, ofNamespace);
    else this.reads.delete(namespace);
    if (this.stopped) return;
    const names = new Map<string, Set<string>>();
    for (const [name, key] of [...ofNamespace.values()].flat()) names.set(name, (names.get(name) ?? new Set()).add(key));
    this.configMaps.sync(namespace, names);
  }

  /** Enqueues the dependants of `key`. */
  private wake(key: string): void {
    for (const d of this.backward.get(key) ?? []) this.enqueueKey(d);
  }

  private enqueueKey(key: string): void {
    const { kind, namespace, name } = split(key);
    if (this.paths.has(kind)) this.options.enqueue(kind, namespace, name);
  }
}
