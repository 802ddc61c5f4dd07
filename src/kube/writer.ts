// The reconciler's writes to the apiserver for our custom resources: finalizers (optimistic, on
// the resourceVersion read), annotations and status (merge patches of fields only we own).
import { GROUP, VERSION } from '../api/common.ts';
import type { EventApi } from '../reconcile/events.ts';
import type { ManagedObject, ManagedStatus, ObjectWriter } from '../reconcile/types.ts';
import { MERGE_PATCH, type KubeClient } from './client.ts';
import { resourcePath } from './paths.ts';

export class KubeWriter implements ObjectWriter {
  private readonly kube: KubeClient;
  private readonly plural: string;
  /** Kube API writes made (finalizers, annotations, status), for metrics and the benchmark. */
  requests = 0;
  /** Of those, status writes: a steady state should make none. */
  statusWrites = 0;

  constructor(kube: KubeClient, plural: string) {
    this.kube = kube;
    this.plural = plural;
  }

  private patch(object: ManagedObject, body: unknown, subresource?: string): Promise<ManagedObject> {
    const path = resourcePath({ group: GROUP, version: VERSION, plural: this.plural, namespace: object.metadata.namespace, name: object.metadata.name, subresource });
    return this.kube.request<ManagedObject>('PATCH', path, { body, contentType: MERGE_PATCH });
  }

  async setFinalizers(object: ManagedObject, finalizers: string[], annotations?: Record<string, string | null>): Promise<ManagedObject> {
    this.requests++;
    return this.patch(object, { metadata: { finalizers, resourceVersion: object.metadata.resourceVersion, ...(annotations ? { annotations } : {}) } });
  }

  async setAnnotations(object: ManagedObject, annotations: Record<string, string | null>): Promise<ManagedObject> {
    this.requests++;
    return this.patch(object, { metadata: { annotations } });
  }

  async writeStatus(object: ManagedObject, status: ManagedStatus): Promise<void> {
    this.requests++;
    this.statusWrites++;
    // Conditions, atProvider and plan are replaced whole; null clears what the new status lacks. A
    // merge patch merges objects, so a key the new atProvider lacks (at any depth) is cleared by name.
    const atProvider = status.atProvider && cleared(object.status?.atProvider, status.atProvider);
    await this.patch(object, { status: { atProvider: null, plan: null, ...status, ...(atProvider ? { atProvider } : {}) } }, 'status');
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `next` as a merge patch over `previous`: what `previous` has and `next` lacks, set to null. */
export function cleared(previous: unknown, next: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(previous)) return next;
  const out: Record<string, unknown> = { ...next };
  for (const [k, v] of Object.entries(previous)) {
    if (!(k in next)) out[k] = null;
    else if (isRecord(v) && isRecord(next[k])) out[k] = cleared(v, next[k]);
  }
  return out;
}

export function coreEventApi(kube: KubeClient): EventApi {
  const events = (namespace: string, name?: string) => resourcePath({ group: '', version: 'v1', plural: 'events', namespace, name });
  return {
    create: (namespace, body) => kube.request('POST', events(namespace), { body }),
    patchCount: async (namespace, name, count, lastTimestamp) => {
      await kube.request('PATCH', events(namespace, name), { body: { count, lastTimestamp }, contentType: MERGE_PATCH });
    },
  };
}

/**
 * Merge patches the status of a cluster-scoped object of ours (a ProviderConfig): only the fields
 * given change, null removes one.
 */
export function clusterStatusWriter(kube: KubeClient, plural: string): (name: string, status: Record<string, unknown>) => Promise<void> {
  return async (name, status) => {
    const path = resourcePath({ group: GROUP, version: VERSION, plural, name, subresource: 'status' });
    await kube.request('PATCH', path, { body: { status }, contentType: MERGE_PATCH });
  };
}
