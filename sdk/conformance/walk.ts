// The case "every mutable field reaches the cloud": each leaf of the kind's spec schema that the
// apiserver lets change is changed on a created resource, one at a time, and must (1) make observe
// report a difference naming it (else the reconciler never calls update), (2) converge after
// update, and (3) show in the oracle's reading of the backend. A field the apiserver refuses to
// change (`self == oldSelf`) needs nothing; every other field the kit cannot check is declared by
// the target with a reason, so no field is silently left out.
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { managedSpecFields } from '../../src/api/common.ts';
import { formatIssues } from '../../src/api/issues.ts';
import type { ManagedResource } from '../contract.ts';
import { isAdapterError } from '../errors.ts';
import { SCHEMAS } from '../specs.ts';
import { RuleBroken, describeError, observeUntil, settle, thrown, type CaseContext, type Client } from './drive.ts';
import { candidates, changed, diffPath, getAt, leavesOf, pathName, presentIn, type Leaf } from './fields.ts';
import type { FieldWalk } from './target.ts';

const RULE = 'every mutable field reaches the cloud';

/** Fields every kind shares: the reconciler reads them, no adapter sends them anywhere. */
const RECONCILER_FIELDS: Record<string, string> = Object.fromEntries(
  Object.keys(managedSpecFields).map((k) => [k, "the reconciler's own (which ProviderConfig, what to do on delete, what to manage, which Secret): never sent to the backend"]),
);

/** Whether `name` is the declared path or below it. */
const under = (name: string, declared: string) => name === declared || name.startsWith(`${declared}.`) || name.startsWith(`${declared}[]`);
const declaredFor = (name: string, map: Record<string, string> | undefined) => Object.keys(map ?? {}).find((d) => under(name, d));

/** The diff names the path, a field above it, or one below it. */
const names = (diff: readonly { path: string }[] | undefined, path: string) =>
  (diff ?? []).some((d) => d.path === path || d.path.startsWith(`${path}.`) || path.startsWith(`${d.path}.`));

interface Walker<Spec> {
  ctx: CaseContext<Spec>;
  walk: FieldWalk<Spec>;
  schema: z.ZodType;
  problems: string[];
  /** Fields changed and seen, in order: the case's report. */
  walked: string[];
}

/** Returns what was walked, immutable, declared: shown beside the passed case. */
export async function everyFieldReachesTheCloud<Spec>(ctx: CaseContext<Spec>): Promise<string> {
  const walk = ctx.target.fields!;
  const schema = walk.schema ?? SCHEMAS[ctx.resource.kind as keyof typeof SCHEMAS];
  if (!schema) throw new RuleBroken(RULE, `no schema for kind ${ctx.resource.kind}: give fields.schema`);
  const w: Walker<Spec> = { ctx, walk, schema, problems: [], walked: [] };
  const leaves = leavesOf(schema);
  checkDeclarations(w, leaves);
  const notSettings = { ...RECONCILER_FIELDS, ...walk.notSettings };
  // References (`<field>From`) are resolved by the reconciler into their field before any adapter sees the spec.
  const isReference = (l: Leaf) => pathName(l.path).split('.').some((part) => /From(\[\])?$/.test(part));
  const open = leaves.filter((l) => !l.immutable && !isReference(l) && !declaredFor(pathName(l.path), notSettings) && !declaredFor(pathName(l.path), walk.refused));
  const refused = leaves.filter((l) => !l.immutable && declaredFor(pathName(l.path), walk.refused));

  const variants: [string, (spec: Spec) => Spec][] = [['the target\'s resource', (s) => s], ...Object.entries(walk.variants ?? {})];
  let pending = open;
  for (const [i, [label, make]] of variants.entries()) {
    if (!pending.length) break;
    pending = await walkVariant(w, i, label, make, pending);
  }
  for (const leaf of pending) {
    w.problems.push(`${pathName(leaf.path)}: no valid different value in any variant (give fields.values['${pathName(leaf.path)}'], a variant that sets what it needs at create, or declare it with the reason)`);
  }
  for (const leaf of uniqueDeclared(refused, walk.refused!)) await checkRefused(w, leaf, variants);
  if (w.problems.length) throw new RuleBroken(RULE, w.problems.join('; '));
  const immutable = leaves.filter((l) => l.immutable).map((l) => pathName(l.path));
  const declared = [...Object.keys(walk.notSettings ?? {}), ...Object.keys(walk.unseen ?? {}).map((k) => `${k} (unseen)`), ...Object.keys(walk.refused ?? {}).map((k) => `${k} (refused)`)];
  return `changed and seen: ${w.walked.join(', ')}; immutable: ${immutable.join(', ') || 'none'}; declared: ${declared.join(', ') || 'none'}`;
}

/** A declaration must name a field of the schema that may change: a stale one would hide nothing, or hide too much. */
function checkDeclarations<Spec>(w: Walker<Spec>, leaves: Leaf[]): void {
  const { walk } = w;
  for (const [kind, map] of [['notSettings', walk.notSettings], ['unseen', walk.unseen], ['refused', walk.refused], ['values', walk.values]] as const) {
    for (const [declared, reason] of Object.entries(map ?? {})) {
      const matching = leaves.filter((l) => under(pathName(l.path), declared));
      if (!matching.length) w.problems.push(`fields.${kind}['${declared}'] names no field of the schema`);
      else if (kind !== 'values' && matching.every((l) => l.immutable)) w.problems.push(`fields.${kind}['${declared}'] is immutable already (the apiserver refuses a change): declare nothing`);
      if (kind !== 'values' && (typeof reason !== 'string' || reason.trim() === '')) w.problems.push(`fields.${kind}['${declared}'] needs a written reason`);
    }
  }
}

/** One leaf per refused declaration: the refusal of the block is what is checked. */
function uniqueDeclared(leaves: Leaf[], refused: Record<string, string>): Leaf[] {
  const seen = new Set<string>();
  return leaves.filter((l) => {
    const d = declaredFor(pathName(l.path), refused)!;
    if (seen.has(d)) return false;
    seen.add(d);
    return true;
  });
}

function tries<Spec>(w: Walker<Spec>, leaf: Leaf, spec: Spec): unknown[] {
  return [...(w.walk.values?.[pathName(leaf.path)] ?? []), ...candidates(leaf.node, getAt(spec, leaf.path))];
}

/** Creates the variant's resource, walks every pending leaf it can reach; returns the leaves it could not. */
async function walkVariant<Spec>(w: Walker<Spec>, index: number, label: string, make: (spec: Spec) => Spec, pending: Leaf[]): Promise<Leaf[]> {
  const { ctx } = w;
  const base = index === 0 ? ctx.resource : { ...ctx.target.resource(`${ctx.resource.name}-v${index}`) };
  const parsed = w.schema.safeParse(make(structuredClone(base.spec)));
  if (!parsed.success) {
    w.problems.push(`fields.variants['${label}'] makes an invalid spec: ${formatIssues(parsed.error.issues, 'spec')}`);
    return pending;
  }
  let resource: ManagedResource<Spec> = { ...base, spec: parsed.data as Spec };
  const left: Leaf[] = [];
  const client = await ctx.connect();
  try {
    await client.create(resource);
    const made = await settle(client, resource, ctx.timeoutMs);
    if (!made.exists || !made.upToDate) {
      w.problems.push(`${label}: after create, observe reports ${made.exists ? `a diff ${JSON.stringify(made.diff)}` : 'nothing there'}`);
      return pending;
    }
    for (const leaf of pending) {
      try {
        const next = await walkLeaf(w, client, resource, leaf);
        if (next === undefined) left.push(leaf);
        else resource = next;
      } catch (err) {
        w.problems.push(`${pathName(leaf.path)}: ${describeError(err)}`);
      }
    }
    return left;
  } catch (err) {
    w.problems.push(`${label}: ${describeError(err)}`);
    return pending;
  } finally {
    if (index > 0) await ctx.target.oracle.cleanup(resource).catch(() => undefined);
  }
}

/**
 * Changes one leaf; the resource as it now is, or undefined when this spec cannot reach the leaf.
 * A leaf that is unset is set first (a seed: its value may be what the backend had anyway, so
 * only convergence is asked of it); then changed from that value, which must be seen.
 */
async function walkLeaf<Spec>(w: Walker<Spec>, client: Client<Spec>, start: ManagedResource<Spec>, leaf: Leaf): Promise<ManagedResource<Spec> | undefined> {
  if (!presentIn(start.spec, leaf.presenceFixed)) return undefined;
  let resource = start;
  if (getAt(resource.spec, leaf.path) === undefined) {
    const seed = seeded(w, resource.spec, leaf);
    if (seed === undefined) return undefined;
    resource = bump(resource, seed);
    const problem = await converge(w, client, resource, leaf);
    if (problem) {
      w.problems.push(problem);
      return resource;
    }
  }
  const next = changed(w.schema, resource.spec, leaf.path, tries(w, leaf, resource.spec));
  if (next === undefined) {
    if (resource === start) return undefined;
    w.problems.push(`${pathName(leaf.path)}: set to ${JSON.stringify(getAt(resource.spec, leaf.path))}, then no valid different value (give fields.values['${pathName(leaf.path)}'])`);
    return resource;
  }
  const changedResource = bump(resource, next);
  w.walked.push(pathName(leaf.path));
  const problem = await seen(w, client, changedResource, leaf);
  if (problem) w.problems.push(problem);
  return changedResource;
}

/** The spec with the leaf set, filling an unset parent from fields.values when one is declared. */
function seeded<Spec>(w: Walker<Spec>, spec: Spec, leaf: Leaf): Spec | undefined {
  for (let n = 1; n < leaf.path.length; n++) {
    const parent = leaf.path.slice(0, n);
    const given = w.walk.values?.[pathName(parent)];
    if (getAt(spec, parent) === undefined && given) return changed(w.schema, spec, parent, given);
  }
  return changed(w.schema, spec, leaf.path, tries(w, leaf, spec));
}

const bump = <Spec>(r: ManagedResource<Spec>, spec: Spec): ManagedResource<Spec> => ({ ...r, spec, generation: r.generation + 1 });

/** Observe; update what differs; settle: the spec must be converged, whatever the backend had. */
async function converge<Spec>(w: Walker<Spec>, client: Client<Spec>, resource: ManagedResource<Spec>, leaf: Leaf): Promise<string | undefined> {
  const name = pathName(leaf.path);
  const observation = await settle(client, resource, w.ctx.timeoutMs);
  if (!observation.upToDate) await client.update(resource, observation);
  const after = await settle(client, resource, w.ctx.timeoutMs);
  return after.upToDate ? undefined : `${name}: set to ${JSON.stringify(getAt(resource.spec, leaf.path))}, update did not converge: diff still ${JSON.stringify(after.diff)}`;
}

/** A change the adapter must notice, apply, and the oracle see. */
async function seen<Spec>(w: Walker<Spec>, client: Client<Spec>, resource: ManagedResource<Spec>, leaf: Leaf): Promise<string | undefined> {
  const { ctx } = w;
  const name = pathName(leaf.path);
  const value = JSON.stringify(getAt(resource.spec, leaf.path));
  const [before] = await ctx.target.oracle.read(resource);
  const observation = await observeUntil(client, resource, (o) => !o.upToDate, ctx.timeoutMs);
  if (observation.upToDate) return `${name}: changed to ${value}, observe still reports up to date (the adapter ignores the field: diff and update it, or make it immutable)`;
  if (!names(observation.diff, diffPath(leaf.path))) return `${name}: changed to ${value}, the diff does not name it: ${JSON.stringify(observation.diff)}`;
  const err = await thrown(() => client.update(resource, observation));
  if (err) return `${name}: changed to ${value}, update threw ${describeError(err)}`;
  const after = await settle(client, resource, ctx.timeoutMs);
  if (!after.upToDate) return `${name}: changed to ${value}, update did not converge: diff still ${JSON.stringify(after.diff)}`;
  if (declaredFor(name, w.walk.unseen)) return undefined;
  const [now] = await ctx.target.oracle.read(resource);
  if (isDeepStrictEqual(before?.state, now?.state)) {
    return `${name}: changed to ${value}, the adapter reports it converged but the oracle sees no change (${JSON.stringify(now?.state)}): the update never reached the backend, or the oracle does not read it (then declare fields.unseen['${name}'] with the reason)`;
  }
  return undefined;
}

/** A field the backend does not support: setting it must be refused with a TerminalError, never ignored. */
async function checkRefused<Spec>(w: Walker<Spec>, leaf: Leaf, variants: [string, (spec: Spec) => Spec][]): Promise<void> {
  const { ctx } = w;
  const name = pathName(leaf.path);
  const fresh = ctx.target.resource(`${ctx.resource.name}-r`);
  const specs = [seeded(w, fresh.spec, leaf), ...variants.slice(1).map(([, make]) => w.schema.safeParse(make(structuredClone(fresh.spec))).data as Spec | undefined)];
  const spec = specs.find((s) => s !== undefined && getAt(s, leaf.path) !== undefined);
  if (spec === undefined) return void w.problems.push(`${name}: declared refused, but no spec sets it (give fields.values or a variant)`);
  const resource = { ...fresh, spec };
  try {
    const client = await ctx.connect();
    const err = await thrown(async () => {
      const observation = await client.observe(resource);
      if (!observation.exists) await client.create(resource);
      else if (!observation.upToDate) await client.update(resource, observation);
      await settle(client, resource, ctx.timeoutMs);
    });
    if (!isAdapterError(err) || err.kind !== 'Terminal') w.problems.push(`${name}: declared refused, but setting it ${err ? `threw ${describeError(err)}` : 'was accepted'} (expected a TerminalError)`);
  } finally {
    await ctx.target.oracle.cleanup(resource).catch(() => undefined);
  }
}
