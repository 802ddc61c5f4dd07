// Is the identity allowed everything the operator does? One access review per verb and resource
// of src/operator/permissions.ts (the list the chart's ClusterRole is generated from): the
// kubeconfig's own identity (SelfSubjectAccessReview), or a ServiceAccount's (SubjectAccessReview).
import { AuthorizationV1Api, type KubeConfig, type V1ResourceAttributes } from '@kubernetes/client-node';
import { accessChecks, describeCheck, type AccessCheck } from '../operator/permissions.ts';
import { fail, ok, type Finding } from './report.ts';

export interface RbacOptions {
  leaseNamespace: string;
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
  const checks = accessChecks(options.leaseNamespace);
  const allowed = reviewer(kc, options.serviceAccount);
  const who = options.serviceAccount ? `ServiceAccount ${options.serviceAccount}` : `the kubeconfig's identity (${kc.getCurrentUser()?.name ?? 'unknown user'})`;
  const answers = await Promise.all(checks.map(allowed));
  const missing = checks.filter((_, i) => !answers[i]);
  if (!missing.length) return ok('rbac', `${who} may do all ${checks.length} things the operator does`);
  const listed = missing.map((c) => `${describeCheck(c)} (to ${c.why})`);
  return fail(
    'rbac',
    `${who} lacks ${missing.length} of ${checks.length} permissions: ${listed.join('; ')}`,
    `bind the chart's ClusterRole and lease Role to it (deploy/helm/mooring, or deploy/manifests/mooring.yaml); the rules are in src/operator/permissions.ts${options.serviceAccount ? '' : '. To check the operator\'s ServiceAccount from an admin kubeconfig, add --service-account NAMESPACE/NAME'}`,
  );
}
