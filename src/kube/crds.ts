// Whether one of our CRDs is being deleted: the uninstall guard's question (docs/uninstall.md).
// A live read, never the watch cache: the apiserver marks a CRD deleted before its cleanup
// deletes the objects of that kind, and a quorum GET made after we saw an object's deletion is
// guaranteed to see that mark.
import { GROUP } from '../api/common.ts';
import { kubeStatus } from '../runtime/apiserver-errors.ts';
import type { ListResult, ListWatch, WatchHandle } from '../runtime/informer.ts';
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

/**
 * A list/watch of one of our kinds that takes a kind whose CRD is not installed (the apiserver
 * answers 404 to its list) as a kind with no objects: synced and empty, and listed again now and
 * then (a watch of it ends at once as expired), so a CRD installed later is found. Without it an
 * uninstall that deleted the ProviderConfig CRD while the operator was stopped left a restarted
 * operator waiting for that cache for ever, so the managed kinds' finalizers were never released
 * and their CRDs stayed Terminating (docs/uninstall.md). `absent` is told each time the kind is
 * found missing after it was not (once at first), for a log line.
 */
export function absentKindAsEmpty<T>(inner: ListWatch<T>, absent: () => void): ListWatch<T> {
  let missing = false;
  const expired = () => Object.assign(new Error('the kind is not served (its CRD is not installed)'), { code: 410 });
  return {
    async list(): Promise<ListResult<T>> {
      try {
        const result = await inner.list();
        missing = false;
        return result;
      } catch (err) {
        if (kubeStatus(err) !== 404) throw err;
        if (!missing) absent();
        missing = true;
        return { items: [], resourceVersion: '' };
      }
    },
    async watch(resourceVersion, onEvent, onDone): Promise<WatchHandle> {
      if (missing) {
        onDone(expired());
        return { abort: () => undefined };
      }
      // A CRD deleted under an open watch: list again (and find it gone) instead of re-watching.
      const done = (err?: unknown) => onDone(kubeStatus(err) === 404 ? expired() : err);
      try {
        return await inner.watch(resourceVersion, onEvent, done);
      } catch (err) {
        throw kubeStatus(err) === 404 ? expired() : err;
      }
    },
  };
}
