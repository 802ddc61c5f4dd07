// From a zod schema to the OpenAPI v3 subset the apiserver accepts for a CRD: a "structural"
// schema (every node typed, no unions of shapes, no additionalProperties beside properties, no
// $ref), with Go RE2 patterns and CEL rules the cost estimator accepts. zod's JSON Schema
// (draft 2020-12) is the starting point; whatever cannot be carried over faithfully is an error
// naming the field, never silently dropped.
import * as z from 'zod';
import type { CelRule } from './common.ts';

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** A JSONSchemaProps of apiextensions.k8s.io/v1, as far as mooring uses it. */
export interface StructuralSchema {
  type?: SchemaType;
  description?: string;
  format?: string;
  default?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema;
  items?: StructuralSchema;
  allOf?: StructuralSchema[];
  anyOf?: StructuralSchema[];
  oneOf?: StructuralSchema[];
  not?: StructuralSchema;
  example?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-embedded-resource'?: true;
}

/** A zod schema that cannot become a structural schema; the message names the field. */
export class SchemaError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path || '<root>'}: ${message}`);
    this.name = 'SchemaError';
    this.path = path;
  }
}

type Json = Record<string, unknown>;

const TYPES = new Set<string>(['object', 'array', 'string', 'integer', 'number', 'boolean']);

// Formats zod writes that the apiserver validates itself. zod renders most of its string formats
// as a format plus a pattern of its own; with the apiserver checking the format, that pattern goes.
const FORMATS = new Set(['uri', 'email', 'uuid', 'date-time', 'date', 'ipv4', 'ipv6', 'hostname']);

/** Keywords that may appear inside allOf/anyOf/oneOf/not: value validations only. */
const VALUE_VALIDATIONS = new Set([
  'format', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'multipleOf', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'required', 'allOf', 'anyOf', 'oneOf', 'not',
]);

const KEYWORDS = new Set([
  ...VALUE_VALIDATIONS, 'type', 'description', 'default', 'nullable', 'properties', 'additionalProperties', 'items',
  'example', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource',
]);

const child = (path: string, key: string) => `${path}.${key}`;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The structural schema for a zod schema, as a user writes it (`io: 'input'`): fields with
 * defaults are not required, and the defaults are there for the apiserver to apply.
 */
export function toStructural(schema: z.ZodType): StructuralSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', cycles: 'throw', reused: 'inline', override: rejectRegexFlags });
  return convert(json, '');
}

// zod writes a RegExp's source and loses its flags; a case-insensitive pattern would quietly
// become a case-sensitive one in the CRD.
function rejectRegexFlags(ctx: { zodSchema: unknown; path: (string | number)[] }): void {
  const def = (ctx.zodSchema as { _zod?: { def?: { checks?: { _zod: { def: { pattern?: unknown } } }[] } } })._zod?.def;
  for (const check of def?.checks ?? []) {
    const pattern = check._zod.def.pattern;
    if (pattern instanceof RegExp && /[imsvy]/.test(pattern.flags)) {
      throw new SchemaError(ctx.path.join('.'), `regex /${pattern.source}/${pattern.flags}: flags are lost in JSON Schema; write the pattern without them`);
    }
  }
}

function convert(input: Json, path: string): StructuralSchema {
  const node: Json = { ...input };
  for (const key of ['$schema', '$id', 'id', 'title']) delete node[key];
  if ('$ref' in node || '$defs' in node) throw new SchemaError(path, '$ref is not allowed in a CRD; inline the schema (no recursion, no registry ids)');
  if ('examples' in node) {
    const [first] = node.examples as unknown[];
    if (first !== undefined) node.example = first;
    delete node.examples;
  }

  for (const junctor of ['anyOf', 'oneOf'] as const) {
    if (node[junctor] !== undefined) {
      const merged = union(node[junctor] as Json[], path);
      delete node[junctor];
      Object.assign(node, { ...merged, ...node });
    }
  }
  typeArray(node, path);
  if ('const' in node) {
    node.enum = [node.const];
    delete node.const;
  }
  bounds(node);
  propertyNames(node, path);

  if (node.properties !== undefined) {
    const props = node.properties as Record<string, Json>;
    node.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, convert(v, child(path, k))]));
    if (Array.isArray(node.required) && node.required.length === 0) delete node.required;
  }
  additionalProperties(node, path);
  if ('prefixItems' in node) throw new SchemaError(path, 'tuples cannot be structural; use an object');
  if (node.items !== undefined) {
    if (!isObject(node.items)) throw new SchemaError(path, 'items must be one schema');
    node.items = convert(node.items, `${path}[]`);
  }
  if (node.allOf !== undefined) node.allOf = (node.allOf as Json[]).map((b, i) => valueOnly(b, `${path}.allOf[${i}]`));
  if (node.not !== undefined) node.not = valueOnly(node.not as Json, `${path}.not`);

  if (typeof node.format === 'string') {
    if (!FORMATS.has(node.format)) throw new SchemaError(path, `format ${node.format} is not one the apiserver validates; use a pattern or a CEL rule`);
    delete node.pattern;
  }
  if (typeof node.pattern === 'string') {
    const problem = re2Problem(node.pattern);
    if (problem) throw new SchemaError(path, `pattern ${node.pattern}: ${problem}`);
  }
  if (Array.isArray(node['x-kubernetes-validations'])) node['x-kubernetes-validations'] = (node['x-kubernetes-validations'] as Json[]).map(sortKeys);
  // A schema that says nothing (z.unknown()) keeps whatever it is given.
  if (node.type === undefined && node['x-kubernetes-int-or-string'] === undefined) node['x-kubernetes-preserve-unknown-fields'] = true;

  for (const key of Object.keys(node)) {
    if (!KEYWORDS.has(key)) throw new SchemaError(path, `${key} is not supported in a CRD schema`);
  }
  return sortKeys(node);
}

function typeArray(node: Json, path: string): void {
  if (!Array.isArray(node.type)) return;
  const types = (node.type as string[]).filter((t) => t !== 'null');
  if (types.length < node.type.length) node.nullable = true;
  if (types.length !== 1) throw new SchemaError(path, `a value of several types (${types.join(', ')}) cannot be structural`);
  node.type = types[0];
}

/** zod's unions: `T | null` becomes nullable, unions of literals one enum; nothing else is structural. */
function union(branches: Json[], path: string): Json {
  const nonNull = branches.filter((b) => b.type !== 'null');
  const nullable = nonNull.length < branches.length;
  if (nonNull.length === 1) return { ...nonNull[0], ...(nullable ? { nullable: true } : {}) };
  const type = nonNull[0]?.type;
  const literals = nonNull.every((b) => b.type === type && (Array.isArray(b.enum) || 'const' in b) && Object.keys(b).every((k) => ['type', 'enum', 'const', 'description'].includes(k)));
  if (typeof type === 'string' && literals) {
    return { type, enum: nonNull.flatMap((b) => (Array.isArray(b.enum) ? (b.enum as unknown[]) : [b.const])), ...(nullable ? { nullable: true } : {}) };
  }
  throw new SchemaError(path, 'a union of shapes cannot be structural; use one object with optional fields and CEL rules between them');
}

// Draft 2020-12 writes exclusive bounds as numbers; OpenAPI v3 as a flag on minimum/maximum.
// zod's int() bounds (±2^53-1) say nothing a Kubernetes integer does not already say.
function bounds(node: Json): void {
  for (const [exclusive, inclusive, stricter] of [
    ['exclusiveMinimum', 'minimum', Math.max],
    ['exclusiveMaximum', 'maximum', Math.min],
  ] as const) {
    const ex = node[exclusive];
    if (typeof ex !== 'number') continue;
    const inc = node[inclusive];
    if (typeof inc === 'number' && stricter(inc, ex) === inc && inc !== ex) {
      delete node[exclusive];
    } else {
      node[inclusive] = ex;
      node[exclusive] = true;
    }
  }
  if (node.type === 'integer') {
    if (node.minimum === -Number.MAX_SAFE_INTEGER) delete node.minimum;
    if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  }
}

/** Key constraints of a z.record become CEL rules over the map's keys (cheap ones only). */
function propertyNames(node: Json, path: string): void {
  if (node.propertyNames === undefined) return;
  const names = node.propertyNames as Json;
  delete node.propertyNames;
  const rules: CelRule[] = [];
  for (const [key, value] of Object.entries(names)) {
    if (key === 'type' && value === 'string') continue;
    if (key === 'minLength' && typeof value === 'number') {
      if (value === 1) rules.push({ rule: 'self.all(k, size(k) > 0)', message: 'keys must not be empty' });
      else if (value > 1) rules.push({ rule: `self.all(k, size(k) >= ${value})`, message: `keys must be at least ${value} characters long` });
      continue;
    }
    if (key === 'maxLength' && typeof value === 'number') {
      rules.push({ rule: `self.all(k, size(k) <= ${value})`, message: `keys must be at most ${value} characters long` });
      continue;
    }
    if (key === 'enum' && Array.isArray(value)) {
      const list = value.map((v) => JSON.stringify(v)).join(', ');
      rules.push({ rule: `self.all(k, k in [${list}])`, message: `keys must be one of ${value.join(', ')}` });
      continue;
    }
    // A regex over keys of unknown length is costly for the estimator; write the rule by hand.
    throw new SchemaError(path, `map keys constrained by ${key} cannot be carried over; express it as a CEL rule`);
  }
  if (rules.length) node['x-kubernetes-validations'] = [...rules, ...((node['x-kubernetes-validations'] as CelRule[] | undefined) ?? [])];
}

function additionalProperties(node: Json, path: string): void {
  const extra = node.additionalProperties;
  if (extra === undefined) return;
  delete node.additionalProperties;
  // Unknown fields are pruned anyway: false (z.strictObject) says nothing the apiserver does not do.
  if (extra === false) return;
  if (!isObject(extra)) throw new SchemaError(path, 'additionalProperties must be a schema');
  const free = Object.keys(extra).length === 0;
  if (node.properties !== undefined) {
    // z.looseObject: known fields typed, the rest kept as they come.
    if (!free) throw new SchemaError(path, 'properties beside a typed additionalProperties (catchall) cannot be structural');
    node['x-kubernetes-preserve-unknown-fields'] = true;
    return;
  }
  if (free) {
    node['x-kubernetes-preserve-unknown-fields'] = true;
    return;
  }
  node.additionalProperties = convert(extra, `${path}.*`);
}

function valueOnly(branch: Json, path: string): StructuralSchema {
  for (const key of Object.keys(branch)) {
    if (!VALUE_VALIDATIONS.has(key)) throw new SchemaError(path, `${key} inside allOf/anyOf/oneOf/not cannot be structural`);
  }
  if (typeof branch.pattern === 'string') {
    const problem = re2Problem(branch.pattern);
    if (problem) throw new SchemaError(path, `pattern ${branch.pattern}: ${problem}`);
  }
  return sortKeys({ ...branch });
}

/** Keywords in alphabetical order (as kubectl and controller-gen print them); properties keep theirs. */
function sortKeys(node: Json): Json {
  return Object.fromEntries(Object.keys(node).sort().map((k) => [k, node[k]]));
}

/**
 * Why a JavaScript pattern would not compile (or would mean something else) in Go's RE2, which
 * the apiserver uses for `pattern`: lookarounds, backreferences, \u escapes, big repeat counts.
 * Undefined when it is fine.
 */
export function re2Problem(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const problem = escapeProblem(pattern, i);
      if (problem) return problem;
      i++;
    } else if (c === '[') {
      if (pattern[i + 1] === ']' || pattern.startsWith('[^]', i)) return 'an empty character class ([] or [^]) means something else in RE2';
      // Skip the class; a ']' right after '[' or '[^' is a literal in both dialects.
      let j = i + (pattern[i + 1] === '^' ? 2 : 1) + 1;
      for (; j < pattern.length && pattern[j] !== ']'; j++) {
        if (pattern[j] === '\\') {
          const problem = escapeProblem(pattern, j);
          if (problem) return problem;
          j++;
        }
      }
      if (j >= pattern.length) return 'an unterminated character class';
      i = j;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('=') || rest.startsWith('!')) return 'a lookahead ((?=…) or (?!…)): RE2 has none; write the negative case as a CEL rule';
      if (rest.startsWith('<=') || rest.startsWith('<!')) return 'a lookbehind ((?<=…) or (?<!…)): RE2 has none; write it as a CEL rule';
      if (!/^(:|P?<[A-Za-z_][A-Za-z0-9_]*>|[imsU]*(-[imsU]+)?[:)])/.test(rest)) return `an unsupported group (?${rest.slice(0, 2)}…`;
    } else if (c === '{') {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i));
      if (m && (Number(m[1]) > 1000 || Number(m[2] ?? 0) > 1000)) return 'a repeat count above 1000, which RE2 refuses';
    }
  }
  return undefined;
}

function escapeProblem(pattern: string, at: number): string | undefined {
  const next = pattern[at + 1];
  if (next === undefined) return 'a trailing backslash';
  if (/[1-9]/.test(next)) return `a backreference \\${next}: RE2 has none`;
  if (next === 'k') return 'a named backreference \\k<…>: RE2 has none';
  if (next === 'u') return 'a \\u escape: RE2 writes \\x{…}';
  if (next === 'c') return 'a control escape \\c: RE2 has none';
  return undefined;
}

const RULES_READ_OLD_SELF = /\boldSelf\b/;

/**
 * What the apiserver would refuse in a structural schema, or its CEL cost estimator could reject:
 * one line per problem, naming the field. Empty when the schema is fine.
 */
export function structuralProblems(schema: StructuralSchema, path = ''): string[] {
  const problems: string[] = [];
  walk(schema, path, { correlatable: true, underRule: [] }, problems);
  return problems;
}

interface WalkState {
  /** oldSelf is only defined where old and new values can be paired up (not in atomic lists). */
  correlatable: boolean;
  /**
   * What CEL rules above read here: everything below (true), or only these paths (field names,
   * relative to this node). Whatever a rule reads needs a bound on every string, list and map in
   * it, or the cost estimate is unbounded.
   */
  underRule: Reach;
}

type Reach = true | string[][];

const SELF = /\bself\b((?:\.[A-Za-z_][A-Za-z0-9_]*)*)(\s*\()?/g;

/**
 * The fields a node's rules read: paths like spec.externalName when every `self` is followed by
 * field names (a trailing name followed by `(` is a method), else all of it (`size(self)`,
 * `self.all(…)`, `self == oldSelf`).
 */
function reachOf(rules: readonly CelRule[]): Reach {
  const paths: string[][] = [];
  for (const { rule } of rules) {
    for (const m of rule.matchAll(SELF)) {
      const names = (m[1] ?? '').split('.').filter(Boolean);
      if (m[2] !== undefined) names.pop();
      if (!names.length) return true;
      paths.push(names);
    }
  }
  return paths;
}

const merge = (a: string[][], b: Reach): Reach => (b === true ? true : [...a, ...b]);

/** What the rules above and here read of the child `key` (undefined: a map's values, a list's items). */
function reachBelow(reach: Reach, key: string | undefined): Reach {
  if (reach === true) return true;
  if (key === undefined) return [];
  const below = reach.filter((p) => p[0] === key).map((p) => p.slice(1));
  return below.some((p) => p.length === 0) ? true : below;
}

function walk(node: StructuralSchema, path: string, state: WalkState, problems: string[]): void {
  const at = (msg: string) => problems.push(`${path || '<root>'}: ${msg}`);
  const raw = node as Json;
  for (const key of Object.keys(raw)) if (!KEYWORDS.has(key)) at(`${key} is not allowed`);
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  if (node.type === undefined && !preserve) at('has no type');
  if (node.type !== undefined && !TYPES.has(node.type)) at(`type ${String(node.type)} is not allowed`);
  if (node.properties && node.additionalProperties) at('has both properties and additionalProperties');
  if (raw.uniqueItems === true) at('uniqueItems cannot be true');
  for (const key of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'boolean') at(`${key} must be a boolean`);
  }
  if (node.pattern !== undefined) {
    const problem = re2Problem(node.pattern);
    if (problem) at(`pattern ${node.pattern}: ${problem}`);
  }
  for (const junctor of ['allOf', 'anyOf', 'oneOf'] as const) {
    (node[junctor] ?? []).forEach((b, i) => junctorProblems(b, `${path}.${junctor}[${i}]`, problems));
  }
  if (node.not) junctorProblems(node.not, `${path}.not`, problems);

  const rules = node['x-kubernetes-validations'] ?? [];
  rules.forEach((r, i) => {
    if (!r.rule.trim()) at(`rule ${i} is empty`);
    if (/[\n\r]/.test(r.message)) at(`rule ${i}: the message has a line break`);
    if (RULES_READ_OLD_SELF.test(r.rule) && !state.correlatable) at(`rule ${i} reads oldSelf inside a list that is not x-kubernetes-list-type map`);
  });
  const reach: Reach = state.underRule === true ? true : rules.length ? merge(state.underRule, reachOf(rules)) : state.underRule;
  if (reach === true) {
    if (node.type === 'string' && node.maxLength === undefined && node.enum === undefined) at('a string under a CEL rule needs maxLength');
    if (node.type === 'array' && node.maxItems === undefined) at('a list under a CEL rule needs maxItems');
    if (node.type === 'object' && node.additionalProperties && node.maxProperties === undefined) at('a map under a CEL rule needs maxProperties');
  }

  if (node['x-kubernetes-list-type'] === 'map') listMapProblems(node, at);
  for (const [key, value] of Object.entries(node.properties ?? {})) walk(value, child(path, key), { ...state, underRule: reachBelow(reach, key) }, problems);
  if (node.additionalProperties) {
    walk(node.additionalProperties, `${path}.*`, { correlatable: state.correlatable && node['x-kubernetes-map-type'] !== 'atomic', underRule: reachBelow(reach, undefined) }, problems);
  }
  if (node.items) {
    walk(node.items, `${path}[]`, { correlatable: state.correlatable && node['x-kubernetes-list-type'] === 'map', underRule: reachBelow(reach, undefined) }, problems);
  }
}

function junctorProblems(branch: StructuralSchema, path: string, problems: string[]): void {
  for (const key of Object.keys(branch)) {
    if (!VALUE_VALIDATIONS.has(key)) problems.push(`${path}: ${key} is not allowed inside allOf/anyOf/oneOf/not`);
  }
  if (branch.pattern !== undefined) {
    const problem = re2Problem(branch.pattern);
    if (problem) problems.push(`${path}: pattern ${branch.pattern}: ${problem}`);
  }
}

function listMapProblems(node: StructuralSchema, at: (msg: string) => void): void {
  const keys = node['x-kubernetes-list-map-keys'] ?? [];
  if (!keys.length) at('x-kubernetes-list-type map needs x-kubernetes-list-map-keys');
  const item = node.items;
  if (item?.type !== 'object') return at('x-kubernetes-list-type map needs object items');
  for (const key of keys) {
    const prop = item.properties?.[key];
    if (!prop) at(`list map key ${key} is not a property of the items`);
    else if (prop.type === 'object' || prop.type === 'array') at(`list map key ${key} must be a scalar`);
    else if (!item.required?.includes(key) && prop.default === undefined) at(`list map key ${key} must be required or have a default`);
  }
}
