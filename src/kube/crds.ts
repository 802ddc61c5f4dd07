// Whether one of our CRDs is being deleted: the uninstall guard's question (docs/uninstall.md).
// A live read, never the watch cache: the apiserver marks a CRD deleted before its cleanup
// deletes the objects of that kind, and a quorum GET made after we saw an object's deletion is
// guaranteed to see that mark.
import { GROUP } from '../api/common.ts';
import { kubeStatus } from '../reconcile/errors.ts';
import type { KubeClient } from './client.ts';
import { resourcePath } from './paths.ts';

/** For a kind's plural: true while `<plural>.mooring.dev` is being deleted (or is gone). */
export function crdDeletion(kube: KubeClient, plural: string): () => Promise<boolean> {
  const path = resourcePath({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', name: `${plural}.${GROUP}` });
  return async () => {
    try {
      const crd = await kube.request<{ metadata?: { deletionTimestamp?: string } }>('GET', path);
      return Boolean(crd.metadata?.deletionTimestamp);
    } catch (err) {
      // Gone while an object of its kind is still being finalized: an uninstall, whatever else.
      if (kubeStatus(err) === 404) return true;
      // Any other failure (no RBAC, apiserver down) fails the pass: no cloud delete on a guess.
      throw err;
    }
  };
}
