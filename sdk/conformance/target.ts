// What a provider author hands the conformance kit: the adapter under test, a way to reach the
// real backend, and an oracle that reads that backend directly, never through the adapter.
import type { z } from 'zod';
import type { Connector, ManagedResource, ProviderConnection } from '../contract.ts';

/** The cases, in the order they run; also the keys of `skip`. */
export const CASES = [
  'create twice is one resource',
  'observe after create is up to date and ours',
  'drift is seen and converged',
  'every mutable field reaches the cloud',
  'delete twice is fine',
  'delete after an out-of-band delete is fine',
  'an unowned resource is refused',
  'partial delete resumes',
  'a dead endpoint is Retryable',
  'bad credentials are Terminal',
  'an invalid spec is Terminal',
  'no secret in any error message',
] as const;
export type CaseName = (typeof CASES)[number];

/** One thing the oracle found in the backend under a resource's external name. */
export interface Found {
  /** The ownership mark it carries (tag, ownership record, comment), or undefined. */
  mark?: string | undefined;
  /**
   * Its settings as plain JSON, enough to tell whether anything changed it (leave out what moves
   * by itself: timestamps, counters).
   */
  state: unknown;
}

/** Reads and changes the real backend without the adapter: the kit's independent witness. */
export interface Oracle<Spec> {
  /** Every thing the backend holds under the resource's external name ([] when none). */
  read(resource: ManagedResource<Spec>): Promise<Found[]>;
  /**
   * Changes one managed setting of the existing thing behind the adapter's back, and returns the
   * spec path the adapter's diff must name (e.g. `versioning`, `ttl`).
   */
  drift(resource: ManagedResource<Spec>): Promise<string>;
  /** Deletes the thing behind the adapter's back (an out-of-band delete). */
  remove(resource: ManagedResource<Spec>): Promise<void>;
  /** Makes a thing under the resource's external name carrying `mark`, or no mark when undefined. */
  plant(resource: ManagedResource<Spec>, mark: string | undefined): Promise<void>;
  /** Removes whatever a case left under the name, ours or not. Called after every case. */
  cleanup(resource: ManagedResource<Spec>): Promise<void>;
}

/**
 * What the field walk needs beyond the schema ('every mutable field reaches the cloud'). Paths are
 * named as in the reference pages: `rds.storageType`, `lifecycleRules[].id`; a declaration covers
 * the path and everything below it. Each declaration needs its written reason, and must name a
 * field that may change (an immutable one is refused by the apiserver already).
 */
export interface FieldWalk<Spec> {
  /** The spec schema to walk; defaults to the kind's (Bucket, DNSRecord, Database). */
  schema?: z.ZodType;
  /**
   * Values to try first for a path, when the kit's own guesses (the next number, the other enum
   * value, a string nudged) are not ones the backend takes; for an unset list of objects, a list
   * holding one item to start from.
   */
  values?: Record<string, unknown[]>;
  /** Fields that set nothing in the backend (what to do on delete, the other provider's block), with the reason. Not walked. */
  notSettings?: Record<string, string>;
  /** Settings the oracle cannot read, with the reason: the kit checks the adapter's diff and convergence only. */
  unseen?: Record<string, string>;
  /** Fields this backend does not support, with the reason: setting one must fail with a TerminalError. */
  refused?: Record<string, string>;
  /**
   * Further specs to create and walk, by name, for fields the target's resource cannot reach: a
   * parent whose presence is fixed at create (weighted), a block exclusive with another (alias).
   */
  variants?: Record<string, (spec: Spec) => Spec>;
}

export interface ConformanceTarget<Spec, AtProvider = Record<string, unknown>> {
  connector: Connector<Spec, AtProvider>;
  /** A connection to the backend the oracle reads. */
  connection(): ProviderConnection | Promise<ProviderConnection>;
  /**
   * A resource for one case. `name` is fresh per case and run (lowercase letters, digits and
   * hyphens, at most 30 characters): derive the external name from it so cases never collide.
   * The ownership mark must be `conformance/<namespace>/<name>`-like and unique to the resource.
   */
  resource(name: string): ManagedResource<Spec>;
  oracle: Oracle<Spec>;
  /**
   * Makes the thing big enough that one delete call cannot finish (many objects to remove).
   * Optional: adapters that stop part-way by themselves (a batched change) need none.
   */
  fill?(resource: ManagedResource<Spec>): Promise<void>;
  /** A connection whose endpoint takes no connections, holding `secret` as a credential. */
  unreachable?(secret: string): ProviderConnection | Promise<ProviderConnection>;
  /** A connection whose credentials the backend rejects; `secret` is the rejected password or key. */
  badCredentials?(secret: string): ProviderConnection | Promise<ProviderConnection>;
  /**
   * A resource (from `resource(name)`) changed so that the backend or the adapter refuses it. It
   * may prepare the backend first (make a thing the spec cannot be applied to); the kit then
   * observes, creates or updates, and updates again what drifted, expecting a TerminalError.
   */
  invalidSpec?(resource: ManagedResource<Spec>): ManagedResource<Spec> | Promise<ManagedResource<Spec>>;
  /** The field walk's declarations; without it 'every mutable field reaches the cloud' fails, unless skipped with a reason. */
  fields?: FieldWalk<Spec>;
  /** Cases that do not apply, each with the written reason why; a skip without a reason is refused. */
  skip?: Partial<Record<CaseName, string>>;
  /**
   * Longest wait (default 30 s) for a pending observation to settle, a delete to finish, or
   * observe to see what the oracle changed behind the adapter's back (an adapter may reuse a
   * listing a few seconds old).
   */
  settleTimeoutMs?: number;
}
