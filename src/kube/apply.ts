// Applying manifests the way `kubectl apply --server-side` does, and waiting for CRDs to serve.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';

export const FIELD_MANAGER = 'mooring';

/** Every object in the YAML files of a folder (sorted by file name), skipping empty documents. */
export function readManifests(dir: string): KubernetesObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) => loadAllYaml(readFileSync(join(dir, f), 'utf8')) as (KubernetesObject | null)[])
    .filter((o): o is KubernetesObject => Boolean(o?.kind));
}

/** Server-side apply of each object, in order. */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[], fieldManager = FIELD_MANAGER): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    await api.patch(object, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
  }
}

/** Waits until every named CRD reports Established (then its API serves). */
export async function waitForCrds(kc: KubeConfig, names: string[], timeoutMs = 30_000): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
