// Is the identity allowed everything the operator does? One access review per verb, resource,
// namespace and name of src/operator/permissions.ts (the list the chart's roles are generated
// from), laid out as the operator runs (its namespace, the watched and credentials namespaces):
// the kubeconfig's own identity (SelfSubjectAccessReview), or a ServiceAccount's (SubjectAccessReview).
import { AuthorizationV1Api, type KubeConfig, type V1ResourceAttributes } from '@kubernetes/client-node';
import { accessChecks, describeCheck, RULES, type AccessCheck } from '../operator/permissions.ts';
import { fail, ok, type Finding } from './report.ts';

export interface RbacOptions {
  leaseNamespace: string;
  /** The operator's --namespace list; unset or empty: every namespace. */
  watchNamespaces?: readonly string[] | undefined;
  /** The operator's --credentials-namespaces; unset: the lease namespace. */
  credentialsNamespaces?: readonly string[] | undefined;
  /** `namespace/name`: ask about this ServiceAccount instead of the kubeconfig's identity. */
  serviceAccount?: string | undefined;
}

function attributes(check: AccessCheck): V1ResourceAttributes {
  return {
    group: check.group,
    resource: check.resource,
    verb: check.verb,
    ...(check.subresource ? { subresource: check.subresource } : {}),
    ...(check.namespace ? { namespace: check.namespace } : {}),
    ...(check.name ? { name: check.name } : {}),
  };
}

function reviewer(kc: KubeConfig, serviceAccount: string | undefined): (check: AccessCheck) => Promise<boolean> {
  const api = kc.makeApiClient(AuthorizationV1Api);
  if (!serviceAccount) {
    return async (check) => (await api.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attributes(check) } } })).status?.allowed === true;
  }
  const [namespace, name] = serviceAccount.split('/');
  const user = `system:serviceaccount:${namespace}:${name}`;
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
  return async (check) => (await api.createSubjectAccessReview({ body: { spec: { user, groups, resourceAttributes: attributes(check) } } })).status?.allowed === true;
}

export async function checkRbac(kc: KubeConfig, options: RbacOptions): Promise<Finding> {
  const checks = accessChecks({
    operatorNamespace: options.leaseNamespace,
    watchNamespaces: options.watchNamespaces,
    credentialsNamespaces: options.credentialsNamespaces ?? [options.leaseNamespace],
  });
  const allowed = reviewer(kc, options.serviceAccount);
  const who = options.serviceAccount ? `ServiceAccount ${options.serviceAccount}` : `the kubeconfig's identity (${kc.getCurrentUser()?.name ?? 'unknown user'})`;
  const answers = await Promise.all(checks.map(allowed));
  const missing = checks.filter((_, i) => !answers[i]);
  if (!missing.length) return ok('rbac', `${who} may do all ${checks.length} things the operator does`);
  // Grouped by rule: each names what it is for and what breaks without it.
  const byRule = RULES.filter((r) => missing.some((c) => c.rule === r.id)).map((r) => {
    const lacking = missing.filter((c) => c.rule === r.id).map(describeCheck);
    return `rule ${r.id} (to ${r.why}): lacks ${lacking.join(', ')}; without it ${r.without}`;
  });
  return fail(
    'rbac',
    `${who} lacks ${missing.length} of ${checks.length} permissions: ${byRule.join('; ')}`,
    `bind the chart's ClusterRole and Roles to it (deploy/helm/mooring, or deploy/manifests/mooring.yaml), rendered for the same watched and credentials namespaces; the rules are in src/operator/permissions.ts and docs/security.md${options.serviceAccount ? '' : '. To check the operator\'s ServiceAccount from an admin kubeconfig, add --service-account NAMESPACE/NAME'}`,
  );
}
