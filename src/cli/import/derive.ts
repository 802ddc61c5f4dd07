// The one way `mooring import` turns what exists into a spec, for every kind: observe the thing
// through its adapter with a seed spec, take the adapter's own drift report (observation.diff,
// the values it would compare anyway) and write each differing field's observed value into the
// spec through the kind's field table, then observe again, until the adapter reports no drift.
// What the table cannot write, or what stays different, is what the schema cannot express.
import type { FieldDiff, Observation } from '../../../sdk/index.ts';
import { formatIssues } from '../../api/issues.ts';

/** Writes one observed value into a spec input; returns a reason when the schema cannot hold it. */
export type FieldWriter = (spec: Record<string, unknown>, observed: unknown, path: string) => string | void;

/**
 * A kind's field table: a diff path (exact, or `prefix.*` for a map's keys) → how its observed
 * value becomes spec. `set` writes it as it is. A new field of a kind is one line here.
 */
export type FieldTable = Record<string, FieldWriter>;

/** Writes the value at the dotted path (undefined removes it). */
export const set: FieldWriter = (spec, observed, path) => {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let at = spec;
  for (const k of keys) at = (at[k] ??= {}) as Record<string, unknown>;
  if (observed === undefined || observed === null) delete at[last];
  else at[last] = observed;
};

/** A field whose observed value never fits the schema. */
export const cannot =
  (why: string): FieldWriter =>
  () =>
    why;

function writerFor(table: FieldTable, path: string): FieldWriter | undefined {
  if (table[path]) return table[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const wildcard = table[`${parts.slice(0, i).join('.')}.*`];
    if (wildcard) return wildcard;
  }
  return undefined;
}

const show = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));

/** The spec input with each diff's observed value written in; a reason when one cannot be. */
export function applyDiff(table: FieldTable, input: Record<string, unknown>, diff: readonly FieldDiff[]): { spec: Record<string, unknown> } | { refused: string } {
  const spec = structuredClone(input);
  for (const d of diff) {
    const writer = writerFor(table, d.path);
    const why = writer ? writer(spec, d.observed, d.path) : `mooring has no field for ${d.path}`;
    if (why) return { refused: `${d.path} (${show(d.observed)}): ${why}` };
  }
  return { spec };
}

/** What the derivation needs of a kind. */
export interface Derivable<Spec> {
  fields: FieldTable;
  /** The kind's schema: validates the input and applies its defaults. */
  parse: (input: unknown) => { success: true; data: Spec } | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
}

export type Derived = { spec: Record<string, unknown>; mark?: string | undefined } | { skipped: string };

/** At most this many observes per thing: each round settles the fields the last one revealed. */
const ROUNDS = 4;

/**
 * Observes with `seed`, writes the drift into the spec, observes again, until the adapter sees
 * none. `observe` is called with the parsed spec; the client is the adapter's, read-only calls only.
 */
export async function derive<Spec>(kind: Derivable<Spec>, seed: Record<string, unknown>, observe: (spec: Spec) => Promise<Observation>): Promise<Derived> {
  let input = seed;
  const seen = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    seen.add(JSON.stringify(input));
    const parsed = kind.parse(input);
    if (!parsed.success) return { skipped: `the schema refuses it: ${formatIssues(parsed.error.issues, 'spec')}` };
    const observation = await observe(parsed.data);
    if (!observation.exists) return { skipped: 'it is gone (or was never there)' };
    if (observation.upToDate) return { spec: input, mark: observation.ownershipMark };
    const next = applyDiff(kind.fields, input, observation.diff ?? []);
    if ('refused' in next) return { skipped: `the schema cannot express ${next.refused}` };
    if (seen.has(JSON.stringify(next.spec))) {
      return { skipped: `the schema cannot express ${(observation.diff ?? []).map((d) => `${d.path} (${show(d.observed)})`).join(', ')}` };
    }
    input = next.spec;
  }
  return { skipped: `no spec matched it after ${ROUNDS} observes` };
}

