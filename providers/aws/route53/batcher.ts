// Changes to one hosted zone that arrive within a short window go to Route 53 as one
// ChangeResourceRecordSets call: the account allows 5 requests a second, so 200 records created
// at once must not cost 200 calls. One batch per zone is in flight at a time (Route 53 answers
// PriorRequestNotComplete to overlapping ones anyway); changes arriving meanwhile wait for the next.
//
// A flush plans every queued intent against one fresh read of the zone (so a write is never
// based on a stale observation), packs the planned changes into batches within Route 53's
// limits, and sends them. Route 53 refuses a whole batch for one bad change (InvalidChangeBatch):
// the batch is then split to isolate the bad change, which alone fails; the rest go through.
import { TerminalError, isAdapterError } from '../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { changeCost, type RecordSet } from './state.ts';

/** Defaults of the per-zone batcher; docs/dnsrecord.md points here. */
export const BATCH_DEFAULTS = {
  /** A batch goes once no change has joined it for this long... */
  windowMs: 500,
  /** ...or once its first change has waited this long, whichever comes first. */
  maxWaitMs: 3_000,
  /** Route 53: ResourceRecord elements in one request (an UPSERT counts twice). */
  maxValues: 1000,
  /** Route 53: characters of all values in one request (an UPSERT counts twice). */
  maxChars: 32_000,
} as const;

export type BatchOptions = { -readonly [K in keyof typeof BATCH_DEFAULTS]?: number };

export interface PlannedChange {
  action: 'CREATE' | 'UPSERT' | 'DELETE';
  recordSet: RecordSet;
}

/** One intent, planned: the changes it needs (none: the zone is already as wanted), or why not. */
export type Plan = { changes: PlannedChange[] } | { error: Error };

export interface ChangeInfo {
  id: string;
  status: string;
}

/** What the batcher needs from the record adapter; the two calls that reach Route 53. */
export interface BatchPort<Intent> {
  /** Plans the intents against one fresh read of the zone, in order. */
  plan(zoneId: string, intents: Intent[]): Promise<Plan[]>;
  /** Sends one ChangeResourceRecordSets call. */
  send(zoneId: string, changes: PlannedChange[]): Promise<ChangeInfo>;
}

/** How a submitted intent ended: the change that carried it, or none when nothing was needed. */
export type BatchResult = { change?: ChangeInfo | undefined };

interface Entry<Intent> {
  intent: Intent;
  resolve: (result: BatchResult) => void;
  reject: (err: unknown) => void;
}

interface Planned<Intent> extends Entry<Intent> {
  changes: PlannedChange[];
}

interface ZoneQueue<Intent> {
  queued: Entry<Intent>[];
  timer?: NodeJS.Timeout | undefined;
  /** When the oldest queued change arrived. */
  since: number;
  flushing: boolean;
}

const isInvalidChange = (err: unknown) => isAdapterError(err) && err.reason === AwsReason.InvalidChange;

export class ZoneBatcher<Intent> {
  private readonly port: BatchPort<Intent>;
  private readonly options: Required<BatchOptions>;
  private readonly zones = new Map<string, ZoneQueue<Intent>>();

  constructor(port: BatchPort<Intent>, options: BatchOptions = {}) {
    this.port = port;
    this.options = { ...BATCH_DEFAULTS, ...options };
  }

  /** Queues an intent for its zone's next batch; settles once that batch was sent (or refused). */
  submit(zoneId: string, intent: Intent): Promise<BatchResult> {
    let zone = this.zones.get(zoneId);
    if (!zone) this.zones.set(zoneId, (zone = { queued: [], since: Date.now(), flushing: false }));
    if (zone.queued.length === 0) zone.since = Date.now();
    const done = new Promise<BatchResult>((resolve, reject) => zone.queued.push({ intent, resolve, reject }));
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
      const planned = await this.plan(zoneId, entries);
      const batches = this.pack(planned);
      for (let i = 0; i < batches.length; i++) {
        const failure = await this.sendIsolating(zoneId, batches[i]!);
        // A throttled or failing Route 53 gets no more calls from this flush: no storm.
        if (failure !== undefined) {
          for (const rest of batches.slice(i + 1)) for (const e of rest) e.reject(failure);
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
  private async plan(zoneId: string, entries: Entry<Intent>[]): Promise<Planned<Intent>[]> {
    const plans = await this.port.plan(zoneId, entries.map((e) => e.intent));
    const planned: Planned<Intent>[] = [];
    entries.forEach((e, i) => {
      const plan = plans[i];
      if (!plan) e.reject(new Error('the planner returned no plan for this change'));
      else if ('error' in plan) e.reject(plan.error);
      else if (plan.changes.length === 0) e.resolve({});
      else planned.push({ ...e, changes: plan.changes });
    });
    return planned;
  }

  /** Packs entries, in order, into batches within Route 53's limits; an entry is never split. */
  private pack(planned: Planned<Intent>[]): Planned<Intent>[][] {
    const { maxValues, maxChars } = this.options;
    const batches: Planned<Intent>[][] = [];
    let current: Planned<Intent>[] = [];
    let values = 0;
    let chars = 0;
    for (const entry of planned) {
      const cost = entry.changes.map((c) => changeCost(c.action, c.recordSet)).reduce((a, b) => ({ values: a.values + b.values, chars: a.chars + b.chars }));
      if (cost.values > maxValues || cost.chars > maxChars) {
        entry.reject(
          new TerminalError(
            AwsReason.InvalidChange,
            `the record set is too large for one Route 53 change batch (${cost.values} values and ${cost.chars} characters with its ownership record, ` +
              `an UPSERT counting twice; Route 53 allows ${maxValues} and ${maxChars}); use fewer or shorter values`,
          ),
        );
        continue;
      }
      if (current.length && (values + cost.values > maxValues || chars + cost.chars > maxChars)) {
        batches.push(current);
        current = [];
        values = chars = 0;
      }
      current.push(entry);
      values += cost.values;
      chars += cost.chars;
    }
    if (current.length) batches.push(current);
    return batches;
  }

  /**
   * Sends a batch. Refused as invalid: when Route 53's message names some of its records, those
   * are set aside and the rest sent at once, then each suspect alone (1 + suspects calls, and a
   * wrong guess costs nothing but a call); otherwise the batch is halved until the bad change
   * stands alone. Returns the error that should stop the flush (throttling, an outage), if any.
   */
  private async sendIsolating(zoneId: string, batch: Planned<Intent>[]): Promise<unknown> {
    try {
      const change = await this.port.send(zoneId, batch.flatMap((e) => e.changes));
      for (const e of batch) e.resolve({ change });
      return undefined;
    } catch (err) {
      if (!isInvalidChange(err) || batch.length === 1) {
        for (const e of batch) e.reject(err);
        return isInvalidChange(err) ? undefined : err;
      }
      const message = (err as Error).message;
      const named = (e: Planned<Intent>) => e.changes.some((c) => message.includes(`'${c.recordSet.name}'`));
      const suspects = batch.filter(named);
      const groups = suspects.length > 0 && suspects.length < batch.length ? [batch.filter((e) => !named(e)), ...suspects.map((s) => [s])] : halves(batch);
      for (const group of groups) {
        const failure = await this.sendIsolating(zoneId, group);
        if (failure !== undefined) {
          for (const e of groups.slice(groups.indexOf(group) + 1).flat()) e.reject(failure);
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
