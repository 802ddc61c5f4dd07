// Changes to one zone that arrive within a short window go to PowerDNS as one PATCH, which it
// applies atomically. One flush per zone at a time; changes arriving meanwhile wait for the next.
//
// A flush plans every queued intent against one fresh read of the zone (a write is never based
// on a stale observation) and sends the planned changes in as few PATCHes as the rules allow:
// no record set twice in one PATCH (PowerDNS refuses that), at most maxRRsets per PATCH. PowerDNS
// refuses a whole PATCH for one bad record set (422, naming it): the good changes are then sent
// without it, and the named one alone; when none is named, the PATCH is halved until the bad
// change stands alone. Only that change fails.
import { isAdapterError } from '../sdk/index.ts';
import type { RRsetChange } from './api.ts';
import { PdnsReason } from './reasons.ts';
import { rrsetKey } from './rrset.ts';

/** Defaults of the per-zone batcher; the README points here. */
export const BATCH_DEFAULTS = {
  /** A PATCH goes once no change has joined it for this long... */
  windowMs: 250,
  /** ...or once its first change has waited this long, whichever comes first. */
  maxWaitMs: 2_000,
  /** Record sets in one PATCH. */
  maxRRsets: 1_000,
} as const;

export type BatchOptions = { -readonly [K in keyof typeof BATCH_DEFAULTS]?: number };

/** One intent, planned: the changes it needs (none: the zone is already as wanted), or why not. */
export type Plan = { changes: RRsetChange[] } | { error: Error };

/** What the batcher needs: planning against a fresh read, and one PATCH. */
export interface BatchPort<Intent> {
  plan(zoneId: string, intents: Intent[]): Promise<Plan[]>;
  send(zoneId: string, changes: RRsetChange[]): Promise<void>;
}

interface Entry<Intent> {
  intent: Intent;
  changes: RRsetChange[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface ZoneQueue<Intent> {
  queued: Entry<Intent>[];
  timer?: NodeJS.Timeout | undefined;
  since: number;
  flushing: boolean;
}

const isRefused = (err: unknown) => isAdapterError(err) && err.reason === PdnsReason.InvalidChange;

/** The record set names a PowerDNS 422 message names: `Record x./A`, `RRset x. IN A`, `Name 'x.'`. */
export function namedInError(message: string): Set<string> {
  return new Set([...message.matchAll(/(?:Record |RRset |Name ')([^\s'/]+)/g)].map((m) => m[1]!.toLowerCase()));
}

export class ZoneBatcher<Intent> {
  private readonly port: BatchPort<Intent>;
  private readonly options: Required<BatchOptions>;
  private readonly zones = new Map<string, ZoneQueue<Intent>>();

  constructor(port: BatchPort<Intent>, options: BatchOptions = {}) {
    this.port = port;
    this.options = { ...BATCH_DEFAULTS, ...options };
  }

  /** Queues an intent for its zone's next PATCH; settles once that was sent (or refused). */
  submit(zoneId: string, intent: Intent): Promise<void> {
    let zone = this.zones.get(zoneId);
    if (!zone) this.zones.set(zoneId, (zone = { queued: [], since: Date.now(), flushing: false }));
    if (zone.queued.length === 0) zone.since = Date.now();
    const done = new Promise<void>((resolve, reject) => zone.queued.push({ intent, changes: [], resolve, reject }));
    this.schedule(zoneId, zone);
    return done;
  }

  /** (Re)arms the zone's timer: a quiet window after the last change, bounded by the first one's wait. */
  private schedule(zoneId: string, zone: ZoneQueue<Intent>): void {
    if (zone.flushing || zone.queued.length === 0) return;
    clearTimeout(zone.timer);
    const delay = Math.max(0, Math.min(this.options.windowMs, zone.since + this.options.maxWaitMs - Date.now()));
    zone.timer = setTimeout(() => void this.flush(zoneId, zone), delay);
  }

  private async flush(zoneId: string, zone: ZoneQueue<Intent>): Promise<void> {
    zone.timer = undefined;
    zone.flushing = true;
    const entries = zone.queued.splice(0);
    try {
      const patches = this.pack(await this.plan(zoneId, entries));
      for (const [i, patch] of patches.entries()) {
        const failure = await this.sendIsolating(zoneId, patch);
        // A failing server gets no more PATCHes from this flush: no storm.
        if (failure !== undefined) {
          for (const e of patches.slice(i + 1).flat()) e.reject(failure);
          break;
        }
      }
    } catch (err) {
      for (const e of entries) e.reject(err);
    } finally {
      zone.flushing = false;
      if (zone.queued.length === 0) this.zones.delete(zoneId);
      else this.schedule(zoneId, zone);
    }
  }

  /** Plans every entry; those needing nothing are resolved here, refused ones rejected. */
  private async plan(zoneId: string, entries: Entry<Intent>[]): Promise<Entry<Intent>[]> {
    const plans = await this.port.plan(zoneId, entries.map((e) => e.intent));
    return entries.filter((e, i) => {
      const plan = plans[i] ?? { error: new Error('the planner returned no plan for this change') };
      if ('error' in plan) e.reject(plan.error);
      else if (plan.changes.length === 0) e.resolve();
      else e.changes = plan.changes;
      return 'changes' in plan && plan.changes.length > 0;
    });
  }

  /** Packs entries, in order, into PATCHes: none names a record set twice or holds too many. */
  private pack(entries: Entry<Intent>[]): Entry<Intent>[][] {
    const patches: { entries: Entry<Intent>[]; keys: Set<string> }[] = [];
    for (const entry of entries) {
      const keys = entry.changes.map((c) => rrsetKey(c.name, c.type));
      const fits = (p: (typeof patches)[number]) => p.keys.size + keys.length <= this.options.maxRRsets && !keys.some((k) => p.keys.has(k));
      // Later changes to one record set go in later PATCHes, so they apply in order.
      const last = patches.findLastIndex((p) => keys.some((k) => p.keys.has(k)));
      let patch = patches.slice(last + 1).find(fits);
      if (!patch) patches.push((patch = { entries: [], keys: new Set() }));
      patch.entries.push(entry);
      for (const k of keys) patch.keys.add(k);
    }
    return patches.map((p) => p.entries);
  }

  /** Sends one PATCH, isolating a refused change. Returns the error that should stop the flush. */
  private async sendIsolating(zoneId: string, patch: Entry<Intent>[]): Promise<unknown> {
    try {
      await this.port.send(zoneId, patch.flatMap((e) => e.changes));
      for (const e of patch) e.resolve();
      return undefined;
    } catch (err) {
      if (!isRefused(err) || patch.length === 1) {
        for (const e of patch) e.reject(err);
        return isRefused(err) ? undefined : err;
      }
      const named = namedInError((err as Error).message);
      const suspect = (e: Entry<Intent>) => e.changes.some((c) => named.has(c.name));
      const suspects = patch.filter(suspect);
      const groups = suspects.length > 0 && suspects.length < patch.length ? [patch.filter((e) => !suspect(e)), ...suspects.map((s) => [s])] : halves(patch);
      for (const [i, group] of groups.entries()) {
        const failure = await this.sendIsolating(zoneId, group);
        if (failure !== undefined) {
          for (const e of groups.slice(i + 1).flat()) e.reject(failure);
          return failure;
        }
      }
      return undefined;
    }
  }
}

function halves<T>(items: T[]): T[][] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}
