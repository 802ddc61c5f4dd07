// Adoption shows before it changes (issue 16): an adopted thing is taken as it is found. When the
// spec differs from it (a thin spec whose defaults say "versioning off", "public access blocked"),
// the adoption stops before any write, with the calls it would make in status.plan, until the user
// says what they want: the live values written into the spec (or the fields listed in
// spec.ignoreChanges), or the changes accepted with an annotation. docs/plan.md, "Adoption".
import type { Observation } from '../../sdk/index.ts';
import type { PlannedCall } from '../api/common.ts';
import { degraded, type Outcome } from './conditions.ts';
import { describeDiff } from './drift.ts';
import { planCalls } from './plan.ts';
import { Reason } from './reasons.ts';

/** On the managed object: `"true"` lets an adoption converge the spec's differences onto the thing. */
export const ADOPT_WITH_CHANGES = 'mooring.dev/adopt-with-changes';

export interface AdoptionCheck {
  kind: string;
  externalName: string;
  annotations: Record<string, string> | undefined;
  observation: Observation;
  /** The spec the adapter would be given (after defaults and ignoreChanges). */
  spec: Record<string, unknown>;
  ownershipMark: string;
}

/** Undefined when the adoption may go on; else the refusal and the plan to show with it. */
export function adoptionRefusal(input: AdoptionCheck): { outcome: Outcome; plan: PlannedCall[] } | undefined {
  const { observation } = input;
  if (observation.upToDate || input.annotations?.[ADOPT_WITH_CHANGES] === 'true') return undefined;
  const plan = planCalls({ observation, spec: input.spec, adopting: true, ownershipMark: input.ownershipMark });
  const found = describeDiff(observation.diff ?? []) || 'settings the adapter did not itemise';
  const what = `${input.kind.toLowerCase()} ${input.externalName}`;
  const message =
    `adopting the existing ${what} would change it (${found}); nothing was changed. To take it as it is, set those fields in the spec ` +
    `to the values found, or list them in spec.ignoreChanges; to make the changes, annotate the ${input.kind} with ${ADOPT_WITH_CHANGES}=true. ` +
    'The calls it would make are in status.plan.';
  return { outcome: degraded(Reason.AdoptionWouldChange, message), plan };
}
