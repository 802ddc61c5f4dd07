// A per-zone batcher for DNS-like providers: changes to one zone that arrive within a short window
// go to the backend as one call. DNS APIs price by the request (Route 53 allows 5 a second per
// account) and apply a batch atomically, so 200 records created at once must not cost 200 calls.
// One flush per zone is in flight at a time (backends refuse or serialise overlapping writes to a
// zone anyway); changes arriving meanwhile wait for the next.
//
// A flush plans every queued intent against one fresh read of the zone, packs the planned changes
// into batches within the provider's limits, and sends them. Backends refuse a whole batch for one
// bad change: the batch is then split to isolate the bad change, which alone fails; the rest go
// through.
//
// Under a request limit (Route 53: 5 a second per account) a provider may do better (issue 8):
// with `slot` and `BatchPort.known`, the batch is cut only when the limiter grants the write its
// slot, so changes keep joining while it waits (under load batches grow by themselves; without
// load a change goes after one short window), and it is planned from what the port knows of the
// zone (its last read, kept true by its own accepted writes) with no read per flush. Such a plan
// may be stale, so its changes must carry the backend's own guards (Route 53's CREATE fails on a
// record set that exists, DELETE on values that differ); a batch they refuse is planned again on a
// fresh read. That re-plan is part of one flush, not a retry: a change that still fails is rejected
// with its typed error, and the operator's retry policy (src/reconcile/retry.ts) decides the rest.
//
// A provider may let the quiet window grow (`maxWindowMs`, `maxHoldMs`): a zone whose changes
// lately came in spurts with pauses between (`kubectl apply` delivering many records over a
// minute) waits out such pauses, so they go as one batch rather than one per pause. The rhythm is
// the zone's, kept across sends; a zone whose changes come without pause (a burst, however long
// the operator takes to reconcile it) keeps the short window, so a burst goes as fast as before.
import { TerminalError, isAdapterError } from './errors.ts';
import { ProviderReason } from './reasons.ts';

/** One intent, planned: the changes it needs (none: the zone is already as wanted), or why not. */
export type BatchPlan<Change> = { changes: Change[] } | { error: Error };

/**
 * The two calls that reach the backend, given by the provider's record adapter.
 * - plan: reads the zone once, afresh (never from a cache older than the call), and plans every
 *   intent against that read, in order, one plan per intent. An intent that must not go ahead (the
 *   record set became someone else's) gets an error, which fails that intent alone; a throw fails
 *   the whole flush.
 * - send: makes one write call with the changes, atomically if the backend can, and returns what
 *   the backend answered (a change id to follow, or nothing). It throws typed errors (RetryableError
 *   for throttling and outages, which stop the flush; the refusal `refused` recognises, which splits
 *   the batch). It must not retry by itself: the batcher and the reconciler's backoff do. `inSlot`
 *   is true when the call runs inside the slot `BatchOptions.slot` granted: it must not queue at the
 *   limiter again (that slot is its one).
 * - known (optional, with `read`): plans from what the port already knows of the zone, without a
 *   call, or undefined when it knows nothing it trusts (never read, or a write's outcome unknown).
 *   Its changes must be guarded so a stale plan fails whole (a refusal) and never overwrites.
 * - read (optional, with `known`): reads the zone so `known` can plan; made before the flush queues
 *   for its slot, since a read is a request of its own.
 */
export interface BatchPort<Intent, Change, Receipt = void> {
  plan(zoneId: string, intents: Intent[]): Promise<BatchPlan<Change>[]>;
  send(zoneId: string, changes: Change[], inSlot?: boolean): Promise<Receipt>;
  known?(zoneId: string, intents: Intent[]): BatchPlan<Change>[] | undefined;
  read?(zoneId: string): Promise<void>;
}

/** What one change costs against each limit of one batch, by limit name (Route 53: values, chars). */
export type BatchCost<Limit extends string> = Record<Limit, number>;

/** How a provider's batches are timed, packed and split; every field has a default. */
export interface BatchOptions<Change, Limit extends string = string> {
  /** A batch goes once no change has joined it for this long (ms)... Default 250. */
  windowMs?: number | undefined;
  /** ...or once its first change has waited this long (ms), whichever comes first. Default 2000. */
  maxWaitMs?: number | undefined;
  /**
   * The most the quiet window grows to (ms). Default `windowMs`: a fixed window. It grows when the
   * zone's changes lately paused for longer than `windowMs` and then resumed (twice the longest
   * such pause, remembered across sends and halving every 4 `maxWindowMs`; a pause longer than
   * `maxWindowMs` ends the rhythm): records arriving over a minute in spurts wait out the pauses.
   */
  maxWindowMs?: number | undefined;
  /**
   * Only a pause longer than this (ms) grows the window. Default `windowMs`. Longer, it tells the
   * zone going quiet between spurts from the operator's own stalls within one burst.
   */
  minPauseMs?: number | undefined;
  /** With a grown window, the first change waits at most this (ms), not `maxWaitMs`. Default `maxWaitMs`. */
  maxHoldMs?: number | undefined;
  /**
   * A batch of a zone that lately received this many intents (none urgent; each counting half as
   * much per `spurtWindowMs` since it arrived, those already sent too) is a spurt, which may be the
   * first of several (the first chunk of records `kubectl apply` delivers over a minute, before
   * the zone showed any pause), or a burst: its quiet window is at least `spurtWindowMs` and its
   * first change waits up to `maxHoldMs`. Default: none. The price: the last spurt (a burst's
   * end) goes that much later; a lone change keeps the plain window.
   */
  spurtAt?: number | undefined;
  /** The quiet window of a spurt (ms). Default `windowMs`. */
  spurtWindowMs?: number | undefined;
  /** A batch goes at once (its slot allowing) when this many intents are queued: near the backend's limit. Default: none. */
  fullAt?: number | undefined;
  /** The most one batch may hold, per limit; with `cost`. Default: no limit. */
  limits?: BatchCost<Limit> | undefined;
  /** What one change costs against `limits`. An intent's changes always go in one batch together. */
  cost?: ((change: Change) => BatchCost<Limit>) | undefined;
  /** The error for an intent whose changes exceed a limit on their own. Default: InvalidChange, naming the limits. */
  tooLarge?: ((cost: BatchCost<Limit>, limits: BatchCost<Limit>) => Error) | undefined;
  /**
   * The record set a change writes. Changes with one key never share a batch, and a later one goes
   * in a later batch, so they apply in order (PowerDNS refuses one record set twice in a PATCH).
   * Default: no key, changes are packed by cost alone.
   */
  key?: ((change: Change) => string) | undefined;
  /** The error that means "this batch was refused as a whole; split it". Default: reason InvalidChange. */
  refused?: ((err: unknown) => boolean) | undefined;
  /**
   * Whether the refusal names this change (the backend's message often names the bad record set):
   * named changes are then sent one by one and the rest together (1 + named calls). Without a
   * name, or with a wrong guess, the batch is halved until the bad change stands alone.
   */
  named?: ((err: unknown, change: Change) => boolean) | undefined;
  /**
   * Runs `write` once the backend may take the zone's next request (the account limiter grants a
   * slot); the batch is cut then. With `BatchPort.known`; `write` makes at most one request, the
   * first batch's send, in that slot. Default: none, a batch is cut when its window closes.
   */
  slot?: ((zoneId: string, write: () => Promise<void>) => Promise<void>) | undefined;
}

/** Defaults of the timing options; a provider documents its own where they differ. */
export const BATCH_TIMING_DEFAULTS = { windowMs: 250, maxWaitMs: 2_000 } as const;

type Timing = { windowMs: number; maxWaitMs: number; maxWindowMs: number; minPauseMs: number; maxHoldMs: number; fullAt: number; spurtAt: number; spurtWindowMs: number };

/** A zone's rhythm: when its last change arrived, and its longest pause lately (decaying). */
interface Rhythm {
  lastAt: number;
  pauseMs: number;
  /** Intents arrived lately, each counting half as much per `spurtWindowMs` since (sent ones too). */
  recent: number;
}

/**
 * How a submitted intent ended: `sent` when its changes went in a call the backend accepted (with
 * that call's receipt), not sent when its plan needed no change.
 */
export type BatchResult<Receipt> = { sent: boolean; receipt?: Receipt | undefined };

interface Entry<Intent, Change, Receipt> {
  intent: Intent;
  changes: Change[];
  resolve: (result: BatchResult<Receipt>) => void;
  reject: (err: unknown) => void;
  /** Someone waits on it: the batch holding it keeps the plain window. */
  urgent: boolean;
}

/** How one intent may wait (ZoneBatcher.submit). */
export interface SubmitOptions {
  /**
   * Someone waits on this change (a delete holds its object's finalizer, and `kubectl delete`
   * waits on that): the batch holding it goes after the plain window and `maxWaitMs`, however the
   * zone's rhythm grew, and its arrival is not counted in that rhythm (the pauses of a stream of
   * deletes are the operator's own pacing, not records arriving). Default false.
   */
  urgent?: boolean | undefined;
}

interface ZoneQueue<E> {
  queued: E[];
  timer?: NodeJS.Timeout | undefined;
  /** When the oldest queued change arrived. */
  since: number;
  flushing: boolean;
}

const isInvalidChange = (err: unknown) => isAdapterError(err) && err.reason === ProviderReason.InvalidChange;

const defaultTooLarge = (cost: BatchCost<string>, limits: BatchCost<string>) =>
  new TerminalError(ProviderReason.InvalidChange, `the change is too large for one batch (${JSON.stringify(cost)}; at most ${JSON.stringify(limits)}); make the record set smaller`);

export class ZoneBatcher<Intent, Change, Receipt = void, Limit extends string = string> {
  private readonly port: BatchPort<Intent, Change, Receipt>;
  private readonly options: BatchOptions<Change, Limit>;
  private readonly timing: Timing;
  private readonly zones = new Map<string, ZoneQueue<Entry<Intent, Change, Receipt>>>();
  private readonly rhythms = new Map<string, Rhythm>();

  constructor(port: BatchPort<Intent, Change, Receipt>, options: BatchOptions<Change, Limit> = {}) {
    this.port = port;
    this.options = options;
    const windowMs = options.windowMs ?? BATCH_TIMING_DEFAULTS.windowMs;
    const maxWaitMs = options.maxWaitMs ?? BATCH_TIMING_DEFAULTS.maxWaitMs;
    this.timing = {
      windowMs,
      maxWaitMs,
      maxWindowMs: Math.max(windowMs, options.maxWindowMs ?? windowMs),
      minPauseMs: Math.max(windowMs, options.minPauseMs ?? windowMs),
      maxHoldMs: Math.max(maxWaitMs, options.maxHoldMs ?? maxWaitMs),
      fullAt: options.fullAt ?? Infinity,
      spurtAt: options.spurtAt ?? Infinity,
      spurtWindowMs: Math.max(windowMs, options.spurtWindowMs ?? windowMs),
    };
  }

  /** Queues an intent for its zone's next batch; settles once that batch was sent (or refused). */
  submit(zoneId: string, intent: Intent, options: SubmitOptions = {}): Promise<BatchResult<Receipt>> {
    let zone = this.zones.get(zoneId);
    if (!zone) this.zones.set(zoneId, (zone = { queued: [], since: Date.now(), flushing: false }));
    if (zone.queued.length === 0) zone.since = Date.now();
    const urgent = options.urgent === true;
    if (!urgent) this.note(zoneId);
    const done = new Promise<BatchResult<Receipt>>((resolve, reject) => zone.queued.push({ intent, changes: [], resolve, reject, urgent }));
    this.schedule(zoneId, zone);
    return done;
  }

  /** Whether changes to the zone are queued, waiting for its next batch. */
  holds(zoneId: string): boolean {
    return (this.zones.get(zoneId)?.queued.length ?? 0) > 0;
  }

  /** Notes a change's arrival in the zone's rhythm: the pause before it, if the zone had not gone quiet. */
  private note(zoneId: string): void {
    const now = Date.now();
    const { maxWindowMs } = this.timing;
    const rhythm = this.rhythms.get(zoneId);
    if (!rhythm) {
      // A zone quiet for longer than the longest window has no rhythm left to keep.
      if (this.rhythms.size >= 1024) for (const [id, r] of this.rhythms) if (now - r.lastAt > maxWindowMs) this.rhythms.delete(id);
      this.rhythms.set(zoneId, { lastAt: now, pauseMs: 0, recent: 1 });
      return;
    }
    const pause = now - rhythm.lastAt;
    rhythm.pauseMs = pause > maxWindowMs ? 0 : Math.max(pause, rhythm.pauseMs * 0.5 ** (pause / (4 * maxWindowMs)));
    rhythm.recent = rhythm.recent * 0.5 ** (pause / this.timing.spurtWindowMs) + 1;
    rhythm.lastAt = now;
  }

  /**
   * (Re)arms the zone's timer: a quiet window after the last change (grown by the zone's rhythm
   * unless an urgent change is queued), bounded by the first one's wait; none once the batch is full.
   */
  private schedule(zoneId: string, zone: ZoneQueue<Entry<Intent, Change, Receipt>>): void {
    if (zone.flushing || zone.queued.length === 0) return;
    clearTimeout(zone.timer);
    const { windowMs, maxWaitMs, maxWindowMs, minPauseMs, maxHoldMs, fullAt, spurtAt, spurtWindowMs } = this.timing;
    const { pauseMs = 0, recent = 0 } = this.rhythms.get(zoneId) ?? {};
    const urgent = zone.queued.some((e) => e.urgent);
    const grown = !urgent && pauseMs > minPauseMs && maxWindowMs > windowMs;
    // Counted over what arrived lately, not the batch alone: on a busy machine a zone's changes
    // come half a second apart, and the plain window would cut a spurt into batches of one or two.
    const spurt = !urgent && Math.max(recent, zone.queued.length) >= spurtAt;
    let window = grown ? Math.min(maxWindowMs, windowMs + 2 * pauseMs) : windowMs;
    if (spurt) window = Math.max(window, spurtWindowMs);
    if (zone.queued.length >= fullAt) window = 0;
    const delay = Math.max(0, Math.min(window, zone.since + (grown || spurt ? maxHoldMs : maxWaitMs) - Date.now()));
    zone.timer = setTimeout(() => void this.flush(zoneId, zone), delay);
  }

  private async flush(zoneId: string, zone: ZoneQueue<Entry<Intent, Change, Receipt>>): Promise<void> {
    zone.timer = undefined;
    zone.flushing = true;
    try {
      if (this.port.known && this.port.read) await this.flushKnown(zoneId, zone);
      else await this.flushFresh(zoneId, zone.queued.splice(0));
    } finally {
      zone.flushing = false;
      if (zone.queued.length === 0) this.zones.delete(zoneId);
      else this.schedule(zoneId, zone);
    }
  }

  /** Plans the entries on one fresh read and sends every batch. */
  private async flushFresh(zoneId: string, entries: Entry<Intent, Change, Receipt>[]): Promise<void> {
    try {
      await this.sendAll(zoneId, this.pack(this.settle(entries, await this.port.plan(zoneId, entries.map((e) => e.intent)))));
    } catch (err) {
      for (const e of entries) e.reject(err);
    }
  }

  /**
   * Cuts the batch when the write's slot is granted and plans it from what the port knows; what
   * does not fit the first batch, or a batch refused (perhaps planned on a stale state), goes after.
   */
  private async flushKnown(zoneId: string, zone: ZoneQueue<Entry<Intent, Change, Receipt>>): Promise<void> {
    if (this.port.known!(zoneId, []) === undefined) {
      try {
        await this.port.read!(zoneId);
      } catch (err) {
        for (const e of zone.queued.splice(0)) e.reject(err);
        return;
      }
    }
    let after: () => Promise<void> = async () => undefined;
    const write = async () => {
      const entries = zone.queued.splice(0);
      try {
        after = await this.cut(zoneId, entries, this.options.slot !== undefined);
      } catch (err) {
        for (const e of entries) e.reject(err);
      }
    };
    await (this.options.slot ? this.options.slot(zoneId, write) : write());
    await after();
  }

  /** In the slot: plans the entries from what the port knows, sends the first batch; returns what is left to do. */
  private async cut(zoneId: string, entries: Entry<Intent, Change, Receipt>[], inSlot: boolean): Promise<() => Promise<void>> {
    const plans = this.port.known!(zoneId, entries.map((e) => e.intent));
    // The port lost what it knew since the read (a write of unknown outcome): a fresh plan, after the slot.
    if (!plans) return () => this.flushFresh(zoneId, entries);
    const [first, ...rest] = this.pack(this.settle(entries, plans));
    if (!first) return async () => undefined;
    try {
      const receipt = await this.port.send(zoneId, first.flatMap((e) => e.changes), inSlot);
      for (const e of first) e.resolve({ sent: true, receipt });
      return () => this.sendAll(zoneId, rest);
    } catch (err) {
      // A refused batch may rest on a stale state: plan it, and what was planned with it, afresh.
      if ((this.options.refused ?? isInvalidChange)(err)) return () => this.flushFresh(zoneId, [...first, ...rest.flat()]);
      for (const e of [...first, ...rest.flat()]) e.reject(err);
      return async () => undefined;
    }
  }

  /** Sends the batches in order; a throttled or failing backend gets no more calls from this flush: no storm. */
  private async sendAll(zoneId: string, batches: Entry<Intent, Change, Receipt>[][]): Promise<void> {
    for (const [i, batch] of batches.entries()) {
      const failure = await this.sendIsolating(zoneId, batch);
      if (failure !== undefined) {
        for (const e of batches.slice(i + 1).flat()) e.reject(failure);
        return;
      }
    }
  }

  /** Takes each entry's plan: those needing nothing are resolved here, refused ones rejected; returns the rest. */
  private settle(entries: Entry<Intent, Change, Receipt>[], plans: BatchPlan<Change>[]): Entry<Intent, Change, Receipt>[] {
    return entries.filter((e, i) => {
      const plan = plans[i] ?? { error: new Error('the planner returned no plan for this change') };
      if ('error' in plan) e.reject(plan.error);
      else if (plan.changes.length === 0) e.resolve({ sent: false });
      else e.changes = plan.changes;
      return 'changes' in plan && plan.changes.length > 0;
    });
  }

  /**
   * Packs entries, in order, into batches within the limits; an entry is never split. Each goes in
   * the first batch it fits after the last one holding a record set it changes (so changes to one
   * record set keep their order).
   */
  private pack(entries: Entry<Intent, Change, Receipt>[]): Entry<Intent, Change, Receipt>[][] {
    const batches: { entries: Entry<Intent, Change, Receipt>[]; keys: Set<string>; cost: BatchCost<Limit> }[] = [];
    for (const entry of entries) {
      const cost = this.costOf(entry.changes);
      if (!this.within(cost)) {
        entry.reject((this.options.tooLarge ?? defaultTooLarge)(cost, this.options.limits!));
        continue;
      }
      const keys = this.options.key ? entry.changes.map(this.options.key) : [];
      const last = batches.findLastIndex((b) => keys.some((k) => b.keys.has(k)));
      let batch = batches.slice(last + 1).find((b) => !keys.some((k) => b.keys.has(k)) && this.within(this.add(b.cost, cost)));
      if (!batch) batches.push((batch = { entries: [], keys: new Set(), cost: this.costOf([]) }));
      batch.entries.push(entry);
      for (const k of keys) batch.keys.add(k);
      batch.cost = this.add(batch.cost, cost);
    }
    return batches.map((b) => b.entries);
  }

  private costOf(changes: Change[]): BatchCost<Limit> {
    const { cost } = this.options;
    const zero = Object.fromEntries(Object.keys(this.options.limits ?? {}).map((l) => [l, 0])) as BatchCost<Limit>;
    return cost ? changes.map(cost).reduce((a, b) => this.add(a, b), zero) : zero;
  }

  private add(a: BatchCost<Limit>, b: BatchCost<Limit>): BatchCost<Limit> {
    return Object.fromEntries(Object.keys(a).map((l) => [l, a[l as Limit] + (b[l as Limit] ?? 0)])) as BatchCost<Limit>;
  }

  private within(cost: BatchCost<Limit>): boolean {
    const limits = this.options.limits;
    return !limits || Object.keys(limits).every((l) => cost[l as Limit] <= limits[l as Limit]);
  }

  /**
   * Sends a batch. Refused as a whole: the changes the refusal names are set aside and the rest sent
   * at once, then each suspect alone; with none named, the batch is halved until the bad change
   * stands alone. Returns the error that should stop the flush (throttling, an outage), if any.
   */
  private async sendIsolating(zoneId: string, batch: Entry<Intent, Change, Receipt>[]): Promise<unknown> {
    const refused = this.options.refused ?? isInvalidChange;
    try {
      const receipt = await this.port.send(zoneId, batch.flatMap((e) => e.changes));
      for (const e of batch) e.resolve({ sent: true, receipt });
      return undefined;
    } catch (err) {
      if (!refused(err) || batch.length === 1) {
        for (const e of batch) e.reject(err);
        return refused(err) ? undefined : err;
      }
      const named = this.options.named;
      const suspect = (e: Entry<Intent, Change, Receipt>) => named !== undefined && e.changes.some((c) => named(err, c));
      const suspects = batch.filter(suspect);
      const groups = suspects.length > 0 && suspects.length < batch.length ? [batch.filter((e) => !suspect(e)), ...suspects.map((s) => [s])] : halves(batch);
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
