// Which cloud calls a spec lets the reconciler make: managementPolicy (Full, ObserveOnly, Plan)
// and, under Full, the finer spec.managementPolicies (crossplane/crossplane#3822). Full without a
// list is all four actions, so objects written before the list existed behave as before.
import { TerminalError } from '../../sdk/index.ts';
import { MANAGEMENT_ACTIONS, type ManagementAction } from '../api/common.ts';
import { Reason } from './reasons.ts';
import type { ManagedSpecBase } from './types.ts';

/** The actions allowed: every one under Full without a list, Observe alone otherwise (Plan makes no call either). */
export function allowedActions(spec: ManagedSpecBase): ReadonlySet<ManagementAction> {
  if (spec.managementPolicy !== 'Full') return new Set(['Observe']);
  return new Set(spec.managementPolicies ?? MANAGEMENT_ACTIONS);
}

/** Whether the list narrows anything (then messages name it). */
export const narrowed = (spec: ManagedSpecBase): boolean => spec.managementPolicy === 'Full' && spec.managementPolicies !== undefined && spec.managementPolicies.length < MANAGEMENT_ACTIONS.length;

/** The list with ObserveOnly or Plan says two things at once: refused, rather than one silently winning. */
export function checkPolicies(spec: ManagedSpecBase): void {
  if (spec.managementPolicies !== undefined && spec.managementPolicy !== 'Full') {
    throw new TerminalError(
      Reason.InvalidSpec,
      `spec.managementPolicies narrows managementPolicy Full, but managementPolicy is ${spec.managementPolicy}: remove one of the two`,
    );
  }
}

/** How a narrowed policy is named in status messages: `managementPolicies [Observe, Create]`. */
export const policyLabel = (spec: ManagedSpecBase): string =>
  narrowed(spec) ? `managementPolicies [${(spec.managementPolicies ?? []).join(', ')}]` : `managementPolicy ${spec.managementPolicy}`;
