// What the client commands (plan, refresh) share: a kubeconfig the way kubectl finds one, and a
// kind named the way kubectl lets you name it.
import { KubeConfig } from '@kubernetes/client-node';
import { KINDS } from '../api/kinds.ts';
import type { KindDescription } from '../api/crd.ts';
import { UsageError } from './usage.ts';

/** --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else the in-cluster service account. */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (err) {
    throw new UsageError(`cannot read the kubeconfig ${file ?? '(KUBECONFIG or ~/.kube/config)'}: ${(err as Error).message.split('\n')[0]}`);
  }
  return kc;
}

/** `Bucket`, `buckets`, `bucket`, `bkt` (any case) → the managed kind; undefined when none. */
export function managedKindNamed(name: string): KindDescription | undefined {
  const n = name.toLowerCase();
  return KINDS.find((k) => k.scope === 'Namespaced' && [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames].includes(n));
}
