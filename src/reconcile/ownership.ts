// Whose a cloud thing is, and whether this object may touch it: the ownership marks an object's
// assets carry, the signed pending-create mark, adoption, and one claimant per external name. A
// refusal is returned as the outcome to show, never thrown.
import type { Observation } from '../../sdk/index.ts';
import { adoptionRefusal } from './adoption.ts';
import { degraded, type Outcome } from './conditions.ts';
import { legacyMark, ownershipMark, type MarkSigner } from './marks.ts';
import type { Marks, Parsed, Resolved } from './pass.ts';
import type { PendingMarkSigner } from './pending.ts';
import { Reason } from './reasons.ts';
import { CREATE_PENDING, type ClaimIndex, type ManagedKind, type ManagedObject, type ManagedSpecBase, type ManagedStatus, type ProviderResolver } from './types.ts';

/** Why the pass leaves the thing alone: the outcome to show, and the plan an adoption would need. */
export interface Refusal {
  outcome: Outcome;
  plan?: ManagedStatus['plan'];
}

export interface OwnershipDeps<Spec extends ManagedSpecBase> {
  kind: ManagedKind<Spec>;
  claims: ClaimIndex;
  providers: ProviderResolver;
  markSigner: MarkSigner;
  pendingMark: PendingMarkSigner;
}

export class Ownership<Spec extends ManagedSpecBase> {
  private readonly deps: OwnershipDeps<Spec>;

  constructor(deps: OwnershipDeps<Spec>) {
    this.deps = deps;
  }

  /**
   * The mark new assets get, and the legacy mark (`<id>/<namespace>/<name>`, before uids) when
   * this object may still own one: only an object reconciled before (a status the operator wrote,
   * or a create the operator signed as pending), since only such an object can have made it. A
   * brand-new object of a namespace deleted and made again has neither, so the old object's
   * assets are AlreadyOwned for it. A legacy object keeps its legacy mark for good (the mark is
   * passed to the adapter as is): rewriting it would need every adapter, plugins included, to
   * replace a mark on update, and an operator rolled back would then disown the asset.
   */
  marksOf(object: ManagedObject, providerConfig: string): Marks {
    const subject = {
      ownershipId: this.deps.providers.ownershipId(providerConfig),
      form: this.deps.providers.markForm(providerConfig),
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid,
    };
    const current = ownershipMark(subject, this.deps.markSigner);
    const reconciledBefore = object.status?.observedGeneration !== undefined || this.ownPendingCreate(object);
    return { current, legacy: reconciledBefore ? legacyMark(subject) : undefined };
  }

  /** The pending-create mark to record before a create, unless the object already carries its own. */
  pendingCreateMark(object: ManagedObject): Record<string, string> | undefined {
    return this.ownPendingCreate(object) ? undefined : { [CREATE_PENDING]: this.deps.pendingMark.sign(object.metadata.uid) };
  }

  isMarkedOurs(pass: Resolved<Spec>, observation: Observation): boolean {
    return observation.ownershipMark === pass.resource.ownershipMark;
  }

  /**
   * Ours: carries our mark, or is the half-recorded result of our own create (a pending mark only
   * the operator could have signed, for this uid), or is adopted where the config allows it.
   */
  mayTouch(pass: Resolved<Spec>, observation: Observation): boolean {
    if (this.isMarkedOurs(pass, observation)) return true;
    if (observation.ownershipMark !== undefined) return false;
    return this.ownPendingCreate(pass.object) || (pass.spec.adopt && pass.admission.adoption);
  }

  /**
   * The object carries its own pending-create mark, not yet borne out: a v2 mark is void once
   * status.lastChecked records the asset seen ours at or after the mark was signed.
   */
  ownPendingCreate(object: ManagedObject): boolean {
    const mark = object.metadata.annotations?.[CREATE_PENDING];
    const verified = mark === undefined ? undefined : this.deps.pendingMark.verify(object.metadata.uid, mark);
    if (!verified) return false;
    const checked = Date.parse(object.status?.lastChecked ?? '');
    return verified.signedAtMs === undefined || !(checked >= verified.signedAtMs);
  }

  /** A v1 pending mark (no signing time) on the object: removed by a write once the create is borne out. */
  hasLegacyPendingMark(object: ManagedObject): boolean {
    const mark = object.metadata.annotations?.[CREATE_PENDING];
    return mark !== undefined && this.deps.pendingMark.verify(object.metadata.uid, mark)?.signedAtMs === undefined;
  }

  /** Another owner's mark, or an unmarked thing this object may not adopt: left untouched. */
  ownershipRefusal(pass: Resolved<Spec>, observation: Observation): Outcome | undefined {
    if (this.mayTouch(pass, observation)) return undefined;
    const what = `${this.deps.kind.kind.toLowerCase()} ${pass.resource.externalName}`;
    if (observation.ownershipMark !== undefined) {
      return degraded(Reason.AlreadyOwned, `the ${what} is owned by ${observation.ownershipMark}; it is left untouched. Choose another spec.externalName, or delete that owner first.`);
    }
    if (pass.spec.adopt) {
      return degraded(Reason.AdoptionNotGranted, `a ${what} already exists and carries no mooring ownership mark; ProviderConfig ${pass.spec.providerConfigRef.name} does not allow adoption (spec.policy.adoption), so it is left untouched.`);
    }
    return degraded(Reason.NotOwned, `a ${what} already exists and carries no mooring ownership mark; it is left untouched. Set spec.adopt: true to take it over (where the ProviderConfig allows adoption).`);
  }

  /**
   * Adopting a thing whose credentials mooring generates (a login, an RDS master user) would set a
   * new password on it: only when the spec asks for that by name.
   */
  adoptionCredentialsRefusal(pass: Resolved<Spec>): Outcome | undefined {
    const policy = this.deps.kind.connectionSecret;
    if (this.ownPendingCreate(pass.object) || !policy?.generatedKeys?.(pass.spec).length) return undefined;
    if (policy.resetOnAdopt?.(pass.spec)) return undefined;
    return degraded(
      Reason.AdoptionNeedsPasswordReset,
      `adopting the existing ${this.deps.kind.kind.toLowerCase()} ${pass.resource.externalName} would set a new password on it; it is left untouched. Set spec.resetPasswordOnAdopt: true to adopt it with a new password.`,
    );
  }

  /**
   * An adoption takes the thing as it is: one that would change it waits, its plan in status.plan,
   * until the spec matches or the user accepts the changes (src/reconcile/adoption.ts). Our own
   * interrupted create is no adoption: it goes on converging. With spec.adopt the unmarked thing
   * may be someone else's all the same (a create that found it there and wrote nothing, still
   * marked pending): then it is shown first, like any adoption.
   */
  adoptionChangesRefusal(pass: Resolved<Spec>, observation: Observation): Refusal | undefined {
    if (this.ownPendingCreate(pass.object) && !pass.spec.adopt) return undefined;
    const { resource } = pass;
    return adoptionRefusal({
      kind: this.deps.kind.kind, externalName: resource.externalName, annotations: pass.object.metadata.annotations,
      observation, spec: resource.spec as Record<string, unknown>, ownershipMark: resource.ownershipMark,
    });
  }

  /** Two resources never claim one external name: the younger one is refused before any call. */
  claimRefusal(pass: Parsed<Spec>, externalName: string): Outcome | undefined {
    const other = this.deps.claims.earlierClaimant(pass.object, pass.spec.providerConfigRef.name, externalName);
    if (!other) return undefined;
    return degraded(Reason.AlreadyOwned, `${externalName} is already claimed by ${this.deps.kind.kind} ${other}; two resources cannot manage one external name.`);
  }
}
