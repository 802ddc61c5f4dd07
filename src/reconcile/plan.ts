// managementPolicy Plan: the cloud calls a Full policy would make, worked out from the same
// observation Full acts on, written into status.plan and printed by `mooring plan`. Nothing here
// calls the cloud; the reconciler stops before any write when the policy is Plan.
import { MAX_PLANNED_FIELDS, type PlannedCall, type PlannedField } from '../api/common.ts';
import type { FieldDiff, Observation } from '../../sdk/index.ts';
import { show } from './drift.ts';
import { byCodePoint } from '../runtime/order.ts';

/** Spec fields about mooring itself, not the external thing: never part of a planned call. */
const MANAGEMENT_FIELDS = new Set(['providerConfigRef', 'deletionPolicy', 'managementPolicy', 'managementPolicies', 'adopt', 'ignoreChanges', 'writeConnectionSecretToRef']);

export interface PlanInput {
  observation: Observation;
  /** The spec after defaults (what create sends). */
  spec: Record<string, unknown>;
  /** The thing exists without our mark and the resource may take it (adopt, or our own pending create). */
  adopting: boolean;
  /** The ownership mark an adopting update writes. */
  ownershipMark: string;
}

export function planCalls(input: PlanInput): PlannedCall[] {
  const { observation, spec } = input;
  if (!observation.exists) return [{ operation: 'create', fields: capped(leaves(spec)) }];
  const fields = (observation.upToDate ? [] : (observation.diff ?? [])).map(field);
  // The mark is what makes it an adoption: kept in view, whatever is left out before it.
  if (input.adopting) return [{ operation: 'adopt', fields: [...capped(fields, MAX_PLANNED_FIELDS - 1), { path: 'ownershipMark', new: show(input.ownershipMark, 1024) }] }];
  if (!observation.upToDate) return [{ operation: 'update', fields: fields.length ? capped(fields) : [{ path: '(settings the adapter did not itemise)' }] }];
  return [];
}

/**
 * At most `room` fields (the schema's limit: a longer list would make the status write fail):
 * beyond it the first room − 1 and an entry saying how many more there are.
 */
export function capped(fields: PlannedField[], room = MAX_PLANNED_FIELDS): PlannedField[] {
  if (fields.length <= room) return fields;
  const shown = fields.slice(0, room - 1);
  return [...shown, { path: `(${fields.length - shown.length} more fields not listed; ${fields.length} in all)` }];
}

const MORE = /^\(\d+ more fields not listed; (\d+) in all\)$/;

/** How many fields a planned call sets, those left out by `capped` included. */
function fieldCount(fields: readonly PlannedField[]): number {
  const all = MORE.exec(fields.at(-1)?.path ?? '')?.[1];
  return all === undefined ? fields.length : Number(all);
}

/** `create (12 fields)`, `update tags.team, versioning`, or `no changes`. */
export function summarize(plan: readonly PlannedCall[]): string {
  if (!plan.length) return 'no changes: Full would make no cloud call';
  return plan
    .map((c) => (c.operation === 'create' ? `create (${fieldCount(c.fields)} fields)` : `${c.operation} ${c.fields.map((f) => f.path).join(', ')}`))
    .join('; ');
}

function field(d: FieldDiff): PlannedField {
  const old = show(d.observed, 1024);
  const next = show(d.desired, 1024);
  return { path: d.path, ...(old === undefined ? {} : { old }), ...(next === undefined ? {} : { new: next }) };
}

/** Every leaf of the spec, as dotted paths; arrays are one value. */
function leaves(spec: Record<string, unknown>, prefix = ''): PlannedField[] {
  const out: PlannedField[] = [];
  for (const [key, value] of Object.entries(spec).sort(([a], [b]) => byCodePoint(a, b))) {
    if (!prefix && MANAGEMENT_FIELDS.has(key)) continue;
    if (value === undefined) continue;
    const path = `${prefix}${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) out.push(...leaves(value as Record<string, unknown>, `${path}.`));
    else out.push({ path, new: show(value, 1024) });
  }
  return out;
}
