// Account-level assets a spec names that are not the object's own asset: an IAM role, a KMS key,
// an RDS parameter, subnet or security group. The operator's credentials would use them on the
// tenant's behalf (iam:PassRole, kms:CreateGrant, a VPC placement), so a namespace may name only
// what the ProviderConfig's policy grants; unset grants nothing.
import type { BucketSpec } from '../api/bucket.ts';
import type { RdsOptions } from '../api/database.ts';
import type { Policy } from '../api/providerconfig.ts';
import { Reason } from '../reconcile/reasons.ts';
import { isSecretPath } from '../reconcile/references.ts';
import { REDACTED } from '../runtime/scrub.ts';

export interface Named {
  /** The spec field, as a message names it. */
  field: string;
  value: string;
  /** What the value is, for the message ("IAM role"). */
  kind: string;
  grants: readonly string[] | undefined;
  /** The policy field that would grant it. */
  policyField: string;
  reason: Reason;
}

/**
 * Whether `value` is granted: equal to an item, or beginning with an item's text before its
 * trailing `*` with no `/` in the rest, so a pattern never reaches into another path segment
 * (role/team-a-* must not grant role/team-a-x/admin, which some services read as the role admin).
 * `*` alone grants any value: the admin's explicit choice.
 */
export function grantedName(grants: readonly string[] | undefined, value: string): boolean {
  return (grants ?? []).some((g) => {
    if (g === '*') return true;
    if (!g.endsWith('*')) return value === g;
    const prefix = g.slice(0, -1);
    return value.startsWith(prefix) && !value.slice(prefix.length).includes('/');
  });
}

/**
 * The first name not granted, with its refusal message; undefined when every one is. A value a
 * Secret gave (`secretPaths`, relative to spec) is named by its field only: statuses are read widely.
 */
export function firstUngranted(named: Named[], config: string, secretPaths: readonly string[] = []): { reason: Reason; message: string } | undefined {
  const bad = named.find((n) => !grantedName(n.grants, n.value));
  if (!bad) return undefined;
  const listed = bad.grants?.length ? `it grants ${bad.grants.join(', ')}` : 'it grants none';
  const shown = isSecretPath(bad.field.replace(/^spec\./, ''), secretPaths) ? REDACTED : bad.value;
  return {
    reason: bad.reason,
    message: `${bad.field}: the ${bad.kind} ${shown} is not granted to resources using ProviderConfig ${config} (spec.policy.${bad.policyField}: ${listed}); use a granted one, or ask the platform team`,
  };
}

export function bucketNames(spec: BucketSpec, policy: Policy): Named[] {
  const { replicationRoles, kmsKeys } = policy.buckets;
  const named: Named[] = [];
  if (spec.replication) {
    named.push({ field: 'spec.replication.role', value: spec.replication.role, kind: 'IAM role', grants: replicationRoles, policyField: 'buckets.replicationRoles', reason: Reason.RoleNotGranted });
  }
  if (spec.encryption?.kmsKeyId !== undefined) {
    named.push({ field: 'spec.encryption.kmsKeyId', value: spec.encryption.kmsKeyId, kind: 'KMS key', grants: kmsKeys, policyField: 'buckets.kmsKeys', reason: Reason.KmsKeyNotGranted });
  }
  return named;
}

/** `rds` as parsed with its defaults; `…From` values are already resolved into their fields. */
export function rdsNames(rds: RdsOptions, policy: Policy): Named[] {
  const { kmsKeys, parameterGroups, subnetGroups, securityGroups } = policy.rds;
  const key = (field: string, value: string | undefined): Named[] =>
    value === undefined ? [] : [{ field, value, kind: 'KMS key', grants: kmsKeys, policyField: 'rds.kmsKeys', reason: Reason.KmsKeyNotGranted }];
  const group = (field: string, kind: string, policyField: string, grants: readonly string[] | undefined, value: string | undefined): Named[] =>
    value === undefined ? [] : [{ field, value, kind, grants, policyField, reason: Reason.GroupNotGranted }];
  return [
    ...key('spec.rds.kmsKeyId', rds.kmsKeyId),
    ...key('spec.rds.performanceInsights.kmsKeyId', rds.performanceInsights?.kmsKeyId),
    ...group('spec.rds.parameterGroupName', 'DB parameter group', 'rds.parameterGroups', parameterGroups, rds.parameterGroupName),
    ...group('spec.rds.subnetGroupName', 'DB subnet group', 'rds.subnetGroups', subnetGroups, rds.subnetGroupName),
    ...(rds.securityGroupIds ?? []).flatMap((id, i) => group(`spec.rds.securityGroupIds[${i}]`, 'security group', 'rds.securityGroups', securityGroups, id)),
  ];
}
