// The public surface of the provider SDK (`mooring/sdk`): everything a provider author needs,
// nothing more. Anything not exported here is mooring's internals and may change at any release.
export type {
  Connector,
  DeleteResult,
  ExternalClient,
  FieldDiff,
  ManagedResource,
  Observation,
  Pending,
  ProbeReport,
  ProviderConnection,
  RequestLimiter,
  ScheduleOptions,
  StaticCredentials,
  WriteQueued,
} from './contract.ts';
export { isQueued } from './contract.ts';
export { AdapterError, ConflictError, RetryableError, TerminalError, isAdapterError } from './errors.ts';
export type { AdapterErrorOptions, ErrorKind } from './errors.ts';
export { ProviderReason } from './reasons.ts';
export { SDK_VERSION, incompatibility, parseVersion } from './version.ts';
export { callSignal, withCallSignal } from './signal.ts';
export { parseSpec } from './specs.ts';
// How a provider names the fields of its own settings that do not parse (`settings.x: why`).
export { formatIssues } from '../src/api/issues.ts';
export { BATCH_TIMING_DEFAULTS, ZoneBatcher } from './batch.ts';
export { OWNERSHIP_PREFIX, WILDCARD_LABEL, reservedNameReason } from './ownership-names.ts';
export type { BatchCost, BatchOptions, BatchPlan, BatchPort, BatchResult } from './batch.ts';
// The DNS kit: a DNSRecord provider on any backend behind its port (sdk/dns/port.ts).
export * from './dns/index.ts';
export type { SpecOf } from './specs.ts';
export { KIND_NAMES, ProviderDefinitionError, defineProvider, definitionProblems, isProviderRegistration } from './define.ts';
export type { ProviderDefinition, ProviderKinds, ProviderRegistration } from './define.ts';
// What a provider needs of mooring's schemas (src/api, the zod schemas the types flow from),
// re-exported so that providers import nothing but this SDK. The per-kind specs and atProvider
// shapes an adapter receives and reports, and a spec as written (tests build theirs with parseSpec):
export type { BucketAtProvider, BucketSpec, BucketSpecInput } from '../src/api/bucket.ts';
export type { DNSRecordAtProvider, DNSRecordSpec, HealthCheck, RecordType, RoutingPolicy } from '../src/api/dnsrecord.ts';
export { ROUTING_POLICIES } from '../src/api/dnsrecord.ts';
export type { DatabaseAtProvider, DatabaseSpec, DatabaseSpecInput } from '../src/api/database.ts';
// A Database's per-backend options, schema and type in one (`RdsOptions.parse({})`: the defaults
// when the spec leaves them out), and the rules its schema holds that an adapter checks again.
export { ALLOWED_EXTENSIONS, PG_IDENTIFIER, PostgresOptions, RdsOptions, RESERVED_SCHEMAS, schemaNameRules } from '../src/api/database.ts';
// Ownership: the tag that carries the ownership mark on tagged assets (S3, RDS); users may not set it.
export { OWNERSHIP_TAG } from '../src/api/bucket.ts';
// A ProviderConfig's web identity: the projected-token directory its token file must lie in.
export { TOKEN_FILE_PATTERN, WEB_IDENTITY_TOKEN_DIR } from '../src/api/providerconfig.ts';
export { assertNoSecretEscapes, must, SecretEscapes, type SecretEscape } from './testing.ts';
