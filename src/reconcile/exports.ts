// spec.exportTo: an object's non-secret status fields (those other objects may reference: a
// Bucket's name, region, ARN …) written into a ConfigMap of its namespace that an app mounts, kept
// in step on every pass that finds the object Ready. The operator creates that ConfigMap and owns it
// (an ownerReference, so it goes with the object, and a label naming the object's uid); one it did
// not create is never taken over: a tenant may point exportTo at another app's ConfigMap.
// Secret values never go here: they stay in the connection Secret.
import { TerminalError } from '../../sdk/index.ts';
import { REFERABLE_FIELDS, referableValue, type ReferableKind } from '../api/references.ts';
import { Reason } from './reasons.ts';
import type { ManagedObject } from './types.ts';

/** Label on an exported ConfigMap: the uid of the object that made it. */
export const EXPORTED_BY = 'mooring.dev/exported-by';

export interface StoredConfigMap {
  data: Record<string, string>;
  labels: Record<string, string>;
  /** The uids of its ownerReferences. */
  owners: string[];
  resourceVersion?: string | undefined;
}

export interface ConfigMapBody {
  namespace: string;
  name: string;
  data: Record<string, string>;
  labels: Record<string, string>;
  owner: { apiVersion: string; kind: string; name: string; uid: string };
}

/** Reads and writes exported ConfigMaps; the apiserver in production, a map in unit tests. */
export interface ConfigMapStore {
  read(namespace: string, name: string): Promise<StoredConfigMap | undefined>;
  /** Creates it when `previous` is undefined, else replaces it on `previous.resourceVersion`. */
  write(body: ConfigMapBody, previous: StoredConfigMap | undefined): Promise<void>;
}

/** The kind's referable fields this status holds, as ConfigMap data. */
export function exportedData(kind: string, atProvider: Record<string, unknown> | undefined): Record<string, string> {
  if (!(kind in REFERABLE_FIELDS)) return {};
  const fields = Object.keys(REFERABLE_FIELDS[kind as ReferableKind]);
  return Object.fromEntries(fields.flatMap((f) => {
    const value = referableValue(kind as ReferableKind, f, atProvider);
    return value === undefined ? [] : [[f, value]];
  }));
}

const sameData = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** Writes the export when it differs; refuses (ExportConflict) a ConfigMap this object did not create. */
export async function publishExport(store: ConfigMapStore, object: ManagedObject, name: string, atProvider: Record<string, unknown> | undefined): Promise<void> {
  const { namespace, uid } = object.metadata;
  const data = exportedData(object.kind, atProvider);
  const previous = await store.read(namespace, name);
  if (previous && (previous.labels[EXPORTED_BY] !== uid || !previous.owners.includes(uid))) {
    throw new TerminalError(
      Reason.ExportConflict,
      `the ConfigMap ${name} exists and was not created by this ${object.kind} for spec.exportTo; it is left untouched. Name another ConfigMap, or delete that one if it is not in use`,
    );
  }
  if (previous && sameData(previous.data, data)) return;
  const owner = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, uid };
  await store.write({ namespace, name, data, labels: { [EXPORTED_BY]: uid, 'app.kubernetes.io/managed-by': 'mooring' }, owner }, previous);
}
