// ProviderConfigs and the Secrets they name, from watch caches: the resolver reads them without a
// request, and a change to either requeues the resources that use it. Only the Secrets a
// ProviderConfig names are watched (one small watch each, by name), never every Secret.
import type { Logger } from 'pino';
import { GROUP, VERSION } from '../api/common.ts';
import { parseProviderConfigSpec } from '../api/providerconfig.ts';
import { Informer, type KubeObject, type ListWatch } from '../runtime/informer.ts';
import { InformerGroup } from '../runtime/informer-group.ts';
import type { ResourceRef } from '../kube/listwatch.ts';
import type { NamespaceSource } from './grants.ts';
import { providerConfigView, type ProviderConfigSource, type ProviderConfigView, type SecretSource } from './providers.ts';

interface ProviderConfigObject extends KubeObject {
  metadata: { name: string; generation?: number };
  spec?: unknown;
  status?: Record<string, unknown>;
}

interface NamespaceObject extends KubeObject {
  metadata: { name: string; labels?: Record<string, string> };
}

interface SecretObject extends KubeObject {
  metadata: { name: string; namespace: string };
  data?: Record<string, string>;
}

export interface ConfigCacheOptions {
  /** Called with a ProviderConfig's name when it, or a Secret it names, changed. */
  changed: (providerConfig: string) => void;
  log: Logger;
  /** A list/watch of one resource: a KubeListWatch on the apiserver; tests pass fakes. */
  listWatch: (ref: ResourceRef) => ListWatch<KubeObject>;
  /**
   * The namespaces the operator watches: each Namespace is watched by name (a field selector, which
   * RBAC's resourceNames can allow). Unset: all (then every Namespace's labels are watched).
   */
  namespaces?: readonly string[] | undefined;
  /**
   * Namespaces a credentials Secret may be read in (--credentials-namespaces); a Secret named
   * anywhere else is never watched. Unset: any (tests, and CLI commands reading on a user's behalf).
   */
  credentialsNamespaces?: readonly string[] | undefined;
}

/**
 * Whom the config's last probe reached, from a status written for the spec as it is (a changed
 * spec may reach another account: unknown again until probed).
 */
function probedOf(pc: ProviderConfigObject): ProviderConfigView['probed'] {
  const status = pc.status;
  if (!status || status.observedGeneration !== pc.metadata.generation) return undefined;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const probed = { account: text(status.account), endpoint: text(status.endpoint) };
  return probed.account || probed.endpoint ? probed : undefined;
}

const secretKey = (namespace: string, name: string) => `${namespace}/${name}`;

export class ConfigCache implements ProviderConfigSource, SecretSource, NamespaceSource {
  private readonly options: ConfigCacheOptions;
  private readonly makeListWatch: (ref: ResourceRef) => ListWatch<KubeObject>;
  private readonly configs: Informer<ProviderConfigObject>;
  private readonly views = new Map<string, ProviderConfigView>();
  /** One informer per Secret some ProviderConfig names. */
  private readonly secrets = new Map<string, Informer<SecretObject>>();
  /** Namespaces' labels, for grants by namespaceSelector. */
  private readonly namespaces: InformerGroup<NamespaceObject>;
  private stopped = false;
  readonly credentialsNamespaces: readonly string[] | undefined;

  constructor(options: ConfigCacheOptions) {
    this.options = options;
    this.credentialsNamespaces = options.credentialsNamespaces;
    this.makeListWatch = options.listWatch;
    this.configs = new Informer<ProviderConfigObject>({
      listWatch: this.makeListWatch({ group: GROUP, version: VERSION, plural: 'providerconfigs', kind: 'ProviderConfig' }) as ListWatch<ProviderConfigObject>,
      onError: (err, during) => options.log.warn({ during, err }, 'watch of ProviderConfigs failed; retrying'),
      handlers: {
        onAdd: (pc) => this.configChanged(pc),
        onUpdate: (before, after) => {
          if (before.metadata.generation !== after.metadata.generation) this.configChanged(after);
          else this.probedChanged(after);
        },
        onDelete: (pc) => {
          this.views.delete(pc.metadata.name);
          this.syncSecretWatches();
          options.changed(pc.metadata.name);
        },
      },
    });
    const relabelled = () => this.namespaceLabelsChanged();
    const namespaceRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' };
    const namespaceWatches = options.namespaces
      ? options.namespaces.map((name) => this.makeListWatch({ ...namespaceRef, fieldSelector: `metadata.name=${name}` }))
      : [this.makeListWatch(namespaceRef)];
    this.namespaces = new InformerGroup<NamespaceObject>(namespaceWatches as ListWatch<NamespaceObject>[], {
      onError: (err, during) => options.log.warn({ during, err }, 'watch of Namespaces failed; retrying'),
      handlers: {
        onAdd: relabelled,
        onUpdate: (before, after) => {
          if (JSON.stringify(before.metadata.labels ?? {}) !== JSON.stringify(after.metadata.labels ?? {})) relabelled();
        },
        onDelete: relabelled,
      },
    });
  }

  /** A namespace's labels changed: resources of every config granted by selector are looked at again. */
  private namespaceLabelsChanged(): void {
    if (!this.configs.hasSynced() || !this.namespaces.hasSynced()) return;
    for (const view of this.views.values()) if (view.grants?.namespaceSelector) this.options.changed(view.name);
  }

  start(): void {
    this.configs.start();
    this.namespaces.start();
  }

  /** Resolves once the ProviderConfigs and every Secret they name are cached (false: stopped first). */
  async whenSynced(): Promise<boolean> {
    if (!(await this.configs.whenSynced()) || !(await this.namespaces.whenSynced())) return false;
    // A Secret watch stops before its first list when its ProviderConfig is deleted or edited
    // meanwhile; its `false` means "no longer wanted", not "the cache stopped". So wait for the
    // watches wanted now, again until none is left unsynced, and only a stop of the cache says false.
    for (;;) {
      if (this.stopped) return false;
      const pending = [...this.secrets.values()].filter((s) => !s.hasSynced());
      if (pending.length === 0) return true;
      await Promise.all(pending.map((s) => s.whenSynced()));
    }
  }

  stop(): void {
    this.stopped = true;
    this.configs.stop();
    this.namespaces.stop();
    for (const informer of this.secrets.values()) informer.stop();
    this.secrets.clear();
  }

  labels(namespace: string): Record<string, string> | undefined {
    const ns = this.namespaces.get(namespace);
    return ns ? { ...(ns.metadata.labels ?? {}) } : undefined;
  }

  get(name: string): ProviderConfigView | undefined {
    return this.views.get(name);
  }

  secret(namespace: string, name: string): Record<string, string> | undefined {
    const object = this.secrets.get(secretKey(namespace, name))?.get(secretKey(namespace, name));
    if (!object) return undefined;
    return Object.fromEntries(Object.entries(object.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  }

  /** The cached object's generation and status, for the status checker (src/operator/config-status.ts). */
  stored(name: string): { generation?: number | undefined; status?: Record<string, unknown> | undefined } | undefined {
    const object = this.configs.get(name);
    return object && { generation: object.metadata.generation, status: object.status };
  }

  /** The ProviderConfig names, for the tests and the sandbox's summary. */
  names(): string[] {
    return [...this.views.keys()];
  }

  private configChanged(pc: ProviderConfigObject): void {
    const parsed = parseProviderConfigSpec(pc.spec);
    if (parsed.spec) {
      this.views.set(pc.metadata.name, providerConfigView(pc.metadata.name, parsed.spec, probedOf(pc)));
    } else {
      // The CRD schema refuses what zod refuses; this only happens when the two drift apart.
      this.views.delete(pc.metadata.name);
      this.options.log.error({ providerConfig: pc.metadata.name, issues: parsed.problems }, 'ProviderConfig does not parse; ignoring it');
    }
    this.syncSecretWatches();
    this.options.changed(pc.metadata.name);
  }

  /** A status write: the account the limiters key by may now be known (nothing to requeue). */
  private probedChanged(pc: ProviderConfigObject): void {
    const view = this.views.get(pc.metadata.name);
    const probed = probedOf(pc);
    if (view && JSON.stringify(view.probed) !== JSON.stringify(probed)) this.views.set(pc.metadata.name, { ...view, probed });
  }

  /** Watches exactly the Secrets the current ProviderConfigs name. */
  private syncSecretWatches(): void {
    if (this.stopped) return;
    const wanted = new Map<string, { namespace: string; name: string }>();
    for (const view of this.views.values()) {
      const ref = view.credentials?.secretRef;
      // Outside the admin's list: not even watched (the resolver refuses the config).
      if (view.credentials?.source === 'Secret' && ref && (this.credentialsNamespaces?.includes(ref.namespace) ?? true)) wanted.set(secretKey(ref.namespace, ref.name), ref);
    }
    for (const [key, informer] of this.secrets) {
      if (wanted.has(key)) continue;
      informer.stop();
      this.secrets.delete(key);
    }
    for (const [key, ref] of wanted) {
      if (this.secrets.has(key)) continue;
      const informer = new Informer<SecretObject>({
        listWatch: this.makeListWatch({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}` }) as ListWatch<SecretObject>,
        // The error may quote the request; it never holds the Secret's data.
        onError: (err, during) => this.options.log.warn({ secret: key, during, err }, 'watch of a credentials Secret failed; retrying'),
        handlers: {
          onAdd: () => this.secretChanged(key),
          onUpdate: () => this.secretChanged(key),
          onDelete: () => this.secretChanged(key),
        },
      });
      this.secrets.set(key, informer);
      informer.start();
    }
  }

  private secretChanged(key: string): void {
    for (const view of this.views.values()) {
      const ref = view.credentials?.secretRef;
      if (ref && secretKey(ref.namespace, ref.name) === key) this.options.changed(view.name);
    }
  }
}
