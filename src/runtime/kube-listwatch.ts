// The real ListWatch: lists in pages through client-node's API clients and watches with its Watch
// class, asking for BOOKMARKs. What the informer needs from a watch's end is translated here: the
// Watch class aborts a stream that was quiet for 30 s, which is a normal end, not a failure.
import { CustomObjectsApi, KubernetesObjectApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, ListResult, ListWatch, WatchEvent, WatchHandle } from './informer.ts';

export interface ResourceRef {
  /** API group; '' for the core group (Secrets, ConfigMaps). */
  group: string;
  version: string;
  /** The resource's plural name, as in the URL: `buckets`. */
  plural: string;
  /** The kind: core-group lists go through KubernetesObjectApi, which looks resources up by kind. */
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
  metadata?: { resourceVersion?: string; continue?: string; _continue?: string };
}

export class KubeListWatch<T extends KubeObject> implements ListWatch<T> {
  private readonly ref: ResourceRef;
  private readonly custom: CustomObjectsApi;
  private readonly objects: KubernetesObjectApi;
  private readonly watcher: Watch;
  private readonly pageSize: number;
  private readonly minWatchTimeoutSeconds: number;
  private readonly random: () => number;

  constructor(kc: KubeConfig, ref: ResourceRef, options: KubeListWatchOptions = {}) {
    this.ref = ref;
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.watcher = new Watch(kc);
    this.pageSize = options.pageSize ?? 500;
    this.minWatchTimeoutSeconds = options.minWatchTimeoutSeconds ?? 300;
    this.random = options.random ?? Math.random;
  }

  private get apiVersion(): string {
    return this.ref.group ? `${this.ref.group}/${this.ref.version}` : this.ref.version;
  }

  /** The collection's path, as the watch request needs it. */
  get path(): string {
    const { group, version, namespace, plural } = this.ref;
    const api = group ? `/apis/${group}/${version}` : `/api/${version}`;
    return `${api}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}`;
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
      token = page.metadata?.continue ?? page.metadata?._continue;
    } while (token);
    return { items, resourceVersion };
  }

  private async page(token: string | undefined): Promise<ListPage<T>> {
    const { group, version, plural, kind, namespace, labelSelector, fieldSelector } = this.ref;
    if (!group) {
      // Typed deserialisation: dates become Date objects here, strings in watch events.
      const page: unknown = await this.objects.list(version, kind, namespace, undefined, undefined, undefined, fieldSelector, labelSelector, this.pageSize, token);
      return page as ListPage<T>;
    }
    const common = { group, version, plural, labelSelector, fieldSelector, limit: this.pageSize, _continue: token };
    const page: unknown = namespace
      ? await this.custom.listNamespacedCustomObject({ ...common, namespace })
      : await this.custom.listClusterCustomObject(common);
    return page as ListPage<T>;
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
    const controller = await this.watcher.watch(
      this.path,
      params,
      (type: string, object: unknown) => onEvent({ type, object: slim(object as T) }),
      (err: unknown) => onDone(isQuietTimeout(err) || err === null ? undefined : err),
    );
    return { abort: () => controller.abort() };
  }
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what the operator never reads and what makes up most of a cached object's size: the
 * managedFields bookkeeping of server-side apply, and kubectl's copy of the whole last-applied
 * manifest. (controller-runtime users strip managedFields the same way, by a cache transform.)
 */
export function slim<T>(object: T): T {
  const metadata = (object as { metadata?: { managedFields?: unknown; annotations?: Record<string, string> } } | null)?.metadata;
  if (!metadata) return object;
  delete metadata.managedFields;
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) {
    delete metadata.annotations[LAST_APPLIED];
    if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  }
  return object;
}

/** The Watch class's own inactivity timeout: the stream was quiet, nothing failed. */
function isQuietTimeout(err: unknown): boolean {
  return (err as { name?: unknown } | null | undefined)?.name === 'TimeoutError';
}
