// The field walk's pure half: every leaf of a kind's spec schema, whether the apiserver lets it
// change, and a different valid value for it. The schema is read in its CRD form (toStructural),
// so what counts as immutable is exactly what the apiserver refuses: a `self == oldSelf` rule on
// the field or above it, or a `has(self.x) == has(oldSelf.x)` rule fixing a parent's presence.
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { toStructural, type StructuralSchema } from '../../src/api/structural.ts';

/** A step of a path: a property name, or 0 for the first item of a list of objects. */
export type Step = string | 0;

export interface Leaf {
  path: Step[];
  node: StructuralSchema;
  /** The immutability rule's message, on the field or an ancestor; undefined when it may change. */
  immutable?: string | undefined;
  /** Ancestors (as paths) whose presence a transition rule fixes: they must be there at create. */
  presenceFixed: Step[][];
}

/** `lifecycleRules[].id`: how a path is named in declarations and messages. */
export const pathName = (path: readonly Step[]): string => path.map((s, i) => (s === 0 ? '[]' : i ? `.${s}` : s)).join('');

/** The dotted path an adapter's diff uses (`lifecycleRules.0.id`): list items by index. */
export const diffPath = (path: readonly Step[]): string => path.join('.');

const IMMUTABLE = 'self == oldSelf';
const PRESENCE = /^has\(self\.([\w.]+)\) == has\(oldSelf\.\1\)$/;

/** Every leaf of the schema: scalars, lists of scalars and maps are leaves; objects and lists of objects are walked. */
export function leavesOf(schema: z.ZodType): Leaf[] {
  const out: Leaf[] = [];
  walk(toStructural(schema), [], undefined, [], out);
  return out;
}

function walk(node: StructuralSchema, path: Step[], immutable: string | undefined, fixed: Step[][], out: Leaf[]): void {
  const rules = node['x-kubernetes-validations'] ?? [];
  const own = rules.find((r) => r.rule === IMMUTABLE)?.message;
  const lock = immutable ?? own;
  const presence = rules.flatMap((r) => {
    const m = PRESENCE.exec(r.rule);
    return m ? [[...path, ...m[1]!.split('.')]] : [];
  });
  const fixedHere = [...fixed, ...presence];
  if (node.type === 'object' && node.properties) {
    for (const [key, child] of Object.entries(node.properties)) walk(child, [...path, key], lock, fixedHere, out);
    return;
  }
  if (node.type === 'array' && node.items?.type === 'object' && node.items.properties) {
    walk(node.items, [...path, 0], lock, fixedHere, out);
    return;
  }
  out.push({ path, node, immutable: lock, presenceFixed: fixedHere.filter((p) => p.length <= path.length && p.every((s, i) => s === path[i])) });
}

// --- reading and writing a path in a spec -------------------------------------------------------

type Json = Record<string, unknown>;

export function getAt(spec: unknown, path: readonly Step[]): unknown {
  let node: unknown = spec;
  for (const step of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Json)[step as string];
  }
  return node;
}

/** A copy of `spec` with `value` at `path`; missing parents become {} (and a missing list [{}]). */
export function setAt(spec: unknown, path: readonly Step[], value: unknown): unknown {
  const root = structuredClone(spec) as Json;
  let node: Json = root;
  path.forEach((step, i) => {
    const last = i === path.length - 1;
    if (last) {
      if (value === undefined) delete node[step as string];
      else node[step as string] = structuredClone(value);
      return;
    }
    const next = path[i + 1];
    const existing = node[step as string];
    if (next === 0) {
      if (!Array.isArray(existing) || existing.length === 0) node[step as string] = [{}];
    } else if (existing === null || typeof existing !== 'object') {
      node[step as string] = {};
    }
    node = node[step as string] as Json;
  });
  return root;
}

/** Whether every path in `fixed` is present in the spec (so a change below it adds nothing the apiserver forbids). */
export const presentIn = (spec: unknown, fixed: readonly Step[][]): boolean => fixed.every((p) => getAt(spec, p) !== undefined);

// --- different values ---------------------------------------------------------------------------

/** A string changed a little: the last digit counted up (an address stays an address), or a letter added. */
function nudged(s: string): string[] {
  const out: string[] = [];
  const digit = /(\d)(\D*)$/.exec(s);
  if (digit) out.push(`${s.slice(0, digit.index)}${(Number(digit[1]) + 1) % 10}${digit[2]}`);
  out.push(`${s}x`, `${s}1`);
  if (s.length > 1) out.push(`${s.slice(0, -1)}${s.at(-1) === 'a' ? 'b' : 'a'}`);
  return out;
}

function scalarCandidates(node: StructuralSchema, current: unknown): unknown[] {
  if (node.enum) return node.enum.filter((v) => v !== current);
  switch (node.type) {
    case 'boolean':
      return current === undefined ? [true, false] : [!current];
    case 'integer':
    case 'number': {
      const n = typeof current === 'number' ? current : typeof node.default === 'number' ? node.default : undefined;
      const raw = n === undefined ? [node.minimum ?? 1, 1, 0, node.maximum] : [n + 1, n - 1, node.minimum, node.maximum];
      return raw.filter((v): v is number => typeof v === 'number' && v !== current);
    }
    case 'string': {
      const base = typeof current === 'string' ? current : typeof node.default === 'string' ? node.default : undefined;
      const seeds = base === undefined ? [node.example, 'a', 'x1', '1'].filter((v): v is string => typeof v === 'string') : nudged(base);
      return seeds.filter((v) => v !== current);
    }
    default:
      return [];
  }
}

/** Values to try for a leaf, nearest first; the caller keeps the first the schema accepts. */
export function candidates(node: StructuralSchema, current: unknown): unknown[] {
  if (node.type === 'array' && node.items) {
    const items: unknown[] = Array.isArray(current) ? (current as unknown[]) : [];
    const fresh = scalarCandidates(node.items, undefined).filter((v) => !items.includes(v));
    const changed = items.length ? scalarCandidates(node.items, items.at(-1)).filter((v) => !items.includes(v)) : [];
    return [
      ...changed.map((v) => [...items.slice(0, -1), v]),
      ...fresh.map((v) => [...items, v]),
      ...(items.length > 1 ? [items.slice(0, -1)] : []),
    ];
  }
  if (node.type === 'object' && node.additionalProperties) {
    const map = current && typeof current === 'object' ? (current as Record<string, unknown>) : {};
    const values = scalarCandidates(node.additionalProperties, undefined);
    const keys = Object.keys(map);
    return [
      ...values.map((v) => ({ ...map, 'conformance-walk': v })),
      ...keys.flatMap((k) => scalarCandidates(node.additionalProperties!, map[k]).map((v) => ({ ...map, [k]: v }))),
    ];
  }
  return scalarCandidates(node, current);
}

/**
 * The spec with `path` changed to the first of `tries` the schema accepts and that changes what
 * the parsed spec holds there; undefined when none does.
 */
export function changed<Spec>(schema: z.ZodType, spec: Spec, path: readonly Step[], tries: readonly unknown[]): Spec | undefined {
  const before = getAt(spec, path);
  for (const value of tries) {
    const parsed = schema.safeParse(setAt(spec, path, value));
    if (parsed.success && !isDeepStrictEqual(getAt(parsed.data, path), before)) return parsed.data as Spec;
  }
  return undefined;
}
