// Names the operator makes up when a spec field is unset: a Bucket's and a Database's external name
// from metadata.name, a Database's login role from its database name. Each stands for the field,
// so it must pass the field's rules (the cloud's own): the CRD checks it at create, as CEL at the
// object's root (the only place a rule can read metadata.name), and the reconciler checks it again
// before any cloud call, for objects made before the rule or on an apiserver that skips it.
import type { CelRule, Rule } from './common.ts';

/** A rule over a name, checked by the apiserver (`rule`, `self` the name) and by zod (`holds`). */
export type NameRule = Rule<string> & { holds: (name: string) => boolean };

export interface DerivedName {
  /** The spec field the name stands for while it is unset. */
  field: string;
  /** What the name is, for messages: 'the bucket name'. */
  what: string;
  /** Where it comes from, for messages: 'metadata.name', 'the database name'. */
  from: string;
  /** The name the operator uses, from metadata.name and the parsed spec; undefined when it derives none. */
  derive: (objectName: string, spec: Record<string, unknown>) => string | undefined;
  /**
   * The same in CEL at the object's root (`self` the object): the name; when none is made up; and
   * what it is made from besides metadata.name (which never changes), to tell a write that
   * changes it. (Comparing the names themselves, made twice from an unbounded metadata.name, costs
   * more than the apiserver's estimator allows.)
   */
  cel: { name: string; unless: string; inputs: string[] };
  /** The field's rules, and what its pattern and length say, over the name. */
  rules: NameRule[];
}

/** `self` in a rule, replaced by another expression (the name; the old object). */
const over = (rule: string, name: string) => rule.replace(/\bself\b/g, /^[A-Za-z_][\w.]*(\(\))?$/.test(name) ? name : `(${name})`);

const subject = (d: DerivedName, name?: string) =>
  `${d.what}${name === undefined ? '' : ` ${JSON.stringify(name.slice(0, 80))}`} (${d.from}, while spec.${d.field} is unset)`;

/**
 * The root-level CEL rules for a derived name. Checked when the name is made up or changes: at
 * create (`optionalOldSelf`: `oldSelf` then has no value), and on a write that changes what it is
 * made from (a Database given spec.externalName later changes its login role). A write that leaves
 * the name as it was passes, so an object stored before a rule can still be updated and deleted.
 */
export function derivedNameRules(d: DerivedName): CelRule[] {
  const unchanged = `(oldSelf.hasValue() && ${d.cel.inputs.map((i) => `(${over(i, 'oldSelf.value()')}) == (${i})`).join(' && ')})`;
  // Keys in the order the generated YAML prints them (alphabetical).
  return d.rules.map((r) => ({
    message: `${subject(d)} ${r.message}`,
    optionalOldSelf: true,
    rule: `${unchanged} || ${d.cel.unless} || (${over(r.rule, d.cel.name)})`,
  }));
}

/** What the reconciler finds wrong with the names derived for this object: one line per broken rule. */
export function derivedNameProblems(names: readonly DerivedName[], objectName: string, spec: Record<string, unknown>): string[] {
  return names.flatMap((d) => {
    const name = d.derive(objectName, spec);
    if (name === undefined) return [];
    return d.rules.filter((r) => !r.holds(name)).map((r) => `${subject(d, name)} ${r.message}`);
  });
}
