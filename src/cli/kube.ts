// What the client commands (plan, refresh, doctor) share: the kubeconfig the operator would find
// (src/kube/config.ts, one search order for all), and a kind named the way kubectl lets you name it.
import type { KubeConfig } from '@kubernetes/client-node';
import { KINDS } from '../api/kinds.ts';
import type { KindDescription } from '../api/crd.ts';
import { KubeconfigError, loadKubeConfig as findAndLoad } from '../kube/config.ts';
import { UsageError } from './usage.ts';

/** --kubeconfig, else $KUBECONFIG, else the in-cluster service account, else ~/.kube/config; a bad one is a usage error. */
export async function loadKubeConfig(file: string | undefined, context?: string): Promise<KubeConfig> {
  try {
    return await findAndLoad({ kubeconfig: file, context });
  } catch (err) {
    if (err instanceof KubeconfigError) throw new UsageError(err.message.split('\n')[0]);
    throw err;
  }
}

/** `Bucket`, `buckets`, `bucket`, `bkt` (any case) → the managed kind; undefined when none. */
export function managedKindNamed(name: string): KindDescription | undefined {
  const n = name.toLowerCase();
  return KINDS.find((k) => k.scope === 'Namespaced' && [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames].includes(n));
}
