// Every Kubernetes permission the operator needs, written once: the Helm chart's ClusterRole and
// Role are generated from this list (`mooring generate`), and `mooring doctor` asks the apiserver
// about each entry. Read from the code: what the operator lists, watches and writes, nothing more.
import { GROUP } from '../api/common.ts';
import { KINDS } from '../api/kinds.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Why the operator needs it: printed by doctor next to a missing permission. */
  why: string;
}

const managed = KINDS.filter((k) => k.scope === 'Namespaced').map((k) => k.plural);
const clusterScoped = KINDS.filter((k) => k.scope === 'Cluster').map((k) => k.plural);

/** Cluster-wide: the managed kinds live in any namespace, and so do the Secrets they use. */
export const CLUSTER_RULES: PolicyRule[] = [
  // Informers list and watch; finalizers and the pending-create annotation are merge patches.
  { apiGroups: [GROUP], resources: managed, verbs: ['get', 'list', 'watch', 'patch'], why: 'watch the managed kinds, add and remove the finalizer' },
  { apiGroups: [GROUP], resources: managed.map((p) => `${p}/status`), verbs: ['patch'], why: 'write conditions and status.atProvider' },
  // Needed where OwnerReferencesPermissionEnforcement is on: a connection Secret's owner reference blocks the owner's deletion.
  { apiGroups: [GROUP], resources: managed.map((p) => `${p}/finalizers`), verbs: ['update'], why: 'own connection Secrets (owner references)' },
  { apiGroups: [GROUP], resources: clusterScoped, verbs: ['get', 'list', 'watch'], why: 'read ProviderConfigs' },
  { apiGroups: [GROUP], resources: clusterScoped.map((p) => `${p}/status`), verbs: ['patch'], why: 'write ProviderConfig status: Ready, account, usedBy' },
  // Grants by namespaceSelector match Namespace labels (src/operator/grants.ts); only read.
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'], why: 'read Namespace labels for ProviderConfig grants' },
  // Credentials Secrets are watched one by one (a field selector on the name), in the namespace a
  // ProviderConfig names; connection Secrets are read, created and replaced whole. Never deleted:
  // the garbage collector removes a connection Secret with its owner.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update'], why: 'read credentials Secrets, write connection Secrets' },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'], why: 'record Events on the managed objects' },
  // Read live before every cloud delete: while a CRD is being deleted nothing is deleted in the cloud (docs/uninstall.md).
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get'], why: 'the uninstall guard: is a kind\'s CRD being deleted' },
];

/** In the lease namespace only: leader election (--leader-elect) and shard membership (--sharded). */
export const LEASE_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'create', 'patch', 'delete'], why: 'leader election and shard membership Leases' },
];

/** One question for the apiserver's authorizer: may this identity do `verb` on `resource`? */
export interface AccessCheck {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  /** Unset: in every namespace (cluster-wide). */
  namespace?: string;
  why: string;
}

function checksOf(rules: PolicyRule[], namespace?: string): AccessCheck[] {
  return rules.flatMap((rule) =>
    rule.apiGroups.flatMap((group) =>
      rule.resources.flatMap((full) => {
        const [resource, subresource] = full.split('/') as [string, string | undefined];
        return rule.verbs.map((verb): AccessCheck => ({
          group, resource, verb, why: rule.why,
          ...(subresource ? { subresource } : {}),
          ...(namespace ? { namespace } : {}),
        }));
      }),
    ),
  );
}

/** Every permission as a single access check, the lease rules in `leaseNamespace`. */
export function accessChecks(leaseNamespace: string): AccessCheck[] {
  return [...checksOf(CLUSTER_RULES), ...checksOf(LEASE_RULES, leaseNamespace)];
}

/** `verb group/resource[/sub]` for messages: `patch mooring.dev/buckets/status`. */
export function describeCheck(check: AccessCheck): string {
  const resource = [check.group || 'core', check.resource, check.subresource].filter(Boolean).join('/');
  return `${check.verb} ${resource}${check.namespace ? ` in namespace ${check.namespace}` : ''}`;
}
