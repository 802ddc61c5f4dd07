// The index from referenced to referencing objects, fed by the managed kinds' watch caches: a change
// to a referenced object (its status.atProvider, its coming or going) or to a ConfigMap a reference
// names enqueues its dependants at once, never at the resync. ConfigMaps are watched one by one, by
// name, only while some reference names them, and only in the namespace of the objects naming them
// (so only in watched namespaces). Secrets are never listed or watched in tenants' namespaces (the
// operator's RBAC holds to that): a referenced Secret is read by name on every pass that needs it.
// A reference never leaves its namespace: every key here carries the referring object's namespace.
import type { Logger } from 'pino';
import type { ReferableKind } from '../api/references.ts';
import type { ResourceRef } from '../kube/listwatch.ts';
import { targetsOf, type ReferenceSource } from '../reconcile/references.ts';
import type { ManagedKind, ManagedObject } from '../reconcile/types.ts';
import { Informer, type KubeObject, type ListWatch } from '../runtime/informer.ts';

interface DataObject extends KubeObject {
  metadata: { name: string; namespace: string; deletionTimestamp?: string };
  data?: Record<string, string>;
}

type DataKind = 'ConfigMap' | 'Secret';
const CONFIGMAPS: Omit<ResourceRef, 'namespace' | 'fieldSelector'> = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };

export interface ReferenceIndexOptions {
  kinds: readonly ManagedKind[];
  /** A cached managed object (`namespace/name`) of a kind. */
  cached: (kind: string, namespace: string, name: string) => ManagedObject | undefined;
  /** Reconcile this object now. */
  enqueue: (kind: string, namespace: string, name: string) => void;
  listWatch: (ref: ResourceRef) => ListWatch<KubeObject>;
  /** A Secret's data by name (a GET), undefined when there is none. */
  readSecret: (namespace: string, name: string) => Promise<Record<string, string> | undefined>;
  log: Logger;
}

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
  /** One watch per ConfigMap or Secret some reference names. */
  private readonly watches = new Map<string, Informer<DataObject>>();
  private stopped = false;

  constructor(options: ReferenceIndexOptions) {
    this.options = options;
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

  async key(kind: DataKind, namespace: string, name: string, key: string): Promise<{ value: string } | { missing: string }> {
    let data: Record<string, string> | undefined;
    if (kind === 'Secret') {
      data = await this.options.readSecret(namespace, name);
    } else {
      const informer = this.watches.get(keyOf(kind, namespace, name));
      if (!informer?.hasSynced()) return { missing: `${kind}/${name} not read yet` };
      data = informer.get(`${namespace}/${name}`)?.data;
    }
    if (!data) return { missing: `${kind}/${name} does not exist in this namespace` };
    const value = data[key];
    return value === undefined ? { missing: `${kind}/${name} has no key ${key}` } : { value };
  }

  cycle(kind: string, namespace: string, name: string): string[] | undefined {
    const start = keyOf(kind, namespace, name);
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
    return visit(start) ? path.map((k) => `${split(k).kind}/${split(k).name}`) : undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }

  private upsert(kind: string, object: ManagedObject, changed: boolean): void {
    const { namespace, name } = object.metadata;
    const key = keyOf(kind, namespace, name);
    const targets = new Set(targetsOf(object.spec, this.paths.get(kind) ?? []).map((t) => keyOf(t.kind, namespace, t.name)));
    this.setEdges(key, targets);
    if (changed) this.wake(key);
  }

  private remove(kind: string, object: ManagedObject): void {
    const key = keyOf(kind, object.metadata.namespace, object.metadata.name);
    // What it referenced may be waiting for it to go (InUse): looked at again now.
    const targets = [...(this.forward.get(key) ?? [])];
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
    this.syncWatches();
  }

  /** Enqueues the dependants of `key`. */
  private wake(key: string): void {
    for (const d of this.backward.get(key) ?? []) this.enqueueKey(d);
  }

  private enqueueKey(key: string): void {
    const { kind, namespace, name } = split(key);
    if (this.paths.has(kind)) this.options.enqueue(kind, namespace, name);
  }

  /** Watches exactly the ConfigMaps some reference names, each by name. */
  private syncWatches(): void {
    if (this.stopped) return;
    const wanted = [...this.backward.keys()].filter((k) => split(k).kind === 'ConfigMap');
    for (const [key, informer] of this.watches) {
      if (this.backward.has(key)) continue;
      informer.stop();
      this.watches.delete(key);
    }
    for (const key of wanted) {
      if (this.watches.has(key)) continue;
      const { namespace, name } = split(key);
      const informer = new Informer<DataObject>({
        listWatch: this.options.listWatch({ ...CONFIGMAPS, namespace, fieldSelector: `metadata.name=${name}` }) as ListWatch<DataObject>,
        // The error may quote the request; it never holds the object's data.
        onError: (err, during) => this.options.log.warn({ referenced: key, during, err }, 'watch of a referenced object failed; retrying'),
        handlers: { onAdd: () => this.wake(key), onUpdate: () => this.wake(key), onDelete: () => this.wake(key) },
      });
      this.watches.set(key, informer);
      informer.start();
      // Synced with nothing there is news too: the dependants say "does not exist" instead of "not read yet".
      void informer.whenSynced().then((synced) => synced && this.wake(key));
    }
  }
}
