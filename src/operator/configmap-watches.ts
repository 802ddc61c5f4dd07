// The watches of the ConfigMaps references name, bounded per namespace: a tenant naming thousands
// of ConfigMaps must not open thousands of long-lived watches. Up to `maxNamed` ConfigMaps of a
// namespace are watched one by one, by name; past that the namespace gets ONE namespace-wide watch
// instead, and goes back to named watches only once it names at most half as many (so one object
// added and removed again does not flap the watches). Every cached ConfigMap keeps only the keys
// some reference reads, and of those only values within MAX_REFERENCED_VALUE_BYTES: a tenant's
// big ConfigMaps cost little memory. A watch restarts (re-lists) only when a key is wanted that it
// dropped on the way in.
import type { Logger } from 'pino';
import type { ResourceRef } from '../kube/listwatch.ts';
import { MAX_REFERENCED_VALUE_BYTES } from '../reconcile/references.ts';
import { Informer, type KubeObject, type ListWatch, type WatchEvent } from '../runtime/informer.ts';

/** A ConfigMap as cached: its name, the wanted keys within the bound, the sizes of those over it. */
export interface StrippedConfigMap extends KubeObject {
  metadata: { name: string; namespace: string; resourceVersion?: string; uid?: string };
  data: Record<string, string>;
  oversized: Record<string, number>;
}

interface RawConfigMap extends KubeObject {
  metadata?: KubeObject['metadata'] & { deletionTimestamp?: string };
  data?: Record<string, string>;
}

const CONFIGMAPS: Omit<ResourceRef, 'namespace' | 'fieldSelector'> = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };
export const DEFAULT_MAX_NAMED_CONFIGMAP_WATCHES = 20;

/** namespace → ConfigMap name → the keys references read. */
export type WantedKeys = Map<string, Map<string, Set<string>>>;

/** Keeps only the `wanted` keys, values over the bound replaced by their size. */
export function strip(object: RawConfigMap, wanted: ReadonlySet<string> | undefined): StrippedConfigMap {
  const { name = '', namespace = '', resourceVersion, uid } = object.metadata ?? {};
  const out: StrippedConfigMap = { kind: 'ConfigMap', metadata: { name, namespace, resourceVersion, uid }, data: {}, oversized: {} };
  for (const key of wanted ?? []) {
    const value = object.data?.[key];
    if (value === undefined) continue;
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_REFERENCED_VALUE_BYTES) out.oversized[key] = bytes;
    else out.data[key] = value;
  }
  return out;
}

/** A ListWatch whose lists and events carry stripped ConfigMaps only. */
function stripping(inner: ListWatch<KubeObject>, wanted: (name: string) => ReadonlySet<string> | undefined): ListWatch<StrippedConfigMap> {
  const one = (o: KubeObject) => strip(o, wanted(o.metadata?.name ?? ''));
  return {
    list: async () => {
      const got = await inner.list();
      return { resourceVersion: got.resourceVersion, items: got.items.map(one) };
    },
    watch: (rv, onEvent, onDone) =>
      inner.watch(rv, (e: WatchEvent<KubeObject>) => onEvent(e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED' ? { type: e.type, object: one(e.object) } : (e as WatchEvent<StrippedConfigMap>)), onDone),
  };
}

interface Watch {
  informer: Informer<StrippedConfigMap>;
  /** `name\0key` of every key it was started keeping: wanting another one means a re-list. */
  keeps: Set<string>;
}

export interface ConfigMapWatchesOptions {
  listWatch: (ref: ResourceRef) => ListWatch<KubeObject>;
  /** Named watches a namespace may have before it is watched whole. */
  maxNamed: number;
  /** A ConfigMap (`ConfigMap/namespace/name`) changed, came, went, or was first read. */
  changed: (key: string) => void;
  log: Logger;
}

const pairs = (names: Map<string, Set<string>>, only?: string) =>
  new Set([...names].flatMap(([name, keys]) => (only === undefined || only === name ? [...keys].map((k) => `${name}\0${k}`) : [])));
const covers = (keeps: Set<string>, wanted: Set<string>) => [...wanted].every((p) => keeps.has(p));

export class ConfigMapWatches {
  private readonly options: ConfigMapWatchesOptions;
  /** `namespace/name` → its named watch. */
  private readonly named = new Map<string, Watch>();
  /** namespace → its namespace-wide watch. */
  private readonly wide = new Map<string, Watch>();
  private wanted: WantedKeys = new Map();

  constructor(options: ConfigMapWatchesOptions) {
    this.options = options;
  }

  /** The watches open: `namespace/name` by name, `namespace/*` namespace-wide. */
  open(): string[] {
    return [...this.named.keys(), ...[...this.wide.keys()].map((ns) => `${ns}/*`)].sort();
  }

  /** The ConfigMap as cached (stripped), undefined when there is none; 'unsynced' before its watch has listed. */
  get(namespace: string, name: string): StrippedConfigMap | undefined | 'unsynced' {
    const watch = this.wide.get(namespace) ?? this.named.get(`${namespace}/${name}`);
    if (!watch?.informer.hasSynced()) return 'unsynced';
    return watch.informer.get(`${namespace}/${name}`);
  }

  /** Watches exactly what `wanted` names in `namespace`. */
  sync(namespace: string, names: Map<string, Set<string>>): void {
    if (names.size) this.wanted.set(namespace, names);
    else this.wanted.delete(namespace);
    const wide = this.wide.get(namespace);
    const goWide = wide ? names.size > Math.floor(this.options.maxNamed / 2) : names.size > this.options.maxNamed;
    if (goWide) {
      for (const name of this.namedIn(namespace)) this.stopNamed(namespace, name);
      if (!wide || !covers(wide.keeps, pairs(names))) this.startWide(namespace, names);
      return;
    }
    if (wide) {
      wide.informer.stop();
      this.wide.delete(namespace);
    }
    for (const name of this.namedIn(namespace)) if (!names.has(name)) this.stopNamed(namespace, name);
    for (const name of names.keys()) {
      const watch = this.named.get(`${namespace}/${name}`);
      if (!watch || !covers(watch.keeps, pairs(names, name))) this.startNamed(namespace, name, names);
    }
  }

  stop(): void {
    for (const w of [...this.named.values(), ...this.wide.values()]) w.informer.stop();
    this.named.clear();
    this.wide.clear();
  }

  private namedIn(namespace: string): string[] {
    return [...this.named.keys()].filter((k) => k.startsWith(`${namespace}/`)).map((k) => k.slice(namespace.length + 1));
  }

  private stopNamed(namespace: string, name: string): void {
    this.named.get(`${namespace}/${name}`)?.informer.stop();
    this.named.delete(`${namespace}/${name}`);
  }

  private startNamed(namespace: string, name: string, names: Map<string, Set<string>>): void {
    this.stopNamed(namespace, name);
    const ref = { ...CONFIGMAPS, namespace, fieldSelector: `metadata.name=${name}` };
    this.named.set(`${namespace}/${name}`, this.start(ref, namespace, pairs(names, name), [name]));
  }

  private startWide(namespace: string, names: Map<string, Set<string>>): void {
    this.wide.get(namespace)?.informer.stop();
    this.options.log.info({ namespace, configMaps: names.size, maxNamed: this.options.maxNamed }, 'references name many ConfigMaps here: watching the namespace\'s ConfigMaps with one watch');
    this.wide.set(namespace, this.start({ ...CONFIGMAPS, namespace }, namespace, pairs(names), [...names.keys()]));
  }

  /** `wakes`: the ConfigMaps to report once the watch has listed (there or not, that is news). */
  private start(ref: ResourceRef, namespace: string, keeps: Set<string>, wakes: string[]): Watch {
    const keyOf = (name: string) => `ConfigMap/${namespace}/${name}`;
    // Read live: a key no longer wanted is dropped at the next event; a new one restarts the watch.
    const wanted = (name: string) => this.wanted.get(namespace)?.get(name);
    const changed = (o: StrippedConfigMap) => {
      if (wanted(o.metadata.name)) this.options.changed(keyOf(o.metadata.name));
    };
    const informer = new Informer<StrippedConfigMap>({
      listWatch: stripping(this.options.listWatch(ref), wanted),
      // The error may quote the request; it never holds the object's data.
      onError: (err, during) => this.options.log.warn({ namespace, fieldSelector: ref.fieldSelector, during, err }, 'watch of referenced ConfigMaps failed; retrying'),
      handlers: { onAdd: changed, onUpdate: (_b, a) => changed(a), onDelete: changed },
    });
    informer.start();
    void informer.whenSynced().then((synced) => {
      if (synced) for (const name of wakes) this.options.changed(keyOf(name));
    });
    return { informer, keeps };
  }
}
