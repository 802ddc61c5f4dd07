// The invariants, each a function returning its violations (empty: it holds). The cheap ones run
// throughout the chaos; all of them run once the faults stopped and the system settled.
import { readFileSync } from 'node:fs';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { ALL_REASON_CODES } from '../../src/reconcile/reasons.ts';
import { FINALIZER, type ManagedObject } from '../../src/reconcile/types.ts';
import type { ProxyStats } from '../../src/stack/faultproxy.ts';
import { changedDecoys, snapshotDecoys } from './decoys.ts';
import { bucketDiffers, pgDiffers, recordDiffers } from './expected.ts';
import { buckets, isOwnershipRecord, pgDatabases, pgRoles, rdsInstances, recordSets, txtMark } from './oracle.ts';
import { dbName, fqdnOf, markOf, PLURAL, REFUSALS, type Population, type Slot } from './population.ts';
import { finalizedWithoutGrant, notGrantedConfigs, snapshotOutsideGrant, type GrantWatch } from './tenant.ts';
import { AWS_REQUESTS_PER_SECOND, retrying, type World } from './world.ts';

const DOCUMENTED = new Set(ALL_REASON_CODES);

/**
 * The most requests one API may see in any one second: the cloud's limit, which mooring's
 * limiters keep 10% under (Route 53: 5/s, limited to 4.5/s; the run's aws config: 18/s for 20).
 */
export const PEAK_LIMITS: Record<string, number> = { route53: 5, s3: AWS_REQUESTS_PER_SECOND, rds: AWS_REQUESTS_PER_SECOND };

export interface Live {
  objects: ManagedObject[];
  byKey: Map<string, ManagedObject>;
}

const key = (kind: string, name: string) => `${kind}/${name}`;

export async function liveObjects(w: World): Promise<Live> {
  const objects: ManagedObject[] = [];
  for (const plural of Object.values(PLURAL)) objects.push(...(await retrying(() => w.kinds[plural].list(w.namespace))));
  return { objects, byKey: new Map(objects.map((o) => [key(o.kind, o.metadata.name), o])) };
}

/** Marks of objects that exist and are not being deleted: their things must exist, once each. */
function liveMarks(w: World, live: Live): Set<string> {
  return new Set(live.objects.filter((o) => !o.metadata.deletionTimestamp).map((o) => `${w.ownershipId}/${w.namespace}/${o.metadata.name}/${o.metadata.uid}`));
}

/** Every password in the run's connection Secrets joins the set the scans look for. */
export async function collectSecrets(w: World): Promise<void> {
  const list = await retrying(() => w.core.listNamespacedSecret({ namespace: w.namespace }));
  for (const s of list.items) {
    for (const [k, v] of Object.entries(s.data ?? {})) {
      if (k === 'password') w.secrets.add(Buffer.from(v, 'base64').toString('utf8'));
    }
  }
}

export function leaked(text: string, secrets: Set<string>): string | undefined {
  for (const s of secrets) if (s.length >= 8 && text.includes(s)) return `${s.slice(0, 3)}…`;
  return undefined;
}

export function reasonsDocumented(live: Live): string[] {
  const out: string[] = [];
  for (const o of live.objects) {
    for (const c of o.status?.conditions ?? []) {
      if (!DOCUMENTED.has(c.reason)) out.push(`${o.kind}/${o.metadata.name}: condition ${c.type} has reason ${c.reason}, not in src/reconcile/reasons.ts`);
    }
  }
  return out;
}

export function noSecretInStatus(w: World, live: Live): string[] {
  return live.objects.flatMap((o) => {
    const hit = leaked(JSON.stringify(o.status ?? {}), w.secrets);
    return hit ? [`${o.kind}/${o.metadata.name}: a secret value (${hit}) in its status`] : [];
  });
}

export async function noSecretInEvents(w: World, kc: KubeConfig): Promise<string[]> {
  const events = await retrying(() => kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: w.namespace }));
  return events.items.flatMap((e) => {
    const hit = leaked(`${e.reason} ${e.message}`, w.secrets);
    return hit ? [`Event ${e.reason} on ${e.involvedObject.name}: a secret value (${hit})`] : [];
  });
}

export function noSecretInLog(w: World, logFile: string): string[] {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    const hit = leaked(line, w.secrets);
    if (hit) out.push(`operator log line ${i + 1}: a secret value (${hit})`);
  }
  return out;
}

export function noStorm(stats: ProxyStats): string[] {
  return Object.entries(stats.peakPerSecond).flatMap(([api, peak]) => {
    const limit = PEAK_LIMITS[api];
    return limit !== undefined && peak > limit ? [`${api}: ${peak} requests within one second (limit ${limit})`] : [];
  });
}

/** What carries the run's mark in each backend, as mark → names (the other tenant's marks share the ownership id, not the namespace). */
export async function ownedThings(w: World): Promise<Record<string, Map<string, string[]>>> {
  const prefix = `${w.ownershipId}/${w.namespace}/`;
  const group = (pairs: [string | null | undefined, string][]) => {
    const m = new Map<string, string[]>();
    for (const [mark, name] of pairs) if (mark?.startsWith(prefix)) m.set(mark, [...(m.get(mark) ?? []), name]);
    return m;
  };
  const roles = await pgRoles(w);
  return {
    bucket: group((await buckets(w)).map((b) => [b.mark, b.name])),
    'DNS record': group((await recordSets(w)).filter(isOwnershipRecord).map((s) => [txtMark(s), s.Name ?? ''])),
    database: group((await pgDatabases(w)).map((d) => [d.comment, d.name])),
    // The login role (named like the database); a read-only role would carry the mark too.
    role: group(roles.filter((r) => !r.name.endsWith('_ro')).map((r) => [r.comment, r.name])),
    'RDS instance': group((await rdsInstances(w)).map((i) => [i.mark, i.id])),
  };
}

export function noDuplicates(owned: Record<string, Map<string, string[]>>): string[] {
  return Object.entries(owned).flatMap(([what, byMark]) =>
    [...byMark].filter(([, names]) => names.length > 1).map(([mark, names]) => `${names.length} ${what}s carry ${mark}: ${names.join(', ')}`));
}

/** `held`: marks of objects held while referenced (InUse): still there, their things kept. */
export function noLeaks(w: World, live: Live, population: Population, owned: Record<string, Map<string, string[]>>, held: ReadonlySet<string> = new Set()): string[] {
  const marks = new Set([...liveMarks(w, live), ...held]);
  return Object.entries(owned).flatMap(([what, byMark]) =>
    [...byMark].filter(([mark]) => !marks.has(mark) && !population.retained.has(mark)).map(([mark, names]) => `leaked ${what} ${names.join(', ')} (${mark}): no live resource, never retained`));
}

export async function decoysUntouched(w: World, before: Record<string, string>): Promise<string[]> {
  return changedDecoys(before, await snapshotDecoys(w)).map((c) => `unowned decoy changed: ${c}`);
}

/** The things outside the run's grant that differ from `before` (snapshotOutsideGrant). */
export function touchedOutsideGrant(before: Record<string, string>, now: Record<string, string>): string[] {
  return changedDecoys(before, now).map((c) => `touched outside the run's grant: ${c}`);
}

export async function outsideGrantUntouched(w: World, before: Record<string, string>): Promise<string[]> {
  return touchedOutsideGrant(before, await snapshotOutsideGrant(w));
}

/**
 * No object naming a config the namespace was not granted holds (or, by the watch, ever held) the
 * finalizer, and nothing went through those configs: their only way to the backends is a
 * counting pass-through, and no connection may have been opened there since the other tenant's
 * assets were made.
 */
export function usedWithoutGrant(objects: ManagedObject[], notGranted: ReadonlySet<string>, connections: Record<string, number>, watched: Iterable<string> = []): string[] {
  const held = objects.flatMap((o) => finalizedWithoutGrant(o, notGranted) ?? []);
  // No count in the text: the same violation seen again by a later check is one violation.
  const calls = Object.entries(connections).filter(([, n]) => n > 0).map(([pc]) => `connections to the backend through ProviderConfig ${pc}, which the run's namespace was not granted`);
  return [...new Set([...watched, ...held])].concat(calls);
}

export function grantsHeld(w: World, live: Live, watch: GrantWatch): string[] {
  return usedWithoutGrant(live.objects, notGrantedConfigs(w), { [w.other.awsPc]: w.other.awsProxy.accepted, [w.other.pgPc]: w.other.pgProxy.accepted }, watch.violations);
}

/** The model against the apiserver: deleted slots gone (finalizer released) unless held while referenced (`held`), live ones present. */
export function finalizersReleased(population: Population, live: Live, held: ReadonlySet<string> = new Set()): string[] {
  return population.slots.flatMap((s) => {
    const o = live.byKey.get(key(s.kind, s.name));
    if (!s.live && o && !held.has(key(s.kind, s.name))) return [`${s.kind}/${s.name} was deleted but still exists (finalizers ${JSON.stringify(o.metadata.finalizers)}, conditions ${conditionsText(o)})`];
    if (s.live && !o) return [`${s.kind}/${s.name} was never deleted by the run but is gone`];
    return [];
  });
}

const conditionsText = (o: ManagedObject) => (o.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}: ${c.message}`).join('; ');

/** Each live object settled: Ready at its generation (or, for an attack, refused with its reason); dependants are judged by refinvariants.ts. */
export function settled(population: Population, live: Live): string[] {
  return population.slots.filter((s) => s.live && !s.ref).flatMap((s) => {
    const o = live.byKey.get(key(s.kind, s.name));
    if (!o) return [];
    const gen = o.metadata.generation;
    const out: string[] = [];
    if (o.status?.observedGeneration !== gen) out.push(`${s.kind}/${s.name}: status.observedGeneration ${o.status?.observedGeneration} ≠ metadata.generation ${gen}`);
    const conditions = o.status?.conditions ?? [];
    for (const c of conditions) if (c.observedGeneration !== undefined && c.observedGeneration !== gen) out.push(`${s.kind}/${s.name}: ${c.type}.observedGeneration ${c.observedGeneration} ≠ ${gen}`);
    const ready = conditions.find((c) => c.type === 'Ready');
    const degraded = conditions.find((c) => c.type === 'Degraded');
    if (s.decoy) {
      const want = REFUSALS[s.attack ?? 'unowned'];
      if (degraded?.status !== 'True' || !want.includes(degraded.reason)) out.push(`${s.kind}/${s.name} (${s.attack}): expected Degraded/${want.join(' or ')}, got ${conditionsText(o)}`);
    } else if (ready?.status !== 'True') {
      out.push(`${s.kind}/${s.name}: not Ready: ${conditionsText(o)}`);
    }
    if (!s.decoy && !o.metadata.finalizers?.includes(FINALIZER)) out.push(`${s.kind}/${s.name}: no finalizer`);
    return out;
  });
}

/** Each live, Ready resource's thing is there as its spec says, ours. */
export async function externalMatchesSpec(w: World, population: Population, checkLogin: boolean): Promise<string[]> {
  const slots = population.slots.filter((s) => s.live && !s.decoy && !s.ref);
  const out: string[] = [];
  const bucketList = new Map((await buckets(w)).map((b) => [b.name, b]));
  const sets = await recordSets(w);
  const databases = new Map((await pgDatabases(w)).map((d) => [d.name, d]));
  const roles = new Map((await pgRoles(w)).map((r) => [r.name, r]));
  const instances = new Map((await rdsInstances(w)).map((i) => [i.id, i]));
  for (const s of slots) {
    const mark = markOf(w, s);
    const spec = s.spec ?? {};
    if (s.kind === 'Bucket') out.push(...bucketDiffers(s.name, bucketList.get(s.name)?.tags, spec, mark));
    else if (s.kind === 'DNSRecord') out.push(...recordDiffers(sets, fqdnOf(w, s), s.recordType!, spec, mark));
    else if (s.rds) {
      const i = instances.get(s.name);
      const wantClass = (spec.rds as { instanceClass: string }).instanceClass;
      if (!i || i.mark !== mark || i.instanceClass !== wantClass) out.push(`RDS instance ${s.name}: ${JSON.stringify(i ?? 'missing')}, want mark ${mark}, class ${wantClass}`);
    } else {
      const name = dbName(s);
      const d = databases.get(name);
      out.push(...pgDiffers(name, d, roles.get(name), spec, mark));
      if (checkLogin && d) {
        const login = await loginWithSecret(w, `${s.name}-connection`);
        if (login) out.push(`database ${name}: ${login}`);
      }
    }
  }
  return out;
}

/** Logs in with the connection Secret's uri; the problem, or undefined when it works. */
async function loginWithSecret(w: World, secretName: string): Promise<string | undefined> {
  const secret = await retrying(() => w.core.readNamespacedSecret({ namespace: w.namespace, name: secretName })).catch(() => undefined);
  const uri = secret?.data?.uri && Buffer.from(secret.data.uri, 'base64').toString('utf8');
  if (!uri) return `its Secret ${secretName} has no uri`;
  const client = new pg.Client({ connectionString: uri, application_name: 'mooring-chaos-oracle' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `cannot log in with the Secret ${secretName}: ${(err as { code?: string }).code ?? (err as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Checked the moment an object the run deleted under Delete is seen gone: its finalizer went, so
 * its thing must be gone too, and nothing may carry its mark. (Found late, a leak would be taken
 * over by the next object of the name, and hidden.)
 */
export async function goneWithItsObject(w: World, slot: Slot): Promise<string[]> {
  const mark = markOf(w, slot);
  const left: string[] = [];
  const owned = await ownedThings(w);
  for (const [what, byMark] of Object.entries(owned)) for (const name of byMark.get(mark) ?? []) left.push(`${what} ${name}`);
  if (slot.kind === 'Bucket' && (await buckets(w)).some((b) => b.name === slot.name)) left.push(`bucket ${slot.name}`);
  if (slot.kind === 'DNSRecord' && (await recordSets(w)).some((r) => r.Name === fqdnOf(w, slot) && r.Type === slot.recordType)) left.push(`record set ${fqdnOf(w, slot)} ${slot.recordType}`);
  if (slot.kind === 'Database' && slot.rds && (await rdsInstances(w)).some((i) => i.id === slot.name)) left.push(`RDS instance ${slot.name}`);
  if (slot.kind === 'Database' && !slot.rds && (await pgDatabases(w)).some((d) => d.name === dbName(slot))) left.push(`database ${dbName(slot)}`);
  const unique = [...new Set(left)];
  return unique.length ? [`${slot.kind}/${slot.name} went (deletionPolicy Delete, finalizer released) but left ${unique.join(', ')}`] : [];
}
