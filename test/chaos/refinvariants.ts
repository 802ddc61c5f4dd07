// The invariants of references (docs/chaos.md#references), read from outside the operator: the
// apiserver (objects, ConfigMaps, Events) and Route 53 straight at the emulator, judged against the
// model of what each dependant reads (references.ts).
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { referableValue } from '../../src/api/references.ts';
import { EXPORTED_BY, exportedData } from '../../src/reconcile/exports.ts';
import { Reason } from '../../src/reconcile/reasons.ts';
import { FINALIZER, type ManagedObject } from '../../src/reconcile/types.ts';
import { leaked, liveObjects, type Live } from './invariants.ts';
import { recordSets, txtMark } from './oracle.ts';
import { fqdnOf, markOf, type Population, type Slot } from './population.ts';
import { targetOfSpec, type RefTarget } from './references.ts';
import { retrying, type World } from './world.ts';

/**
 * How long a dependant must have read an object before the object's delete for the hold to be
 * required: the operator learns of the dependant through its own watch, which a fault may delay.
 */
export const HOLD_MARGIN_MS = 10_000;

const keyOf = (kind: string, name: string) => `${kind}/${name}`;
const condition = (o: ManagedObject, type: string) => o.status?.conditions?.find((c) => c.type === type);
const hasReason = (o: ManagedObject, reason: string) => (o.status?.conditions ?? []).some((c) => c.status === 'True' && c.reason === reason);
const conditionsText = (o: ManagedObject) => (o.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`).join(', ');

export async function configMaps(w: World): Promise<Map<string, V1ConfigMap>> {
  const list = await retrying(() => w.core.listNamespacedConfigMap({ namespace: w.namespace }));
  return new Map(list.items.map((c) => [c.metadata?.name ?? '', c]));
}

/** The objects on a cycle of references (`Kind/name`), as the apiserver holds them (those being deleted too). */
export function onCycles(live: Live): Set<string> {
  const edges = new Map<string, string[]>();
  for (const o of live.objects) {
    const t = targetOfSpec(o.spec);
    if (t && t.kind !== 'ConfigMap' && t.kind !== 'Secret') edges.set(keyOf(o.kind, o.metadata.name), [keyOf(t.kind, t.name)]);
  }
  const out = new Set<string>();
  for (const start of edges.keys()) {
    const seen = new Set<string>();
    for (let at = edges.get(start)?.[0]; at && !seen.has(at); at = edges.get(at)?.[0]) {
      if (at === start) out.add(start);
      seen.add(at);
    }
  }
  return out;
}

/** The value a reference resolves to now, as the operator resolves it; undefined while it cannot be known. */
export function currentValue(t: RefTarget, live: Live, cms: Map<string, V1ConfigMap>, secretValue: string): string | undefined {
  if (t.kind === 'Secret') return secretValue;
  if (t.kind === 'ConfigMap') return cms.get(t.name)?.data?.[t.field];
  return referableValue(t.kind, t.field, live.byKey.get(keyOf(t.kind, t.name))?.status?.atProvider);
}

const norm = (v: string) => v.replace(/\.$/, '').toLowerCase();

/** How a dependant's record differs from the value it references (a Secret's value never named). */
export function refRecordDiffers(sets: ResourceRecordSet[], fqdn: string, slot: Slot, spec: Record<string, unknown>, value: string, mark: string, secret: boolean): string[] {
  const type = slot.recordType!;
  const record = sets.find((r) => r.Name === fqdn && r.Type === type);
  const owner = sets.find((r) => r.Name === `_mooring-${type.toLowerCase()}.${fqdn}` && r.Type === 'TXT');
  const out: string[] = [];
  const got = slot.ref === 'alias' ? [norm(record?.AliasTarget?.DNSName ?? '')] : (record?.ResourceRecords ?? []).map((r) => (type === 'TXT' ? (r.Value ?? '') : norm(r.Value ?? '')));
  const want = slot.ref === 'txt' ? `"${value}"` : norm(value);
  const show = (v: unknown) => (secret ? '[the Secret value or not]' : JSON.stringify(v));
  if (!record) out.push(`record ${fqdn} ${type} missing`);
  else if (got.length !== 1 || got[0] !== want) out.push(`record ${fqdn} ${type}: ${show(got)}, the reference reads ${show(want)}`);
  else if (slot.ref !== 'alias' && record.TTL !== spec.ttl) out.push(`record ${fqdn}: TTL ${record.TTL}, spec wants ${String(spec.ttl)}`);
  if (!owner || txtMark(owner) !== mark) out.push(`record ${fqdn}: ownership record ${owner ? txtMark(owner) : 'missing'}, want ${mark}`);
  return out;
}

/**
 * Each live dependant, settled: on a cycle, refused with ReferenceCycle; its reference not
 * resolvable, waiting with ReferenceNotReady (not Ready); else Ready at its generation, its record
 * holding the value the referenced object (ConfigMap, Secret) holds now.
 */
export function dependantsSettled(w: World, population: Population, live: Live, cms: Map<string, V1ConfigMap>, sets: ResourceRecordSet[]): string[] {
  const cycles = onCycles(live);
  return population.slots.filter((s) => s.ref && s.live).flatMap((s) => {
    const o = live.byKey.get(keyOf(s.kind, s.name));
    if (!o) return [];
    const at = `${s.kind}/${s.name}`;
    const gen = o.metadata.generation;
    if (o.status?.observedGeneration !== gen) return [`${at}: status.observedGeneration ${o.status?.observedGeneration} ≠ metadata.generation ${gen}`];
    const ready = condition(o, 'Ready')?.status === 'True';
    if (cycles.has(at)) return hasReason(o, Reason.ReferenceCycle) && !ready ? [] : [`${at} is on a cycle of references, yet not refused with ReferenceCycle: ${conditionsText(o)}`];
    const t = targetOfSpec(o.spec);
    const value = t && currentValue(t, live, cms, population.refs.secretValue);
    if (!t || value === undefined) return hasReason(o, Reason.ReferenceNotReady) && !ready ? [] : [`${at} reads ${JSON.stringify(t)}, not known now, yet is not waiting with ReferenceNotReady: ${conditionsText(o)}`];
    if (!ready) return [`${at} reads ${t.kind}/${t.name} ${t.field}, which is known, yet is not Ready: ${conditionsText(o)}`];
    const problems = refRecordDiffers(sets, fqdnOf(w, s), s, o.spec ?? {}, value, markOf(w, s), t.kind === 'Secret');
    return problems.map((p) => `${at} (Ready, reading ${t.kind}/${t.name} ${t.field}): ${p}`);
  });
}

/**
 * A dependant whose reference could never have resolved in its object's life made no cloud call:
 * nothing in Route 53 under its name. The model is read before the record sets, and a dependant
 * created again meanwhile is not judged.
 */
export async function waitedWithoutWriting(w: World, population: Population): Promise<string[]> {
  const waiting = population.slots.filter((s) => s.ref && s.live && s.uid && !s.resolvable).map((s) => ({ s, uid: s.uid }));
  if (!waiting.length) return [];
  const sets = await recordSets(w);
  return waiting.filter(({ s, uid }) => s.uid === uid && s.live && !s.resolvable).flatMap(({ s }) => {
    const fqdn = fqdnOf(w, s);
    const written = sets.filter((r) => r.Name === fqdn || r.Name?.endsWith(`.${fqdn}`));
    return written.length ? [`DNSRecord/${s.name} could never resolve ${JSON.stringify(s.reads)}, yet Route 53 holds ${written.map((r) => `${r.Name} ${r.Type}`).join(', ')}`] : [];
  });
}

/** A deletion that must be held: the slot deleted under Delete, without the annotation, while a dependant read it. */
interface Hold {
  target: Slot;
  deletedAt: number;
  reader: Slot;
  since: number;
}

function holds(population: Population): Hold[] {
  return population.slots.flatMap((t) => {
    const d = t.deletion;
    if (t.live || !d || d.policy !== 'Delete' || d.annotated || !d.finalized) return [];
    return population.refs.readers(t, d.at - HOLD_MARGIN_MS).map((reader) => ({ target: t, deletedAt: d.at, reader, since: reader.readsSince! }));
  });
}

/**
 * A referenced object deleted without the annotation stays (its finalizer on) while a dependant
 * that read it well before the delete still does: InUse. `settledToo`: also its reason is InUse.
 * The model is read before the objects, and a hold judged only if nothing changed meanwhile.
 */
export async function heldWhileReferenced(w: World, population: Population, settledToo: boolean): Promise<string[]> {
  const before = holds(population);
  if (!before.length) return [];
  const live = await liveObjects(w);
  const still = before.filter((h) => !h.target.live && h.target.deletion?.at === h.deletedAt && h.reader.live && h.reader.readsSince === h.since);
  for (const h of still) population.refs.holdsJudged.add(`${h.target.kind}/${h.target.name}@${h.deletedAt}`);
  return still.flatMap(({ target, reader }) => {
    const o = live.byKey.get(keyOf(target.kind, target.name));
    const at = `${target.kind}/${target.name}`;
    if (!o || !o.metadata.finalizers?.includes(FINALIZER)) return [`${at} was let go (deleted without ${'mooring.dev/delete-while-referenced'}) while DNSRecord/${reader.name} still reads it`];
    if (settledToo && !hasReason(o, Reason.InUse)) return [`${at} is held for DNSRecord/${reader.name} but does not say InUse: ${conditionsText(o)}`];
    return [];
  });
}

/**
 * The held objects' things, there when they were deleted, are still in the cloud (never deleted
 * while referenced), unless the run meddled with them since. `exists`: the oracle's look.
 */
export async function heldThingsKept(population: Population, exists: (slot: Slot) => Promise<boolean>): Promise<string[]> {
  const out: string[] = [];
  for (const { target, reader, deletedAt } of holds(population)) {
    if (!target.deletion?.thing) continue;
    if (population.history.get(keyOf(target.kind, target.name))?.meddled.some((m) => m.end >= deletedAt)) continue;
    if (!(await exists(target))) out.push(`${target.kind}/${target.name} is held for DNSRecord/${reader.name}, but its thing, there at the delete, is gone from the cloud`);
  }
  return out;
}

/** The marks of slots held now (deleted, still there, a dependant reading them): no leak, no unreleased finalizer. */
export function heldNow(w: World, population: Population, live: Live): { keys: Set<string>; marks: Set<string> } {
  const held = population.slots.filter((s) => population.refs.held(s) && live.byKey.has(keyOf(s.kind, s.name)));
  return { keys: new Set(held.map((s) => keyOf(s.kind, s.name))), marks: new Set(held.map((s) => markOf(w, s))) };
}

/** What the dependants ended as (Ready, or the reason they are not), and the holds, for the report. */
export function referencesSummary(w: World, population: Population, live: Live): { dependants: Record<string, number>; holdsJudged: number; heldAtEnd: number } {
  const dependants: Record<string, number> = {};
  for (const s of population.slots.filter((x) => x.ref && x.live)) {
    const o = live.byKey.get(keyOf(s.kind, s.name));
    const state = !o ? 'missing' : condition(o, 'Ready')?.status === 'True' ? 'Ready' : (o.status?.conditions ?? []).find((c) => c.status === 'True' && c.type !== 'Ready')?.reason ?? 'unknown';
    dependants[state] = (dependants[state] ?? 0) + 1;
  }
  return { dependants, holdsJudged: population.refs.holdsJudged.size, heldAtEnd: heldNow(w, population, live).keys.size };
}

/** Each Ready object with spec.exportTo: its ConfigMap made by it (label, owner) and holding its status fields. */
export function exportsMatchStatus(population: Population, live: Live, cms: Map<string, V1ConfigMap>): string[] {
  return population.slots.filter((s) => s.live && !s.decoy).flatMap((s) => {
    const o = live.byKey.get(keyOf(s.kind, s.name));
    const name = (o?.spec?.exportTo as { name?: string } | undefined)?.name;
    if (!o || !name || condition(o, 'Ready')?.status !== 'True' || o.status?.observedGeneration !== o.metadata.generation) return [];
    const cm = cms.get(name);
    const at = `${s.kind}/${s.name}`;
    if (!cm) return [`${at} is Ready but its export ConfigMap ${name} does not exist`];
    const uid = o.metadata.uid;
    if (cm.metadata?.labels?.[EXPORTED_BY] !== uid || !cm.metadata?.ownerReferences?.some((r) => r.uid === uid)) return [`${at}: ConfigMap ${name} is not marked as its export (label ${cm.metadata?.labels?.[EXPORTED_BY]})`];
    const want = JSON.stringify(Object.entries(exportedData(o.kind, o.status?.atProvider)).sort());
    const got = JSON.stringify(Object.entries(cm.data ?? {}).sort());
    return got === want ? [] : [`${at}: ConfigMap ${name} holds ${got}, its status says ${want}`];
  });
}

/** No secret value (a connection password, the referenced Secret's) in any ConfigMap of the namespace. */
export function noSecretInConfigMaps(w: World, cms: Map<string, V1ConfigMap>): string[] {
  return [...cms.values()].flatMap((c) => {
    const hit = leaked(JSON.stringify(c.data ?? {}), w.secrets);
    return hit ? [`ConfigMap ${c.metadata?.name}: a secret value (${hit})`] : [];
  });
}

/**
 * A cycle is refused, never looped on: each object's ReferenceCycle Events (repeats folded into a
 * count) come at most one every 2 s on average (the chaos run's resync is 5 s), beyond a few.
 */
export async function cyclesNotLooped(w: World): Promise<string[]> {
  const events = await retrying(() => w.core.listNamespacedEvent({ namespace: w.namespace }));
  return events.items.filter((e) => e.reason === Reason.ReferenceCycle).flatMap((e) => {
    const first = new Date(e.firstTimestamp ?? e.eventTime ?? 0).getTime();
    const last = new Date(e.lastTimestamp ?? e.firstTimestamp ?? 0).getTime();
    const bound = 5 + Math.max(0, last - first) / 2000;
    const count = e.count ?? 1;
    return count > bound ? [`${e.involvedObject.kind}/${e.involvedObject.name}: ${count} ReferenceCycle Events in ${((last - first) / 1000).toFixed(0)} s (a loop)`] : [];
  });
}
