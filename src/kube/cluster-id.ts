// This cluster's own ownership id, for ProviderConfigs that name none: `mooring-` and the first 12
// hex digits of the kube-system Namespace's uid. That Namespace is made once, when the cluster is,
// and never goes; its uid differs in every cluster, so two clusters sharing an account never mark
// assets alike. The operator, `mooring plan` and `mooring doctor` all compute it here.
import type { KubeClient } from './client.ts';

export const CLUSTER_ID_NAMESPACE = 'kube-system';

/** `mooring-` and the first 12 hex digits of a uid (dashes dropped): 20 characters, a DNS label. */
export function clusterOwnershipId(uid: string): string {
  const hex = uid.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length < 12) throw new Error(`the ${CLUSTER_ID_NAMESPACE} Namespace's uid "${uid}" has fewer than 12 hex digits`);
  return `mooring-${hex.slice(0, 12)}`;
}

/** Reads the kube-system Namespace (needs `get` on it) and derives the id. */
export async function readClusterOwnershipId(kube: KubeClient): Promise<string> {
  const ns = await kube.request<{ metadata?: { uid?: string } }>('GET', `/api/v1/namespaces/${CLUSTER_ID_NAMESPACE}`);
  return clusterOwnershipId(ns.metadata?.uid ?? '');
}
