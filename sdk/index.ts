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
export { BATCH_TIMING_DEFAULTS, ZoneBatcher } from './batch.ts';
export { OWNERSHIP_PREFIX, WILDCARD_LABEL, reservedNameReason } from './ownership-names.ts';
export type { BatchCost, BatchOptions, BatchPlan, BatchPort, BatchResult } from './batch.ts';
// The DNS kit: a DNSRecord provider on any backend behind its port (sdk/dns/port.ts).
export * from './dns/index.ts';
export type { SpecOf } from './specs.ts';
export { KIND_NAMES, ProviderDefinitionError, defineProvider, definitionProblems, isProviderRegistration } from './define.ts';
export type { ProviderDefinition, ProviderKinds, ProviderRegistration } from './define.ts';
// The per-kind specs and atProvider shapes an adapter receives and reports (src/api, the zod schemas).
export type { BucketAtProvider, BucketSpec } from '../src/api/bucket.ts';
export type { DNSRecordAtProvider, DNSRecordSpec, RecordType } from '../src/api/dnsrecord.ts';
export type { DatabaseAtProvider, DatabaseSpec, PostgresOptions, RdsOptions } from '../src/api/database.ts';
export { assertNoSecretEscapes, SecretEscapes, type SecretEscape } from './testing.ts';
