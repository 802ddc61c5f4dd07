// defineProvider: how a provider (built in or a plugin) tells the operator what it serves. The
// registration is checked here, where the author calls it, and again by the operator's plugin
// loader, which also checks the declared SDK version against its own.
import type { BucketAtProvider, BucketSpec } from '../src/api/bucket.ts';
import { DNS_LABEL } from '../src/api/common.ts';
import type { DatabaseAtProvider, DatabaseSpec } from '../src/api/database.ts';
import type { DNSRecordAtProvider, DNSRecordSpec } from '../src/api/dnsrecord.ts';
import type { Connector, ProbeReport, ProviderConnection } from './contract.ts';
import { parseVersion } from './version.ts';

/** The managed kinds a provider may serve, each with the spec and atProvider its adapter gets. */
export type ProviderKinds = {
  Bucket?: Connector<BucketSpec, BucketAtProvider>;
  DNSRecord?: Connector<DNSRecordSpec, DNSRecordAtProvider>;
  Database?: Connector<DatabaseSpec, DatabaseAtProvider>;
};

export const KIND_NAMES: readonly (keyof ProviderKinds)[] = ['Bucket', 'DNSRecord', 'Database'];

export interface ProviderDefinition {
  /** The name a ProviderConfig's `spec.type` uses to pick this provider: a DNS label, e.g. `powerdns`. */
  type: string;
  /** The SDK version this provider was written against: pass `SDK_VERSION` from the SDK you import. */
  sdkVersion: string;
  /** A connector per kind served; at least one. */
  kinds: ProviderKinds;
  /**
   * Optional: a cheap, read-only call proving a ProviderConfig of this type reaches its backend
   * with working credentials, for `mooring doctor` and the ProviderConfig's status (checked at
   * start, on a change, every few minutes and when a resource fails on credentials). Resolves to
   * what it saw: a ProbeReport (since SDK 1.4.0; its `account` and `endpoint` reach the status) or
   * a one-line string; throws a typed error (never holding a secret) when it cannot. Send the
   * call through `connection.limiter(api)`, as the adapters' calls go.
   */
  probe?: (connection: ProviderConnection) => Promise<string | ProbeReport>;
}

/** What the operator loads: a checked definition, marked as made by defineProvider. */
export type ProviderRegistration = Readonly<ProviderDefinition>;

// Symbol.for, not a module-local symbol: a plugin may bundle its own copy of the SDK.
const REGISTRATION = Symbol.for('mooring.dev/provider-registration');

/** A definition that breaks a rule; the message names every field at fault and what to write. */
export class ProviderDefinitionError extends Error {
  readonly code = 'InvalidProviderDefinition';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid provider definition: ${problems.join('; ')}`);
    this.name = 'ProviderDefinitionError';
    this.problems = problems;
  }
}

/** Everything wrong with a definition (empty when it is sound). */
export function definitionProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['expected an object { type, sdkVersion, kinds }'];
  const { type, sdkVersion, kinds, probe } = value as Record<string, unknown>;
  const problems: string[] = [];
  if (probe !== undefined && typeof probe !== 'function') problems.push('probe: expected a function (connection) => Promise<ProbeReport | string>, or nothing');
  if (typeof type !== 'string' || type.length > 63 || !DNS_LABEL.test(type)) {
    problems.push(`type: ${JSON.stringify(type)} is not a provider name (lowercase letters, digits and hyphens, at most 63, such as powerdns)`);
  }
  if (typeof sdkVersion !== 'string' || !parseVersion(sdkVersion)) {
    problems.push(`sdkVersion: ${JSON.stringify(sdkVersion)} is not a semantic version; pass SDK_VERSION from mooring/sdk`);
  }
  if (typeof kinds !== 'object' || kinds === null) return [...problems, `kinds: expected an object with a connector per kind (${KIND_NAMES.join(', ')})`];
  const entries = Object.entries(kinds).filter(([, c]) => c !== undefined);
  if (entries.length === 0) problems.push(`kinds: serves no kind; give a connector for at least one of ${KIND_NAMES.join(', ')}`);
  for (const [kind, connector] of entries) {
    if (!(KIND_NAMES as readonly string[]).includes(kind)) problems.push(`kinds.${kind}: not a kind mooring manages (${KIND_NAMES.join(', ')})`);
    else if (typeof (connector as Partial<Connector<unknown>> | null)?.connect !== 'function') problems.push(`kinds.${kind}: expected a Connector (an object with a connect(connection) method)`);
    else if (!['undefined', 'function'].includes(typeof (connector as Connector<unknown>).close)) problems.push(`kinds.${kind}.close: expected a function or nothing`);
  }
  return problems;
}

/**
 * Registers a provider: checks the definition and returns what the operator loads. A plugin's
 * module exports the result (`export default defineProvider({...})`).
 *
 * @throws ProviderDefinitionError naming every field at fault
 */
export function defineProvider(definition: ProviderDefinition): ProviderRegistration {
  const problems = definitionProblems(definition);
  if (problems.length) throw new ProviderDefinitionError(problems);
  const registration = { type: definition.type, sdkVersion: definition.sdkVersion, kinds: Object.freeze({ ...definition.kinds }), ...(definition.probe ? { probe: definition.probe } : {}) };
  Object.defineProperty(registration, REGISTRATION, { value: true });
  return Object.freeze(registration);
}

/** True for a value defineProvider returned (by any copy of the SDK). */
export function isProviderRegistration(value: unknown): value is ProviderRegistration {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REGISTRATION] === true;
}
