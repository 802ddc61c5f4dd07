// One pass over one object, typed by phase: each phase is a type holding what the pass has by
// then, so a step says by its parameter type what it needs and nothing is asserted present.
//
//   Pass → Parsed (the spec, its references resolved: src/reconcile/references.ts) → Resolved (admitted, provider found, resource built)
//        → Loaded (the connection Secret, when the kind or spec asks for one; never when deleting)
//        → Connected (the adapter's client) → Observed (what the cloud holds, ignoreChanges applied)
//
// A phase extends the same object (advance), so the pass's end (status written on success or
// failure) always sees the object as last written and what the pass learnt, whatever phase failed.
import type { Connector, ExternalClient, ManagedResource, Observation, ProviderConnection } from '../../sdk/index.ts';
import type { Drift } from './conditions.ts';
import type { ConnectionSecret } from './connection.ts';
import type { ResolvedValue } from './references.ts';
import type { Admission, Logger, ManagedObject, ManagedStatus } from './types.ts';

/** What every phase has: the object as last written, the pass's logger, and what status will get. */
export interface Pass {
  object: ManagedObject;
  /** This pass's logger: every line names the object and the reconcile id. */
  readonly log: Logger;
  /** status.atProvider from the last observe (or delete) of this pass; undefined keeps the recorded one. */
  atProvider?: Record<string, unknown> | undefined;
  /** What this pass learnt of drift, for the Drifted condition; undefined leaves it as it was. */
  drift?: Drift | undefined;
  /** managementPolicy Plan, or a refused adoption: the calls Full would make. */
  plan?: ManagedStatus['plan'];
  /** This pass saw the spec applied and up to date: status.convergedGeneration moves to it. */
  converged?: boolean;
  /** This pass observed the cloud and found it as the spec wants: status.lastChecked may move to now. */
  checked?: boolean;
  /** The spec's references, resolved: the values (for plans) and the paths holding a Secret's (never shown). */
  references?: { values: ResolvedValue[]; secretPaths: string[] };
}

/** The spec parsed and valid. */
export interface Parsed<Spec> extends Pass {
  readonly spec: Spec;
}

/** The marks an asset of this object may carry: the current form, and the legacy one it may still own. */
export interface Marks {
  current: string;
  legacy?: string | undefined;
}

/** Admitted by the ProviderConfig's grants and policy, its provider found, the adapter's view built. */
export interface Resolved<Spec> extends Parsed<Spec> {
  /** What the ProviderConfig's admin granted this object (decided before any Secret read or cloud call). */
  readonly admission: Admission;
  /** The provider type serving this pass (the ProviderConfig's `type`), for metrics and messages. */
  readonly provider: string;
  readonly connection: ProviderConnection;
  readonly connector: Connector<unknown>;
  readonly marks: Marks;
  /** What the adapter is given; its spec, mark, Secret values and signal change as the pass goes. */
  readonly resource: ManagedResource<Spec>;
}

/** The connection Secret read, when the kind or the spec asks for one (never on the delete path). */
export interface Loaded<Spec> extends Resolved<Spec> {
  readonly secret: ConnectionSecret | undefined;
}

export type Client<Spec> = ExternalClient<Spec, Record<string, unknown>>;

/** The adapter's client made; disconnected when the pass ends. */
export interface Connected<Spec> extends Loaded<Spec> {
  readonly client: Client<Spec>;
}

/** What the cloud holds, as the last observe of the pass saw it (spec.ignoreChanges applied). */
export interface Observed<Spec> extends Connected<Spec> {
  observation: Observation<Record<string, unknown>>;
}

/** The next phase: the same pass, holding more. */
export function advance<P extends Pass, More extends object>(pass: P, more: More): P & More {
  return Object.assign(pass, more);
}
