// Drift as the user sees it (the Drifted condition and Event), and the fields another system owns
// (`spec.ignoreChanges`): their differences are dropped from the observation before anything acts
// on it, and the spec handed to the adapter carries their live values, so an adapter that writes a
// whole field (every tag at once) keeps what the other system set.
import type { FieldDiff, Observation } from '../../sdk/index.ts';
import type { Condition } from '../api/common.ts';
import type { Drift } from './conditions.ts';
import { Reason } from './reasons.ts';

/** The path itself or anything below it: `tags` covers `tags.team`. */
export function isIgnored(path: string, ignore: readonly string[]): boolean {
  return ignore.some((p) => path === p || path.startsWith(`${p}.`));
}

/** The observation with ignored differences dropped; with none left it is up to date. */
export function withoutIgnored<A>(observation: Observation<A>, ignore: readonly string[] | undefined): Observation<A> {
  if (!ignore?.length || !observation.diff?.length) return observation;
  const diff = observation.diff.filter((d) => !isIgnored(d.path, ignore));
  if (diff.length === observation.diff.length) return observation;
  const { diff: _dropped, ...rest } = observation;
  return diff.length ? { ...rest, diff } : { ...rest, upToDate: true };
}

/**
 * The spec with each ignored difference set to its live value. Only where the live value fits the
 * field (same JSON type, or absent from a map): an adapter-specific rendering (versioning
 * `Unversioned` for a boolean) is left alone, and the filtered diff alone keeps it unconverged.
 */
export function specKeepingIgnored<Spec>(spec: Spec, diff: readonly FieldDiff[] | undefined, ignore: readonly string[] | undefined): Spec {
  const kept = (diff ?? []).filter((d) => ignore?.length && isIgnored(d.path, ignore));
  if (!kept.length) return spec;
  const copy = structuredClone(spec) as Record<string, unknown>;
  for (const d of kept) setLive(copy, d);
  return copy as Spec;
}

function setLive(root: Record<string, unknown>, d: FieldDiff): void {
  const steps = d.path.split('.');
  const last = steps.pop();
  if (last === undefined) return; // split gives at least one step: never
  let node: unknown = root;
  for (const step of steps) {
    node = (node as Record<string, unknown> | undefined)?.[step];
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  }
  const parent = node as Record<string, unknown>;
  if (d.observed === undefined) delete parent[last];
  else if (d.desired === undefined || jsonType(d.observed) === jsonType(d.desired)) parent[last] = structuredClone(d.observed);
}

const jsonType = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** A value as plans and messages show it: JSON, cut to `max` characters. */
export function show(value: NonNullable<unknown> | null, max?: number): string;
export function show(value: unknown, max?: number): string | undefined;
export function show(value: unknown, max = 120): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value) ?? typeof value; // a function or symbol: never in a spec
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `tags.team: "intruder" → "a"; versioning: "Suspended" → "Enabled"`, for conditions and Events. */
export function describeDiff(diff: readonly FieldDiff[]): string {
  return diff.map((d) => `${d.path}: ${show(d.observed) ?? '(none)'} → ${show(d.desired) ?? '(none)'}`).join('; ');
}

/** The Drifted message of drift a policy only reports (ObserveOnly, Plan). */
export function notCorrected(diff: readonly FieldDiff[], policy: string): string {
  return `${describeDiff(diff)} (${policy}: ${NOT_CORRECTED})`;
}

const NOT_CORRECTED = 'not corrected';

/**
 * The Drifted condition once the thing is seen as the spec wants, given the one the object holds.
 * Drifted=True is written before a correction, and stays True while the correction has not shown
 * in the cloud (a failed update, a write only queued), whichever replica or incarnation of the
 * operator finds it next (a restart, a shard handed over): then, under Full (`correcting`), the
 * thing seen as wanted is that correction landing: DriftCorrected, with what was corrected. Drift
 * only reported (ObserveOnly, Plan) that went away is InSync. Undefined: nothing to change.
 */
export function driftSettled(before: Condition | undefined, correcting: boolean): Drift | undefined {
  if (before?.status !== 'True') return undefined;
  const corrected = correcting && before.reason === Reason.Drifted && !before.message.endsWith(`: ${NOT_CORRECTED})`);
  return corrected ? { drifted: false, reason: Reason.DriftCorrected, message: `corrected: ${before.message}` } : { drifted: false, reason: Reason.InSync, message: '' };
}
