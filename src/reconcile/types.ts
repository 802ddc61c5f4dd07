// What the generic reconciler works on and with. Everything it touches outside itself is an
// interface here, so it runs against the real apiserver in production and fakes in unit tests.
import type { z } from 'zod';
import type { Condition, ConnectionSecretPolicy, ManagementAction, ObjectMeta, PlannedCall } from '../api/common.ts';
import type { SpecReference } from '../api/crd.ts';
import type { Connector, ProviderConnection } from '../../sdk/index.ts';
import type { MarkForm } from './marks.ts';

export const FINALIZER = 'mooring.dev/finalizer';
/** Set before a create call reaches the cloud; void once status.lastChecked bears the create out (pending.ts). */
export const CREATE_PENDING = 'mooring.dev/create-pending';
/**
 * `"true"`: the operator leaves the object alone (no cloud call, no write, not even on delete)
 * until the annotation goes; for maintenance windows and for handing an asset to another tool.
 */
export const PAUSED = 'mooring.dev/paused';

export interface ManagedStatus {
  conditions?: Condition[];
  observedGeneration?: number;
  /** The generation last applied and seen up to date: a difference found at it is drift. */
  convergedGeneration?: number;
  atProvider?: Record<string, unknown>;
  /** The refresh request (annotation value) last handled. */
  lastRefresh?: string;
  /** When the cloud was last observed and found as the spec wants (refreshed lazily: status.ts). */
  lastChecked?: string;
  /** managementPolicy Plan: what Full would do. */
  plan?: PlannedCall[];
}

export interface ManagedObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string; namespace: string; uid: string; generation: number; creationTimestamp?: string | Date };
  spec: Record<string, unknown>;
  status?: ManagedStatus;
}

/** The fields every managed spec has after parsing (see src/api/common.ts). */
export interface ManagedSpecBase {
  providerConfigRef: { name: string };
  deletionPolicy: 'Delete' | 'Retain';
  managementPolicy: 'Full' | 'ObserveOnly' | 'Plan';
  /** Narrows Full to these cloud calls (src/reconcile/policies.ts). */
  managementPolicies?: ManagementAction[] | undefined;
  adopt: boolean;
  /** Spec paths another system owns: never reported as drift, never converged. */
  ignoreChanges?: string[] | undefined;
  externalName?: string | undefined;
  writeConnectionSecretToRef?: { name: string } | undefined;
  /** A ConfigMap for the non-secret status fields (src/reconcile/exports.ts). */
  exportTo?: { name: string } | undefined;
}

/** One managed kind as the reconciler needs to know it. */
export interface ManagedKind<Spec extends ManagedSpecBase = ManagedSpecBase> {
  kind: string;
  plural: string;
  spec: z.ZodType<Spec>;
  /**
   * Objects checked together, at one phase of the resync period, because one read answers them all
   * (DNS records of one zone: one zone listing). Unset: each object at its own phase.
   */
  resyncGroup?: (spec: Spec) => string | undefined;
  /** The name in the cloud: `spec.externalName`, else `metadata.name` (both immutable). */
  externalName?: (object: ManagedObject, spec: Spec) => string;
  /** What breaks the rules among the names derived from metadata.name (src/api/derived.ts); one line each. */
  nameProblems?: (objectName: string, spec: Spec) => string[];
  /** The connection Secret's default name and generated keys; see src/reconcile/connection.ts. */
  connectionSecret?: ConnectionSecretPolicy;
  /** Other assets of this kind the spec points at; each must be its own namespace's (see ClaimIndex.claimant). */
  assetReferences?: (spec: Spec) => SpecReference[];
  /** Dotted paths of the spec's `<field>From` references (src/api/references.ts), resolved before any cloud call. */
  references?: readonly string[];
}

/** Writes to the apiserver. Each returns the object as stored after the write. */
export interface ObjectWriter {
  /** Sets the finalizers, and in the same write any annotations given (null removes one). */
  setFinalizers(object: ManagedObject, finalizers: string[], annotations?: Record<string, string | null>): Promise<ManagedObject>;
  setAnnotations(object: ManagedObject, annotations: Record<string, string | null>): Promise<ManagedObject>;
  writeStatus(object: ManagedObject, status: ManagedStatus): Promise<void>;
}

/** A Secret as the reconciler reads it: data decoded to strings. */
export interface StoredSecret {
  data: Record<string, string>;
  annotations: Record<string, string>;
  /** For the optimistic write that follows the read. */
  resourceVersion?: string | undefined;
}

/** A connection Secret as the reconciler writes it (whole: data, annotations, owner). */
export interface SecretBody {
  namespace: string;
  name: string;
  type: string;
  data: Record<string, string>;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  /** The managed object owning it (ownerReference with controller: true, so the garbage collector removes it). */
  owner: { apiVersion: string; kind: string; name: string; uid: string };
}

/** Reads and writes connection Secrets; the apiserver in production, a map in unit tests. */
export interface SecretStore {
  read(namespace: string, name: string): Promise<StoredSecret | undefined>;
  /**
   * Creates the Secret when `previous` is undefined, else replaces it on `previous.resourceVersion`
   * (a 409 when someone changed it meanwhile). Returns it as stored.
   */
  write(body: SecretBody, previous: StoredSecret | undefined): Promise<StoredSecret>;
  /**
   * Drops the owner reference to `ownerUid`, so the garbage collector keeps the Secret when its
   * object goes (an uninstall); a missing Secret is fine. Optional: stores without owners skip it.
   */
  release?(namespace: string, name: string, ownerUid: string): Promise<void>;
}

export interface EventSink {
  event(object: ManagedObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Finds the ProviderConfig, its credentials and the connector for a kind. */
/** Who asks to use a ProviderConfig: a resource's namespace, kind and parsed spec. */
export interface Requester {
  namespace: string;
  kind: string;
  /** The parsed spec; undefined on a deleting pass, which is checked for the grant only. */
  spec: unknown;
  /** Spec paths (`rds.securityGroupIds`) whose value a Secret gave: a refusal names them, never their value. */
  secretPaths?: readonly string[];
}

/** What a granted requester may do beyond its spec's own limits. */
export interface Admission {
  /** spec.adopt may take over an unmarked asset (the config's spec.policy.adoption). */
  adoption: boolean;
}

export interface ProviderResolver {
  /**
   * Throws a TerminalError (ProviderConfigNotFound, NotGranted, a policy refusal) unless the
   * requester's namespace was granted the config and its spec is within the config's policy.
   */
  admit(providerConfigName: string, requester: Requester): Admission;
  /** Throws a TerminalError (ProviderConfigNotFound, CredentialsNotFound, ProviderNotRegistered …). */
  resolve(providerConfigName: string, kind: string): Promise<{ connection: ProviderConnection; connector: Connector<unknown> }>;
  /**
   * The ownership id of a ProviderConfig (part of every ownership mark): its spec.ownershipId, else
   * this cluster's own id. Throws a TerminalError (OwnershipIdUnknown) when neither is known.
   */
  ownershipId(providerConfigName: string): string;
  /** The form of the config's marks (spec.ownershipMarks; Readable when unset). */
  markForm(providerConfigName: string): MarkForm;
  /** The account the config's drift checks are budgeted under (src/limits/resync.ts); unset: none. */
  resyncAccount?(providerConfigName: string): string | undefined;
}

/** A drift check's place in its account's budget: the account, and the key its phase is hashed from. */
export interface ResyncCheck {
  account: string;
  phaseKey: string;
  /** The object's own interval (mooring.dev/reconcile-interval, within the bounds): still under the account's budget. */
  everyMs?: number;
}

/** Which resource, if any other, claims the same external name first. */
export interface ClaimIndex {
  /** The key (`namespace/name`) of the oldest other resource of this kind claiming it, if any. */
  earlierClaimant(object: ManagedObject, providerConfig: string, externalName: string): string | undefined;
  /**
   * The oldest object of `kind` claiming the name through the config (the one that manages it),
   * the asking object included; `ready`: its Ready condition is True with reason Available, which
   * only a pass that found the asset marked as ours writes. Unset: every reference is refused.
   */
  claimant?(kind: string, providerConfig: string, externalName: string): { namespace: string; name: string; ready: boolean } | undefined;
}

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** One adapter call as metrics see it. Called synchronously; must not throw. */
export interface CallObserver {
  adapterCall(call: { kind: string; provider: string; operation: string; outcome: 'success' | 'error'; seconds: number }): void;
}

