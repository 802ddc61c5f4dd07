// The reason codes an adapter may put on its errors. Each becomes the `reason` of the resource's
// Degraded condition and of a Warning Event, where users and on-call engineers read it, so each
// is explained in mooring's runbook (docs/reasons.md); a test keeps this list within it. A plugin
// that needs another code documents it in its own README.

export const ProviderReason = {
  /** The backend asked us to slow down (mark the RetryableError `throttled`). */
  Throttled: 'Throttled',
  /** 5xx, timeouts, dropped or refused connections: retried with backoff. */
  ProviderUnavailable: 'ProviderUnavailable',
  /** The backend refused the call with these credentials. */
  AccessDenied: 'AccessDenied',
  /** The backend does not recognise the credentials. */
  InvalidCredentials: 'InvalidCredentials',
  /** The thing changed between our read and our write (a ConflictError). */
  Conflict: 'Conflict',
  /** The thing exists without our ownership mark, and the resource does not adopt it. */
  NotOwned: 'NotOwned',
  /** The thing carries another resource's ownership mark. */
  AlreadyOwned: 'AlreadyOwned',
  /** The name is taken in the backend by someone we cannot see (a global namespace). */
  NameTaken: 'NameTaken',
  /** The spec asks for something this backend cannot do; the message names the field. */
  InvalidSpec: 'InvalidSpec',
  /** The ProviderConfig's settings or endpoint do not fit this provider. */
  ProviderConfigInvalid: 'ProviderConfigInvalid',
  /** The ProviderConfig names a credentials file the provider refuses to read (a web identity's token file outside the projected-token directory). */
  TokenFileRefused: 'TokenFileRefused',
  /** Something the spec points at does not exist in the backend. */
  NotFound: 'NotFound',
  /** A DNS record's zone does not exist, or these credentials cannot see it. */
  ZoneNotFound: 'ZoneNotFound',
  /** The backend refused one DNS change; the message carries its own words. */
  InvalidChange: 'InvalidChange',
  /** Any other refusal of the request as made; the message carries the backend's code. */
  InvalidRequest: 'InvalidRequest',
  /** A failure that is neither a backend answer nor a network fault; retried with backoff. */
  ProviderError: 'ProviderError',
  /** Deleting a bucket that still holds objects, with emptyOnDelete off. */
  BucketNotEmpty: 'BucketNotEmpty',
  /** Deleting a database that still has sessions. */
  DatabaseInUse: 'DatabaseInUse',
  /** Deleting a thing the spec keeps deletion protection on. */
  DeletionProtected: 'DeletionProtected',
  /** The spec names a thing in the namespace the adapter keeps for its own ownership marks (a DNS record named `_mooring-…`). */
  ReservedName: 'ReservedName',
  /** The spec asks for a DNS routing policy (weighted, failover, latency, geolocation, multivalue) the DNS backend has none of (PowerDNS). */
  RoutingUnsupported: 'RoutingUnsupported',
  /** The spec asks for a health check (spec.healthCheck) on a DNS backend that has none (PowerDNS). */
  HealthCheckUnsupported: 'HealthCheckUnsupported',
  /** A DNS record would share its name with a CNAME (a CNAME beside another record set, or any record set beside a CNAME). */
  CnameConflict: 'CnameConflict',
} as const;
export type ProviderReason = (typeof ProviderReason)[keyof typeof ProviderReason];
