// The invariant that no Event claims a change the cloud does not show. Every Event claiming a
// write (Created, Updated, DriftCorrected, Adopted) is checked soon after it appears: the thing is
// read straight from the backend, and must hold the spec of the generation the Event was recorded
// at, or of a later one. It is not judged (never a violation) when it cannot be told: the object
// went or was replaced meanwhile, the run meddled with the thing out of band from shortly before
// the Event on, or the Event's generation is unknown. Repeats folded into an Event (a count
// bumped) are judged from the generation of the Event's first occurrence on: looser, never wrong.
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { recordSets, bucketTags, pgDatabases, pgRoles } from './oracle.ts';
import { bucketDiffers, pgDiffers, recordDiffers } from './expected.ts';
import { dbName, fqdnOf, PLURAL, type Slot, type SlotHistory, type SpecSent } from './population.ts';

export type { SlotHistory, SpecSent } from './population.ts';
import { retrying, type World } from './world.ts';

/** The Events that claim a write in the cloud (src/reconcile/reasons.ts, docs/reasons.md). */
export const CLAIMS: ReadonlySet<string> = new Set(['Created', 'Updated', 'DriftCorrected', 'Adopted']);

export interface Claim {
  reason: string;
  kind: string;
  name: string;
  uid: string;
  /** The object's resourceVersion the Event names. */
  resourceVersion: string;
  /** When it happened (the apiserver keeps whole seconds), in ms. */
  at: number;
}

/**
 * How long before an Event's time a meddling still counts as concurrent with it: the timestamp is
 * cut to the second, and a meddling answered just before may have been applied just after.
 */
export const MARGIN_MS = 2000;

export type Verdict = { holds: true } | { unjudged: string } | { violation: string };

/** The object as it is at the judging: gone, being deleted, or re-created (another uid) leaves a claim unjudged. */
export interface ObjectNow {
  uid: string;
  deleting: boolean;
}

/**
 * Judges one claim. `differs(spec)` says how the thing, read at `readAt` (after the Event), differs
 * from a spec (empty: it holds it); `object` is the object read after the thing.
 */
export function judgeClaim(claim: Claim, history: SlotHistory | undefined, readAt: number, differs: (spec: Record<string, unknown>) => string[], object: ObjectNow | undefined): Verdict {
  if (!object || object.uid !== claim.uid || object.deleting) return { unjudged: 'the object went, is going or was re-created' };
  const from = claim.at - MARGIN_MS;
  if (history?.meddled.some((m) => m.end >= from && m.start <= readAt)) return { unjudged: 'changed out of band meanwhile' };
  const mine = (history?.specs ?? []).filter((s) => s.uid === claim.uid);
  const generation = generationAt(mine, claim.resourceVersion);
  if (generation === undefined) return { unjudged: "the Event's generation is not one the run knows" };
  // The Event's generation and every later one (and any spec whose call failed but may have landed).
  const candidates = mine.filter((s) => s.generation === undefined || s.generation >= generation);
  const problems = candidates.map((c) => differs(c.spec));
  if (problems.some((p) => p.length === 0)) return { holds: true };
  const latest = problems.at(-1) ?? [];
  return { violation: `${claim.kind}/${claim.name}: Event ${claim.reason} at ${new Date(claim.at).toISOString()} claims a change the cloud does not show (read ${((readAt - claim.at) / 1000).toFixed(1)} s later): ${latest.join('; ')}` };
}

/** The generation the object had at a resourceVersion: that of the last spec sent before it (etcd's revisions are ordered). */
function generationAt(specs: SpecSent[], resourceVersion: string): number | undefined {
  const at = Number(resourceVersion);
  let found: number | undefined;
  for (const s of specs) {
    if (s.generation === undefined || s.resourceVersion === undefined) continue;
    if (Number(s.resourceVersion) <= at && (found === undefined || s.generation > found)) found = s.generation;
  }
  return found;
}

/**
 * The slots whose claims are judged: the run's own Buckets, DNSRecords and PostgreSQL Databases (an
 * RDS change may wait for its window). Not the dependants: their values are judged once settled
 * (refinvariants.ts), as what they reference changes under them.
 */
const judged = (s: Slot) => !s.decoy && !s.rds && !s.ref;

/**
 * Follows the run's Events (listed every `everyMs`) and judges every claim once: a new Event, or a
 * count bumped on one. Violations collect in `violations`; `judged` counts verdicts by kind.
 */
export class ClaimWatch {
  readonly violations = new Set<string>();
  readonly counts = { holds: 0, unjudged: 0, violation: 0 };
  private readonly w: World;
  private readonly slots: Map<string, Slot>;
  private readonly history: Map<string, SlotHistory>;
  private readonly seen = new Map<string, number>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(w: World, slots: Slot[], history: Map<string, SlotHistory>) {
    this.w = w;
    this.slots = new Map(slots.filter(judged).map((s) => [`${s.kind}/${s.name}`, s]));
    this.history = history;
  }

  start(everyMs = 1500): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.poll().catch(() => undefined); // the apiserver away: the next poll sees the same Events
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  /** Stops, after one last look (the claims made while settling). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.loop;
    await this.poll().catch(() => undefined);
  }

  async poll(): Promise<void> {
    const events = await retrying(() => this.w.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: this.w.namespace }));
    for (const { claim, id, count } of this.fresh(events.items)) {
      const slot = this.slots.get(`${claim.kind}/${claim.name}`)!;
      const differs = await this.read(slot, claim);
      const readAt = Date.now();
      const o = await retrying(() => this.w.kinds[PLURAL[slot.kind]].tryGet(this.w.namespace, slot.name));
      const verdict = judgeClaim(claim, this.history.get(`${slot.kind}/${slot.name}`), readAt, differs, o && { uid: o.metadata.uid, deleting: Boolean(o.metadata.deletionTimestamp) });
      if ('violation' in verdict) this.violations.add(verdict.violation);
      this.counts['holds' in verdict ? 'holds' : 'unjudged' in verdict ? 'unjudged' : 'violation']++;
      // Only once judged: a look cut short by a fault judges it at the next one.
      this.seen.set(id, count);
    }
  }

  /** Claims not judged yet: new Events, and counts bumped since the last look. */
  private fresh(events: CoreV1Event[]): { claim: Claim; id: string; count: number }[] {
    const out: { claim: Claim; id: string; count: number }[] = [];
    for (const e of events) {
      const io = e.involvedObject;
      if (!CLAIMS.has(e.reason ?? '') || !this.slots.has(`${io.kind}/${io.name}`)) continue;
      const id = e.metadata.uid ?? `${e.metadata.name}`;
      const count = e.count ?? 1;
      const before = this.seen.get(id);
      if (before !== undefined && before >= count) continue;
      const stamp = before === undefined ? (e.firstTimestamp ?? e.eventTime) : (e.lastTimestamp ?? e.firstTimestamp);
      const claim = { reason: e.reason!, kind: io.kind!, name: io.name!, uid: io.uid!, resourceVersion: io.resourceVersion ?? '0', at: stamp ? new Date(stamp).getTime() : Date.now() };
      out.push({ claim, id, count });
    }
    return out;
  }

  /** Reads the slot's thing straight from the backend; returns how it differs from a spec. */
  private async read(slot: Slot, claim: Claim): Promise<(spec: Record<string, unknown>) => string[]> {
    const w = this.w;
    const mark = `${w.ownershipId}/${w.namespace}/${slot.name}/${claim.uid}`;
    if (slot.kind === 'Bucket') {
      const tags = await bucketTags(w, slot.name);
      return (spec) => bucketDiffers(slot.name, tags, spec, mark);
    }
    if (slot.kind === 'DNSRecord') {
      const sets = await recordSets(w);
      return (spec) => recordDiffers(sets, fqdnOf(w, slot), slot.recordType!, spec, mark);
    }
    const name = dbName(slot);
    const d = (await pgDatabases(w)).find((x) => x.name === name);
    const r = (await pgRoles(w)).find((x) => x.name === name);
    return (spec) => pgDiffers(name, d, r, spec, mark);
  }
}
