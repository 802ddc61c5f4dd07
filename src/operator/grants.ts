// Which namespaces may use a ProviderConfig: what an admin wrote in its spec.grants, nothing else.
// Unset or empty grants match no namespace: a config is private until an admin shares it.
import type { Grants } from '../api/providerconfig.ts';

type Selector = NonNullable<Grants['namespaceSelector']>;
type Requirement = NonNullable<Selector['matchExpressions']>[number];

/** The labels of a namespace, from the Namespace watch; undefined while it is unknown. */
export interface NamespaceSource {
  labels(namespace: string): Record<string, string> | undefined;
}

/** Whether `namespace` is granted by name or by its labels. */
export function granted(grants: Grants | undefined, namespace: string, namespaces: NamespaceSource): boolean {
  if (!grants) return false;
  if (grants.namespaces?.includes(namespace)) return true;
  if (!grants.namespaceSelector) return false;
  const labels = namespaces.labels(namespace);
  return labels !== undefined && selects(grants.namespaceSelector, labels);
}

/** Kubernetes label selector semantics: every matchLabels pair and every expression must hold. */
export function selects(selector: Selector, labels: Record<string, string>): boolean {
  const pairs = Object.entries(selector.matchLabels ?? {});
  if (!pairs.every(([k, v]) => labels[k] === v)) return false;
  return (selector.matchExpressions ?? []).every((r) => holds(r, labels));
}

function holds(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'In':
      return has && (r.values ?? []).includes(labels[r.key]!);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(labels[r.key]!);
  }
}

/** Whether the grants reach every namespace (an empty selector): `mooring doctor` warns of it. */
export function grantsEveryNamespace(grants: Grants | undefined): boolean {
  const s = grants?.namespaceSelector;
  return s !== undefined && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}
