// Every reason code mooring writes into a condition or an Event, in one place. On-call engineers
// search for these; docs/reasons.md explains each one, and a test keeps the two in step.

/** Reasons of the Ready condition when all is well, and of Progressing. */
export const Reason = {
  // Ready=True
  Available: 'Available',
  Observed: 'Observed',
  Planned: 'Planned',
  // Progressing
  Creating: 'Creating',
  Updating: 'Updating',
  Deleting: 'Deleting',
  Provisioning: 'Provisioning',
  Waiting: 'Waiting',
  Idle: 'Idle',
  // Progressing: references (src/reconcile/references.ts)
  ReferenceNotReady: 'ReferenceNotReady',
  InUse: 'InUse',
  // Degraded=False
  AsExpected: 'AsExpected',
  // Drifted
  Drifted: 'Drifted',
  InSync: 'InSync',
  DriftCorrected: 'DriftCorrected',
  // Degraded=True (and Ready=False): the resource's own configuration
  InvalidSpec: 'InvalidSpec',
  ReferenceCycle: 'ReferenceCycle',
  ReferenceNotPermitted: 'ReferenceNotPermitted',
  ProviderConfigNotFound: 'ProviderConfigNotFound',
  ProviderConfigInvalid: 'ProviderConfigInvalid',
  CredentialsNotFound: 'CredentialsNotFound',
  ProviderNotRegistered: 'ProviderNotRegistered',
  // Degraded=True: what the ProviderConfig's admin granted (spec.grants, spec.policy)
  NotGranted: 'NotGranted',
  AdoptionNotGranted: 'AdoptionNotGranted',
  AdoptionNeedsPasswordReset: 'AdoptionNeedsPasswordReset',
  AdoptionWouldChange: 'AdoptionWouldChange',
  ZoneNotGranted: 'ZoneNotGranted',
  RecordTypeNotGranted: 'RecordTypeNotGranted',
  InstanceClassNotGranted: 'InstanceClassNotGranted',
  StorageNotGranted: 'StorageNotGranted',
  PublicAccessNotGranted: 'PublicAccessNotGranted',
  /** The spec names an IAM role (a Bucket's replication role) the config's policy does not grant. */
  RoleNotGranted: 'RoleNotGranted',
  /** The spec names a KMS key the config's policy does not grant. */
  KmsKeyNotGranted: 'KmsKeyNotGranted',
  /** The spec names an RDS parameter, subnet or security group the config's policy does not grant. */
  GroupNotGranted: 'GroupNotGranted',
  ReferenceNotOwned: 'ReferenceNotOwned',
  // Degraded=True: the ProviderConfig's credentials are refused before any read or call
  CredentialsNamespaceRefused: 'CredentialsNamespaceRefused',
  TokenFileRefused: 'TokenFileRefused',
  RedirectRefused: 'RedirectRefused',
  // Degraded=True: ownership
  NotOwned: 'NotOwned',
  AlreadyOwned: 'AlreadyOwned',
  NameTaken: 'NameTaken',
  SecretConflict: 'SecretConflict',
  ExportConflict: 'ExportConflict',
  ReservedName: 'ReservedName',
  CnameConflict: 'CnameConflict',
  RoutingUnsupported: 'RoutingUnsupported',
  /** The DNSRecord asks for a health check (spec.healthCheck) on a DNS backend that runs none (PowerDNS). */
  HealthCheckUnsupported: 'HealthCheckUnsupported',
  OwnershipIdUnknown: 'OwnershipIdUnknown',
  MarkKeyUnavailable: 'MarkKeyUnavailable',
  // Degraded=True: the cloud answered
  AccessDenied: 'AccessDenied',
  InvalidCredentials: 'InvalidCredentials',
  Throttled: 'Throttled',
  ProviderUnavailable: 'ProviderUnavailable',
  Conflict: 'Conflict',
  ExternalResourceNotFound: 'ExternalResourceNotFound',
  NotFound: 'NotFound',
  InvalidRequest: 'InvalidRequest',
  ProviderError: 'ProviderError',
  BucketNotEmpty: 'BucketNotEmpty',
  DatabaseInUse: 'DatabaseInUse',
  DeletionProtected: 'DeletionProtected',
  PrivilegedRole: 'PrivilegedRole',
  ZoneNotFound: 'ZoneNotFound',
  InvalidChange: 'InvalidChange',
  KubeForbidden: 'KubeForbidden',
  KubeUnavailable: 'KubeUnavailable',
  ReconcileError: 'ReconcileError',
  // Degraded=True: an adapter call's deadline (src/reconcile/deadline.ts)
  CallTimeout: 'CallTimeout',
  OperatorStopping: 'OperatorStopping',
  // A ProviderConfig's Ready (src/operator/config-status.ts); False carries the check's failure reason
  Reachable: 'Reachable',
  NotProbed: 'NotProbed',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Event reasons (the `reason` of a Kubernetes Event). */
export const EventReason = {
  Created: 'Created',
  Updated: 'Updated',
  DriftCorrected: 'DriftCorrected',
  DriftDetected: 'DriftDetected',
  Adopted: 'Adopted',
  Deleted: 'Deleted',
  DeletionProgress: 'DeletionProgress',
  Retained: 'Retained',
  LeftUnowned: 'LeftUnowned',
  Uninstalling: 'Uninstalling',
  CredentialsRotated: 'CredentialsRotated',
  ReconcileIntervalClamped: 'ReconcileIntervalClamped',
  ReconcileIntervalInvalid: 'ReconcileIntervalInvalid',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/** Every code above, for the documentation check. */
export const ALL_REASON_CODES: string[] = [...new Set([...Object.values(Reason), ...Object.values(EventReason)])].sort();
