// The reconciler's writes to the apiserver for our custom resources: finalizers (optimistic, on
// the resourceVersion read), annotations and status (merge patches of fields only we own).
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/common.ts';
import type { EventApi } from '../reconcile/events.ts';
import type { ManagedObject, ManagedStatus, ObjectWriter } from '../reconcile/types.ts';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class KubeWriter implements ObjectWriter {
  private readonly api: CustomObjectsApi;
  private readonly plural: string;
  /** Kube API writes made (finalizers, annotations, status), for metrics and the benchmark. */
  requests = 0;
  /** Of those, status writes: a steady state should make none. */
  statusWrites = 0;

  constructor(kc: KubeConfig, plural: string) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.plural = plural;
  }

  private target(object: ManagedObject) {
    return { group: GROUP, version: VERSION, namespace: object.metadata.namespace, plural: this.plural, name: object.metadata.name };
  }

  async setFinalizers(object: ManagedObject, finalizers: string[], annotations?: Record<string, string | null>): Promise<ManagedObject> {
    this.requests++;
    const body = { metadata: { finalizers, resourceVersion: object.metadata.resourceVersion, ...(annotations ? { annotations } : {}) } };
    return (await this.api.patchNamespacedCustomObject({ ...this.target(object), body }, MERGE)) as ManagedObject;
  }

  async setAnnotations(object: ManagedObject, annotations: Record<string, string | null>): Promise<ManagedObject> {
    this.requests++;
    return (await this.api.patchNamespacedCustomObject({ ...this.target(object), body: { metadata: { annotations } } }, MERGE)) as ManagedObject;
  }

  async writeStatus(object: ManagedObject, status: ManagedStatus): Promise<void> {
    this.requests++;
    this.statusWrites++;
    // Conditions, atProvider and plan are replaced whole; null clears what the new status lacks.
    const body = { status: { atProvider: null, plan: null, ...status } };
    await this.api.patchNamespacedCustomObjectStatus({ ...this.target(object), body }, MERGE);
  }
}

export function coreEventApi(kc: KubeConfig): EventApi {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    create: (namespace, body) => core.createNamespacedEvent({ namespace, body: body as never }),
    patchCount: async (namespace, name, count, lastTimestamp) => {
      await core.patchNamespacedEvent({ namespace, name, body: { count, lastTimestamp } }, MERGE);
    },
  };
}
