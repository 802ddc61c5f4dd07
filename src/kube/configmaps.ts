// Exported ConfigMaps (spec.exportTo) on the apiserver: read one by name, and write it whole
// (create, or replace on the resourceVersion read, so a concurrent change is a 409).
import type { ConfigMapBody, ConfigMapStore, StoredConfigMap } from '../reconcile/exports.ts';
import { kubeStatus } from '../runtime/apiserver-errors.ts';
import type { KubeClient } from './client.ts';
import { resourcePath } from './paths.ts';

interface ConfigMapObject {
  metadata?: { resourceVersion?: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[] };
  data?: Record<string, string>;
}

const path = (namespace: string, name?: string) => resourcePath({ group: '', version: 'v1', plural: 'configmaps', namespace, name });

export class KubeConfigMapStore implements ConfigMapStore {
  private readonly kube: KubeClient;

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  async read(namespace: string, name: string): Promise<StoredConfigMap | undefined> {
    try {
      const cm = await this.kube.request<ConfigMapObject>('GET', path(namespace, name));
      return { data: { ...(cm.data ?? {}) }, labels: { ...(cm.metadata?.labels ?? {}) }, owners: (cm.metadata?.ownerReferences ?? []).map((o) => o.uid), resourceVersion: cm.metadata?.resourceVersion };
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async write(body: ConfigMapBody, previous: StoredConfigMap | undefined): Promise<void> {
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: body.name,
        namespace: body.namespace,
        labels: body.labels,
        // controller: true: the garbage collector removes it with its object.
        ownerReferences: [{ ...body.owner, controller: true }],
        ...(previous?.resourceVersion ? { resourceVersion: previous.resourceVersion } : {}),
      },
      data: body.data,
    };
    if (previous) await this.kube.request('PUT', path(body.namespace, body.name), { body: object });
    else await this.kube.request('POST', path(body.namespace), { body: object });
  }
}
