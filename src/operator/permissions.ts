// Every Kubernetes permission the operator needs, written once: the Helm chart's ClusterRole and
// Roles are generated from this list (`mooring generate`), `mooring doctor` asks the apiserver
// about each entry, docs/security.md justifies each one, and test/integration/rbac.test.ts removes
// each one and shows what breaks. Read from the code: what the operator lists, watches and writes,
// and where, nothing more.
import { GROUP } from '../api/common.ts';
import { KINDS } from '../api/kinds.ts';
import { OPERATOR_KEY_SECRET } from '../kube/operator-key.ts';

/**
 * Where a rule is granted:
 * - `cluster`: the ClusterRole, always (cluster-scoped resources);
 * - `watched`: the ClusterRole when every namespace is watched, else a Role in each watched
 *   namespace (--namespace, the chart's watchNamespaces);
 * - `credentials`: a Role in each namespace credentials Secrets may live in (--credentials-namespaces);
 * - `operator`: a Role in the operator's own namespace (--lease-namespace).
 */
export type RuleScope = 'cluster' | 'watched' | 'credentials' | 'operator';

export interface PolicyRule {
  /** A short stable name: the docs' table, doctor's messages and the tests use it. */
  id: string;
  scope: RuleScope;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Only these objects. */
  resourceNames?: string[];
  /**
   * A `cluster` rule on Namespaces: narrowed to the watched namespaces by name when some are
   * watched (list and watch then need a `metadata.name` field selector, which the operator uses).
   */
  watchedNamesOnly?: true;
  /** Why the operator needs it: printed by doctor next to a missing permission. */
  why: string;
  /** What breaks without it (docs/security.md, doctor). */
  without: string;
}

const namespaced = KINDS.filter((k) => k.scope === 'Namespaced').map((k) => k.plural);
const clusterScoped = KINDS.filter((k) => k.scope === 'Cluster').map((k) => k.plural);

export const RULES: PolicyRule[] = [
  {
    id: 'providerconfigs', scope: 'cluster', apiGroups: [GROUP], resources: clusterScoped, verbs: ['get', 'list', 'watch'],
    why: 'read ProviderConfigs', without: 'the ProviderConfig cache never syncs: the operator never becomes ready and reconciles nothing',
  },
  {
    id: 'providerconfigs-status', scope: 'cluster', apiGroups: [GROUP], resources: clusterScoped.map((p) => `${p}/status`), verbs: ['patch'],
    why: 'write ProviderConfig status: Ready, account, usedBy', without: '`kubectl get providerconfigs` never says whether a config works (reconciling goes on)',
  },
  {
    // Grants by namespaceSelector match Namespace labels (src/operator/grants.ts); only read.
    id: 'namespaces', scope: 'cluster', apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'], watchedNamesOnly: true,
    why: 'read Namespace labels for ProviderConfig grants', without: 'the Namespace cache never syncs: the operator never becomes ready and reconciles nothing',
  },
  {
    // The cluster's own ownership id for configs that set none (src/kube/cluster-id.ts).
    id: 'cluster-id', scope: 'cluster', apiGroups: [''], resources: ['namespaces'], verbs: ['get'], resourceNames: ['kube-system'],
    why: 'read the kube-system Namespace\'s uid: this cluster\'s ownership id', without: 'resources of configs that set no spec.ownershipId are Degraded with OwnershipIdUnknown',
  },
  {
    // Read live before every cloud delete: while a CRD is being deleted nothing is deleted in the cloud (docs/uninstall.md).
    id: 'crds', scope: 'cluster', apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get'],
    resourceNames: namespaced.map((p) => `${p}.${GROUP}`),
    why: 'the uninstall guard: is a kind\'s CRD being deleted', without: 'no deletion ever completes: a deleted object keeps its finalizer and its cloud asset (KubeForbidden)',
  },
  {
    // Informers list and watch; finalizers and the pending-create annotation are merge patches.
    id: 'managed', scope: 'watched', apiGroups: [GROUP], resources: namespaced, verbs: ['get', 'list', 'watch', 'patch'],
    why: 'watch the managed kinds, add and remove the finalizer', without: 'the kinds\' caches never sync (list/watch), or no finalizer is added and nothing is created (patch)',
  },
  {
    id: 'status', scope: 'watched', apiGroups: [GROUP], resources: namespaced.map((p) => `${p}/status`), verbs: ['patch'],
    why: 'write conditions and status.atProvider', without: 'no status is ever written: objects never show Ready, nor why they are not',
  },
  {
    // Needed where OwnerReferencesPermissionEnforcement is on: a connection Secret's owner reference blocks the owner's deletion.
    id: 'finalizers', scope: 'watched', apiGroups: [GROUP], resources: namespaced.map((p) => `${p}/finalizers`), verbs: ['update'],
    why: 'own connection Secrets (owner references)', without: 'with the OwnerReferencesPermissionEnforcement admission plugin on, connection Secrets are refused',
  },
  {
    // Connection Secrets are read, created and replaced whole (src/kube/secrets.ts: GET, POST, PUT);
    // never listed, watched or deleted: the garbage collector removes one with its owner.
    id: 'connection-secrets', scope: 'watched', apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'],
    why: 'read and write connection Secrets', without: 'a Database\'s connection Secret is refused (KubeForbidden) and the Database never becomes Ready',
  },
  {
    // References (docs/references.md): each ConfigMap a reference names is watched by name (a field
    // selector), in the referring object's namespace; only the named key is used.
    id: 'referenced-configmaps', scope: 'watched', apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'],
    why: 'watch the ConfigMaps references name', without: 'a reference to a ConfigMap key waits forever (ReferenceNotReady: not read yet)',
  },
  {
    // spec.exportTo: the ConfigMap is read by name, created, and replaced whole (src/kube/configmaps.ts);
    // never deleted (the garbage collector removes it with its owner).
    id: 'exported-configmaps', scope: 'watched', apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update'],
    why: 'write the ConfigMaps of spec.exportTo', without: 'an object with spec.exportTo is refused (KubeForbidden) once Ready, and the ConfigMap never appears',
  },
  {
    id: 'events', scope: 'watched', apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'],
    why: 'record Events on the managed objects', without: 'no Events: `kubectl describe` shows no history (reconciling goes on)',
  },
  {
    // Credentials Secrets are watched one by one, by name with a field selector (src/operator/config-cache.ts);
    // a field selector is no authorization boundary, so this is every Secret of these namespaces: list none tenants write to.
    id: 'credentials-secrets', scope: 'credentials', apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'],
    why: 'watch credentials Secrets', without: 'the credentials Secret\'s watch never syncs: the operator never becomes ready and reconciles nothing',
  },
  {
    id: 'leases', scope: 'operator', apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'create', 'patch', 'delete'],
    why: 'leader election and shard membership Leases', without: 'with --leader-elect or --sharded no replica ever leads or joins: nothing is reconciled',
  },
  {
    // The key that signs pending-create marks (src/kube/operator-key.ts): read by name; the first replica creates it.
    id: 'operator-key-read', scope: 'operator', apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [OPERATOR_KEY_SECRET],
    why: 'read the operator key Secret', without: 'each process uses a key of its own: a create interrupted by a restart shows NotOwned instead of being resumed',
  },
  {
    // create cannot be narrowed by name (the apiserver authorizes it before the object exists).
    id: 'operator-key-create', scope: 'operator', apiGroups: [''], resources: ['secrets'], verbs: ['create'],
    why: 'create the operator key Secret on first start', without: 'on a fresh install no key Secret is made: as without operator-key-read',
  },
];

/** Where the operator runs and what it watches: the namespaces each scope stands for. */
export interface RbacLayout {
  operatorNamespace: string;
  /** Unset or empty: every namespace (the watched rules go into the ClusterRole). */
  watchNamespaces?: readonly string[] | undefined;
  credentialsNamespaces: readonly string[];
}

/** One question for the apiserver's authorizer: may this identity do `verb` on `resource`? */
export interface AccessCheck {
  /** The rule it comes from. */
  rule: string;
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  /** Unset: in every namespace (cluster-wide), or a cluster-scoped resource. */
  namespace?: string;
  name?: string;
  why: string;
}

/** The namespaces a rule is granted in for this layout; [undefined]: cluster-wide. */
export function namespacesOf(rule: PolicyRule, layout: RbacLayout): (string | undefined)[] {
  const watched = layout.watchNamespaces?.length ? layout.watchNamespaces : undefined;
  switch (rule.scope) {
    case 'cluster': return [undefined];
    case 'watched': return watched ? [...watched] : [undefined];
    case 'credentials': return [...layout.credentialsNamespaces];
    case 'operator': return [layout.operatorNamespace];
  }
}

/** The object names a rule is narrowed to for this layout; undefined: every object. */
export function namesOf(rule: PolicyRule, layout: RbacLayout): string[] | undefined {
  if (rule.watchedNamesOnly && layout.watchNamespaces?.length) return [...layout.watchNamespaces];
  return rule.resourceNames;
}

/** Every permission as single access checks: one per verb, resource, namespace and name. */
export function accessChecks(layout: RbacLayout, rules: PolicyRule[] = RULES): AccessCheck[] {
  return rules.flatMap((rule) =>
    namespacesOf(rule, layout).flatMap((namespace) =>
      (namesOf(rule, layout) ?? [undefined]).flatMap((name) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((full) => {
            const [resource, subresource] = full.split('/') as [string, string | undefined];
            return rule.verbs.map((verb): AccessCheck => ({
              rule: rule.id, group, resource, verb, why: rule.why,
              ...(subresource ? { subresource } : {}),
              ...(namespace ? { namespace } : {}),
              ...(name ? { name } : {}),
            }));
          }),
        ),
      ),
    ),
  );
}

/** `verb group/resource[/sub]` for messages: `patch mooring.dev/buckets/status`. */
export function describeCheck(check: AccessCheck): string {
  const resource = [check.group || 'core', check.resource, check.subresource].filter(Boolean).join('/');
  return `${check.verb} ${resource}${check.name ? ` named ${check.name}` : ''}${check.namespace ? ` in namespace ${check.namespace}` : ''}`;
}
