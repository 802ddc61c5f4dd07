// The public surface of the provider SDK: everything an adapter author needs, nothing more.
export type {
  Connector,
  DeleteResult,
  ExternalClient,
  FieldDiff,
  ManagedResource,
  Observation,
  ProviderConnection,
  RequestLimiter,
  StaticCredentials,
} from './contract.ts';
export { AdapterError, ConflictError, RetryableError, TerminalError, isAdapterError } from './errors.ts';
export type { AdapterErrorOptions, ErrorKind } from './errors.ts';
export { assertNoSecretEscapes, SecretEscapes, type SecretEscape } from './testing.ts';
