// Everything shared by the records of one ProviderConfig on a DNS backend: the zone directory, the
// zone listings, the per-zone batcher and the submissions. Kept by the long-lived connector.
import { ZoneBatcher, type BatchPlan, type BatchPort } from '../batch.ts';
import { isAdapterError } from '../errors.ts';
import { ProviderReason } from '../reasons.ts';
import { planChanges, type DnsChange, type DnsIntent } from './plan.ts';
import type { DnsBackend } from './port.ts';
import { keyOf } from './records.ts';
import { Submissions } from './submissions.ts';
import { ZoneDirectory, ZoneRecords } from './zones.ts';

/** No answer at all may mean the write happened; a refusal (invalid, throttled) means it did not. */
const outcomeUnknown = (err: unknown) => !isAdapterError(err) || err.reason === ProviderReason.ProviderUnavailable || err.reason === ProviderReason.ProviderError;

export class DnsAccount<Receipt> {
  readonly fingerprint: string;
  readonly backend: DnsBackend<Receipt>;
  readonly zones: ZoneDirectory;
  readonly records: ZoneRecords;
  readonly submissions: Submissions<Receipt>;
  readonly now: () => number;
  private readonly batcher: ZoneBatcher<DnsIntent, DnsChange, Receipt>;

  constructor(backend: DnsBackend<Receipt>, fingerprint: string, now: () => number) {
    this.backend = backend;
    this.fingerprint = fingerprint;
    this.now = now;
    this.zones = new ZoneDirectory((ref) => backend.zone(ref), now, backend.zones ? () => backend.zones!() : undefined);
    this.records = new ZoneRecords((zoneId, sent) => backend.list(zoneId, sent), (zoneId) => this.zones.forget(zoneId), now);
    this.submissions = new Submissions<Receipt>(now);
    const fresh: BatchPort<DnsIntent, DnsChange, Receipt> = {
      plan: async (zoneId, intents) => this.plan(intents, await this.records.records(zoneId, this.now())),
      send: (zoneId, changes, inSlot) => this.send(zoneId, changes, inSlot ?? false),
    };
    // A guarded backend's batch may be planned on the listing our own writes kept true: its guards
    // refuse it whole if the zone changed meanwhile. Otherwise every batch is planned on a listing
    // made for it, so a record set that appeared since is seen, not written over.
    const port: BatchPort<DnsIntent, DnsChange, Receipt> = backend.guarded
      ? { ...fresh, known: (zoneId, intents) => this.known(zoneId, intents), read: async (zoneId) => void (await this.records.records(zoneId, 0)) }
      : fresh;
    const slot = backend.guarded && backend.slot ? { slot: backend.slot.bind(backend) } : {};
    this.batcher = new ZoneBatcher(port, { ...backend.batch, ...slot, key: (c) => keyOf(c.recordSet) });
  }

  /**
   * Health checks being deleted by uid, once the batch that stopped naming them was accepted
   * (HealthChecks.prune after a replacement); observe reports them pending meanwhile.
   */
  readonly pruning = new Map<string, Promise<void>>();

  /** Queues the intent; its submission records how it ends, for observe to report. Settles with the batch. */
  submit(zoneId: string, intent: DnsIntent): Promise<unknown> {
    // A delete holds its object's finalizer (and `kubectl delete`): never held for the zone's rhythm.
    const done = this.batcher.submit(zoneId, intent, { urgent: intent.action === 'delete' });
    this.submissions.track(`${zoneId}|${keyOf(intent.desired)}`, intent.action, done);
    return done;
  }

  private plan(intents: DnsIntent[], listing: Parameters<typeof planChanges>[1]): BatchPlan<DnsChange>[] {
    const rules = { guarded: this.backend.guarded, escapes: this.backend.escapes };
    return intents.map((intent) => planChanges(intent, listing, rules));
  }

  /** Whether the zone's batch is held with changes queued (records arriving). */
  holds(zoneId: string): boolean {
    return this.batcher.holds(zoneId);
  }

  /** Each intent against the known listing, without a call; undefined when there is none. */
  private known(zoneId: string, intents: DnsIntent[]): BatchPlan<DnsChange>[] | undefined {
    const listing = this.records.known(zoneId);
    return listing && this.plan(intents, listing);
  }

  private async send(zoneId: string, changes: DnsChange[], inSlot: boolean): Promise<Receipt> {
    const receipt = await this.backend.submit(zoneId, changes, inSlot).catch((err: unknown) => {
      if (outcomeUnknown(err)) this.records.uncertain(zoneId);
      throw err;
    });
    this.records.applied(zoneId, changes);
    return receipt;
  }
}
