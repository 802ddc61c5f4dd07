// Which watch events are worth a reconcile. Our own writes (status, finalizer, the pending-create
// annotation) come back as watch events too; reacting to them would observe the cloud again for
// nothing, so only changes a user (or a deletion) makes count. Drift is found by the resync.
import { CREATE_PENDING, type ManagedObject } from '../reconcile/types.ts';
import { byCodePoint } from '../runtime/order.ts';

/** Annotations the operator writes itself. */
const OWN_ANNOTATIONS = new Set([CREATE_PENDING, 'kubectl.kubernetes.io/last-applied-configuration']);

function userAnnotations(object: ManagedObject): string {
  const entries = Object.entries(object.metadata.annotations ?? {}).filter(([k]) => !OWN_ANNOTATIONS.has(k));
  return JSON.stringify(entries.sort(([a], [b]) => byCodePoint(a, b)));
}

export function worthReconciling(before: ManagedObject, after: ManagedObject): boolean {
  if (before.metadata.generation !== after.metadata.generation) return true;
  if (Boolean(before.metadata.deletionTimestamp) !== Boolean(after.metadata.deletionTimestamp)) return true;
  if (userAnnotations(before) !== userAnnotations(after)) return true;
  // A finalizer someone else removed while we are deleting: look again.
  if (after.metadata.deletionTimestamp && JSON.stringify(before.metadata.finalizers) !== JSON.stringify(after.metadata.finalizers)) return true;
  return false;
}
