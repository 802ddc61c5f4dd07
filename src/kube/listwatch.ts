// The real ListWatch: lists in pages (limit and continue) and watches from the list's
// resourceVersion, asking for BOOKMARKs, through the operator's own client (client.ts).
// What the informer needs from a watch's end is translated here: a stream the server closed, or
// one quiet for the client's idle time, is a normal end; a refusal (410 Gone) is an error.
import type { KubeObject, ListResult, ListWatch, WatchEvent, WatchHandle } from '../runtime/informer.ts';
import type { KubeClient } from './client.ts';
import { resourcePath } from './paths.ts';

export interface ResourceRef {
  /** API group; '' for the core group (Secrets, ConfigMaps). */
  group: string;
  version: string;
  /** The resource's plural name, as in the URL: `buckets`. */
  plural: string;
  /** The kind, filled into listed items (a list's items come without it). */
  kind: string;
  /** One namespace; unset: all namespaces (or a cluster-scoped resource). */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

export interface KubeListWatchOptions {
  /** Objects per list page. Default 500. */
  pageSize?: number;
  /** The server ends each watch after a random time in [min, 2 × min], as client-go does. Default 300 s. */
  minWatchTimeoutSeconds?: number;
  /** Default Math.random. */
  random?: () => number;
}

interface ListPage<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

export class KubeListWatch<T extends KubeObject> implements ListWatch<T> {
  private readonly ref: ResourceRef;
  private readonly kube: KubeClient;
  private readonly pageSize: number;
  private readonly minWatchTimeoutSeconds: number;
  private readonly random: () => number;

  constructor(kube: KubeClient, ref: ResourceRef, options: KubeListWatchOptions = {}) {
    this.ref = ref;
    this.kube = kube;
    this.pageSize = options.pageSize ?? 500;
    this.minWatchTimeoutSeconds = options.minWatchTimeoutSeconds ?? 300;
    this.random = options.random ?? Math.random;
  }

  private get apiVersion(): string {
    return this.ref.group ? `${this.ref.group}/${this.ref.version}` : this.ref.version;
  }

  /** The collection's path, listed and watched. */
  get path(): string {
    const { group, version, namespace, plural } = this.ref;
    return resourcePath({ group, version, plural, namespace });
  }

  async list(): Promise<ListResult<T>> {
    const items: T[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    do {
      const page = await this.page(token);
      // List items come without kind and apiVersion (watch events carry them): fill them in so
      // the cache holds one shape whichever way an object arrived.
      for (const item of page.items ?? []) items.push(slim({ apiVersion: this.apiVersion, kind: this.ref.kind, ...item }));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      token = page.metadata?.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }

  private page(token: string | undefined): Promise<ListPage<T>> {
    const { labelSelector, fieldSelector } = this.ref;
    return this.kube.request<ListPage<T>>('GET', this.path, { query: { labelSelector, fieldSelector, limit: this.pageSize, continue: token } });
  }

  async watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, onDone: (err?: unknown) => void): Promise<WatchHandle> {
    const min = this.minWatchTimeoutSeconds;
    const params = {
      resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: Math.floor(min * (1 + this.random())),
      labelSelector: this.ref.labelSelector,
      fieldSelector: this.ref.fieldSelector,
    };
    const controller = new AbortController();
    // After abort the informer needs neither callback: the watch's promise settles unreported.
    const report = (err?: unknown) => (controller.signal.aborted ? undefined : onDone(err));
    this.kube.watch(this.path, params, ({ type, object }) => onEvent({ type, object: slim(object as T) }), controller.signal).then(() => report(), report);
    return { abort: () => controller.abort() };
  }
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface Slimmable {
  apiVersion?: string;
  kind?: string;
  metadata?: { managedFields?: unknown; annotations?: Record<string, string>; namespace?: string };
}

/**
 * Drops what the operator never reads and what makes up most of a cached object's size: the
 * managedFields bookkeeping of server-side apply, and kubectl's copy of the whole last-applied
 * manifest. (controller-runtime users strip managedFields the same way, by a cache transform.)
 * The metadata is rebuilt rather than `delete`d from: V8 turns an object a property is deleted
 * from into a hash table, half as big again (docs/performance.md: 1,038 against 686 bytes a cached
 * Bucket). Every other field stays: the reconciler reads spec, status, generation, finalizers,
 * deletionTimestamp, labels, the other annotations, ownerReferences and resourceVersion.
 */
export function slim<T>(object: T): T {
  const o = object as Slimmable | null;
  if (!o?.metadata) return object;
  const { managedFields: _managed, annotations, ...metadata } = o.metadata;
  const kept = annotations && LAST_APPLIED in annotations ? without(annotations, LAST_APPLIED) : annotations;
  o.metadata = kept && Object.keys(kept).length > 0 ? { ...metadata, annotations: kept } : metadata;
  // The same few strings in every object of a collection, held once.
  if (o.metadata.namespace !== undefined) o.metadata.namespace = intern(o.metadata.namespace);
  if (o.apiVersion !== undefined) o.apiVersion = intern(o.apiVersion);
  if (o.kind !== undefined) o.kind = intern(o.kind);
  return object;
}

function without(record: Record<string, string>, key: string): Record<string, string> {
  const { [key]: _dropped, ...rest } = record;
  return rest;
}

// Namespaces, kinds and API versions: as many as the cluster has, so the pool stays small.
const interned = new Map<string, string>();
function intern(value: string): string {
  const held = interned.get(value);
  if (held !== undefined) return held;
  interned.set(value, value);
  return value;
}
