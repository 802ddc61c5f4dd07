// Resolving a spec's references (`<field>From`, src/api/references.ts) into the literal values the
// adapter is given. Every reference is read in the object's own namespace: the schema has no
// namespace field, and nothing here takes one from the spec. A Secret's value is marked secret so
// plans, diffs and messages show it redacted (never learnt by the scrubber: tenants write those).
import { REFERABLE_FIELDS, referableValue, type ReferableKind, type ValueFrom } from '../api/references.ts';
import { CONNECTION_SECRET_TYPE } from './connection.ts';
import type { ManagedObject } from './types.ts';

/** What a reference points at, in the referring object's namespace. */
export interface ReferenceTarget {
  kind: ReferableKind | 'ConfigMap' | 'Secret';
  name: string;
}

/** Where the values of references come from: the operator's caches; fakes in unit tests. */
export interface ReferenceSource {
  /** A mooring object of this kind, namespace and name, as last cached; undefined when there is none. */
  managed(kind: ReferableKind, namespace: string, name: string): ManagedObject | undefined;
  /**
   * One key of a ConfigMap or Secret: its value, why there is none (yet), or why it may not be read
   * (a Secret that did not opt in: referencedSecretKey). Only the key is used.
   */
  key(kind: 'ConfigMap' | 'Secret', namespace: string, name: string, key: string): Promise<KeyRead>;
  /** The objects on a reference cycle through this one (`Kind/name`, first = this), if any. */
  cycle?(kind: string, namespace: string, name: string): string[] | undefined;
  /** The objects of this namespace referencing this one (`Kind/name`), those being deleted left out. */
  dependantsOf?(kind: string, namespace: string, name: string): string[];
}

/**
 * The most one value read from a ConfigMap or Secret key may hold: the kinds' own rules (checked after
 * resolution) bound each field further; this keeps a tenant's megabyte out of plans and memory first.
 */
export const MAX_REFERENCED_VALUE_BYTES = 4096;

/** Why a key's value is refused; names the size, never the value. */
export const tooLarge = (kind: 'ConfigMap' | 'Secret', name: string, key: string, bytes: number) =>
  `${kind}/${name} key ${key} holds ${bytes} bytes, more than a referenced value may (${MAX_REFERENCED_VALUE_BYTES})`;

/** What reading one key gives: its value, why there is none yet, or why it may not be read. */
export type KeyRead = { value: string } | { missing: string } | { refused: string };

/**
 * On a Secret, `"true"`: references of its namespace may read it. Set by whoever may write the
 * Secret; the operator reads Secrets with its own service account, so without this opt-in anyone
 * who may write a mooring object could have any Secret of the namespace published (a confused
 * deputy: docs/references.md).
 */
export const REFERENCEABLE = 'mooring.dev/referenceable';

/** A Secret as the apiserver returns it: only these fields are looked at; `data` is base64. */
export interface RawSecret {
  type?: string;
  metadata?: { labels?: Record<string, string> };
  data?: Record<string, string>;
}

/**
 * One key of a Secret a reference names, from the Secret as read: only when the Secret opts in
 * (REFERENCEABLE), and never a connection Secret mooring wrote (its password belongs in no DNS
 * record; its other details are status fields a resourceFieldRef reads). A refused Secret's data is
 * never decoded, and the refusal names the Secret and the label, never a value.
 */
export function referencedSecretKey(secret: RawSecret | undefined, name: string, key: string): KeyRead {
  if (!secret) return { missing: `Secret/${name} does not exist in this namespace` };
  if (secret.type === CONNECTION_SECRET_TYPE) {
    return { refused: `Secret/${name} is a mooring connection Secret, which references never read; reference the owner's status instead (resourceFieldRef)` };
  }
  if (secret.metadata?.labels?.[REFERENCEABLE] !== 'true') {
    return { refused: `Secret/${name} is not labelled ${REFERENCEABLE}: "true"; its owner must label it before references may read it` };
  }
  const encoded = secret.data?.[key];
  return encoded === undefined ? { missing: `Secret/${name} has no key ${key}` } : { value: Buffer.from(encoded, 'base64').toString('utf8') };
}

/** `"true"` on a referenced object: delete it even while others reference it (docs/references.md). */
export const DELETE_WHILE_REFERENCED = 'mooring.dev/delete-while-referenced';

/** One `<field>From` in a spec, at its dotted path; `many`: a list of sources for a list field. */
interface Declared {
  /** The dotted path of the `<field>From`: `valuesFrom`, `alias.dnsNameFrom`. */
  path: string;
  sources: ValueFrom[];
  many: boolean;
}

/** One value resolved: where from, for plans and `mooring plan`; `secret` values are never shown. */
export interface ResolvedValue {
  path: string;
  from: string;
  value: string;
  secret: boolean;
}

export type Resolution =
  | { ok: true; spec: Record<string, unknown>; values: ResolvedValue[]; secretPaths: string[] }
  | { ok: false; waiting: string[]; refused: string[] };

const at = (spec: Record<string, unknown>, path: string[]): Record<string, unknown> | undefined => {
  let node: unknown = spec;
  for (const key of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
};

function declared(spec: Record<string, unknown>, paths: readonly string[]): Declared[] {
  return paths.flatMap((path) => {
    const parts = path.split('.');
    const holder = at(spec, parts.slice(0, -1));
    const value = holder?.[parts.at(-1) ?? ''];
    if (value === undefined || value === null) return [];
    return [{ path, sources: (Array.isArray(value) ? value : [value]) as ValueFrom[], many: Array.isArray(value) }];
  });
}

/** What a source names, for the index from referenced to referencing objects. */
export function targetOf(source: ValueFrom): ReferenceTarget | undefined {
  if (source.resourceFieldRef) return { kind: source.resourceFieldRef.kind, name: source.resourceFieldRef.name };
  if (source.configMapKeyRef) return { kind: 'ConfigMap', name: source.configMapKeyRef.name };
  if (source.secretKeyRef) return { kind: 'Secret', name: source.secretKeyRef.name };
  return undefined;
}

/** One reference of a spec: where it sits, what it names, and which field or key it reads (never a value). */
export interface ReferenceEdge {
  path: string;
  target: ReferenceTarget;
  reads: string;
}

/** Every reference of a spec (unparsed specs too: read leniently, for the index and the graph). */
export function referencesIn(spec: Record<string, unknown> | undefined, paths: readonly string[]): ReferenceEdge[] {
  if (!spec) return [];
  return declared(spec, paths).flatMap((d) =>
    d.sources.flatMap((s, i) => {
      const target = s && typeof s === 'object' ? targetOf(s) : undefined;
      if (!target) return [];
      const reads = s.resourceFieldRef?.field ?? s.configMapKeyRef?.key ?? s.secretKeyRef?.key ?? '';
      return [{ path: d.many ? `${d.path}[${i}]` : d.path, target, reads }];
    }),
  );
}

/** Every object a spec's references name. */
export function targetsOf(spec: Record<string, unknown> | undefined, paths: readonly string[]): ReferenceTarget[] {
  return referencesIn(spec, paths).map((e) => e.target);
}

/** `Database/orders.address`, `ConfigMap/net[sg]`: a source as messages name it. */
export function describeSource(source: ValueFrom): string {
  if (source.resourceFieldRef) return `${source.resourceFieldRef.kind}/${source.resourceFieldRef.name} ${source.resourceFieldRef.field}`;
  if (source.configMapKeyRef) return `ConfigMap/${source.configMapKeyRef.name} key ${source.configMapKeyRef.key}`;
  return `Secret/${source.secretKeyRef?.name ?? '?'} key ${source.secretKeyRef?.key ?? '?'}`;
}

async function readOne(source: ValueFrom, namespace: string, from: ReferenceSource): Promise<KeyRead> {
  const ref = source.resourceFieldRef;
  if (ref) {
    const object = from.managed(ref.kind, namespace, ref.name);
    if (!object) return { missing: `${ref.kind}/${ref.name} does not exist in this namespace` };
    const value = referableValue(ref.kind, ref.field, object.status?.atProvider);
    const fields: Record<string, { what: string }> = REFERABLE_FIELDS[ref.kind];
    return value === undefined ? { missing: `${ref.kind}/${ref.name} has no ${ref.field} yet (${fields[ref.field]?.what ?? ref.field})` } : { value };
  }
  const keyRef = source.configMapKeyRef ?? source.secretKeyRef;
  if (!keyRef) return { missing: 'an empty reference' };
  const kind = source.configMapKeyRef ? 'ConfigMap' : 'Secret';
  const got = await from.key(kind, namespace, keyRef.name, keyRef.key);
  const bytes = 'value' in got ? Buffer.byteLength(got.value) : 0;
  return bytes > MAX_REFERENCED_VALUE_BYTES ? { missing: tooLarge(kind, keyRef.name, keyRef.key, bytes) } : got;
}

/**
 * The spec with every `<field>From` replaced by `<field>` holding the values read, or what it waits
 * for. The input is not changed.
 */
export async function resolveReferences(spec: Record<string, unknown>, paths: readonly string[], namespace: string, from: ReferenceSource): Promise<Resolution> {
  const out = structuredClone(spec);
  const values: ResolvedValue[] = [];
  const waiting: string[] = [];
  const refused: string[] = [];
  const secretPaths = new Set<string>();
  for (const d of declared(spec, paths)) {
    const target = d.path.replace(/From$/, '');
    const read: (string | undefined)[] = [];
    for (const [i, source] of d.sources.entries()) {
      const got = await readOne(source, namespace, from);
      const path = d.many ? `${d.path}[${i}]` : d.path;
      if ('missing' in got) waiting.push(`${path} (${describeSource(source)}): ${got.missing}`);
      else if ('refused' in got) refused.push(`${path} (${describeSource(source)}): ${got.refused}`);
      else values.push({ path, from: describeSource(source), value: got.value, secret: Boolean(source.secretKeyRef) });
      if (source.secretKeyRef) secretPaths.add(target);
      read.push('value' in got ? got.value : undefined);
    }
    const parts = target.split('.');
    const holder = at(out, parts.slice(0, -1));
    if (!holder) continue;
    delete holder[`${parts.at(-1)}From`];
    holder[parts.at(-1) ?? ''] = d.many ? read : read[0];
  }
  if (waiting.length || refused.length) return { ok: false, waiting, refused };
  return { ok: true, spec: out, values, secretPaths: [...secretPaths] };
}

/** Whether a dotted path (a diff's, a plan's) lies in or over one holding a Secret's value. */
export function isSecretPath(path: string, secretPaths: readonly string[]): boolean {
  return secretPaths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`) || p.startsWith(`${path}.`));
}
