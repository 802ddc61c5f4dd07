// The DNSRecord adapter of the DNS kit, on any backend behind the port (port.ts). observe reads
// the live record set and its ownership record from a shared zone listing; create/update/delete
// hand an intent to the zone's batcher and return at once; observe then reports the change as
// pending until the backend took it (and, on a backend that applies later, until it applied it),
// `written` once it did, or throws its typed error.
import type { Connector, DeleteResult, ExternalClient, ManagedResource, Observation, ProviderConnection, WriteQueued } from '../contract.ts';
import { setIdentifierOf, type DNSRecordAtProvider, type DNSRecordSpec } from '../../src/api/dnsrecord.ts';
import { TerminalError } from '../errors.ts';
import { ProviderReason } from '../reasons.ts';
import { DnsAccount } from './account.ts';
import { absolute, inZone, type EscapeSyntax } from './names.ts';
import { OWNERSHIP_TTL, ownershipName, ownershipValue, parseOwnership, refuseReservedName } from './ownership.ts';
import type { DnsIntent } from './plan.ts';
import type { DnsBackendFactory, HealthCheckSeen } from './port.ts';
import { connectionDetails, desiredRecord, diffRecord, keyOf, type DnsRecordSet, type ZoneListing } from './records.ts';
import type { Submission } from './submissions.ts';
import { ZONE_DEFAULTS, isZoneGone, type Zone, type ZoneRef } from './zones.ts';

type Spec = DNSRecordSpec;
type AtProvider = DNSRecordAtProvider;

/**
 * How soon delete is called again after it queued its change: about when the batch has gone (the
 * reconciler's own pending poll also starts at 1 s).
 */
export const DELETE_REQUEUE_MS = 1_000;

export interface DnsKitOptions {
  /** The clock of the caches and submissions; tests inject one. */
  now?: () => number;
}

/** A Connector for DNSRecords on the backend a factory opens, one account per ProviderConfig. */
export class DnsRecordConnector<Receipt = void> implements Connector<Spec, AtProvider> {
  private readonly factory: DnsBackendFactory<Receipt>;
  private readonly now: () => number;
  private readonly accounts = new Map<string, DnsAccount<Receipt>>();

  constructor(factory: DnsBackendFactory<Receipt>, options: DnsKitOptions = {}) {
    this.factory = factory;
    this.now = options.now ?? Date.now;
  }

  async connect(connection: ProviderConnection): Promise<ExternalClient<Spec, AtProvider>> {
    return new DnsRecordClient(this.account(connection));
  }

  private account(connection: ProviderConnection): DnsAccount<Receipt> {
    const fingerprint = this.factory.fingerprint(connection); // a bad ProviderConfig fails here, before any request
    let account = this.accounts.get(connection.name);
    // A ProviderConfig that changed endpoint or credentials gets a fresh account.
    if (account?.fingerprint !== fingerprint) {
      account = new DnsAccount(this.factory.open(connection), fingerprint, this.now);
      this.accounts.set(connection.name, account);
    }
    return account;
  }

  /**
   * Every record set of one zone as the backend lists it, read only, through the same account (and
   * listing cache) observe uses; for `mooring import`. ZoneNotFound when there is no such zone.
   */
  async listZone(connection: ProviderConnection, ref: ZoneRef): Promise<{ zone: Zone; escapes: EscapeSyntax; records: DnsRecordSet[] }> {
    const account = this.account(connection);
    const zone = await account.zones.resolve(ref);
    const listing = await account.records.records(zone.id, account.now());
    return { zone, escapes: account.backend.escapes, records: [...listing.values()] };
  }
}

interface Located {
  zone: Zone;
  desired: DnsRecordSet;
  ownership: DnsRecordSet;
}

class DnsRecordClient<Receipt> implements ExternalClient<Spec, AtProvider> {
  private readonly account: DnsAccount<Receipt>;

  constructor(account: DnsAccount<Receipt>) {
    this.account = account;
  }

  async observe(resource: ManagedResource<Spec>): Promise<Observation<AtProvider>> {
    const located = await this.locate(resource).catch(zoneGone);
    // No zone, no record set: create then reports ZoneNotFound, and a delete has nothing to do.
    if (!located) return { exists: false, upToDate: false };
    const { zone, desired } = located;
    const { backend, submissions } = this.account;
    const atProvider: AtProvider = { hostedZoneId: zone.id, fqdn: desired.name };
    const key = `${zone.id}|${keyOf(desired)}`;
    const submission = submissions.get(key);
    if (submission?.state === 'queued') {
      const message = `waiting for its change to be sent to ${backend.label} (changes to zone ${zone.name} go together in ${backend.batchName})`;
      // Looked at again once the batch went, not polled each second while a zone's batch is held.
      return { exists: false, upToDate: false, atProvider, pending: { reason: 'Waiting', message, until: submission.settled } };
    }
    if (submission?.state === 'failed') {
      submissions.forget(key);
      throw submission.error;
    }
    // The backend accepted the batch that carried our create or update (one planned with no change was never sent).
    const written = submission?.action === 'upsert' && submission.wrote ? { written: true } : {};
    const followed = await backend.follow?.(zone, submission, resource.recorded);
    Object.assign(atProvider, followed?.atProvider);
    if (followed?.waiting) return { exists: false, upToDate: false, atProvider, ...written, pending: { reason: 'Waiting', message: followed.waiting } };
    const listing = await this.listing(zone.id, located, submission, followed === undefined).catch(zoneGone);
    this.settled(key, submission);
    if (!listing) return { exists: false, upToDate: false };
    const checks = await this.healthChecks(resource, listing.get(keyOf(desired))?.healthCheckId);
    if (checks?.id !== undefined) desired.healthCheckId = checks.id;
    if (checks?.stale.length && this.account.pruning.has(resource.uid)) {
      return { exists: true, upToDate: false, atProvider, ...written, pending: { reason: 'Waiting', message: `waiting for the health checks it replaced (${checks.stale.join(', ')}) to be deleted` } };
    }
    const seen = withHealthChecks(this.seen(located, listing, submission, key), checks, resource.ownershipMark);
    const named = listing.get(keyOf(desired))?.healthCheckId;
    return { ...seen, atProvider: { ...atProvider, ...(named !== undefined ? { healthCheckId: named } : {}) }, ...written };
  }

  /** The backend's view of the resource's health checks, told which ids the record set and the last status name. */
  private healthChecks(resource: ManagedResource<Spec>, named: string | undefined): Promise<HealthCheckSeen> | undefined {
    const recorded = resource.recorded?.healthCheckId;
    const ids = [named, typeof recorded === 'string' ? recorded : undefined].filter((id): id is string => id !== undefined);
    return this.account.backend.healthChecks?.observe(resource, resource.spec.healthCheck, ids);
  }

  /** What the listing shows of the record set and its ownership record. */
  private seen({ desired, ownership }: Located, listing: ZoneListing, submission: Submission<Receipt> | undefined, key: string): Observation<AtProvider> {
    const { escapes } = this.account.backend;
    const live = listing.get(keyOf(desired));
    const mark = parseOwnership(listing.get(keyOf(ownership))?.values, escapes);
    if (!live && submission?.action === 'delete') this.account.submissions.forget(key);
    // Our ownership record alone still counts: deleting must remove it, updating rewrites the record.
    if (!live && mark === undefined) return { exists: false, upToDate: false };
    const diff = diffRecord(desired, live, escapes);
    // What the zone serves now (none while only our ownership record is there).
    const details = live ? { connectionDetails: connectionDetails(live, escapes) } : {};
    return { exists: true, upToDate: diff.length === 0, ownershipMark: mark, ...details, ...(diff.length ? { diff } : {}) };
  }

  /**
   * Settled, and past the seconds the known listing answers for it: status keeps what matters
   * from here on, so the account need not hold one submission per record for ever. A delete of
   * ours is kept longer: the known listing answers for it till then.
   */
  private settled(key: string, submission: Submission<Receipt> | undefined): void {
    const keptFor = submission?.action === 'delete' ? ZONE_DEFAULTS.ownDeleteMaxAgeMs : ZONE_DEFAULTS.ownWriteMaxAgeMs;
    if (submission?.state === 'sent' && (submission.sentAt ?? 0) < this.account.now() - keptFor) this.account.submissions.forget(key);
  }

  /**
   * A listing a few seconds old, or (backends that allow it, `observeFromKnown`) the known listing,
   * without a call, where it is as good: see knownAnswers.
   */
  private listing(zoneId: string, { desired, ownership }: Located, submission: Submission<Receipt> | undefined, neverChanged: boolean): Promise<ZoneListing> {
    const { records, backend } = this.account;
    const now = this.account.now();
    const known = backend.observeFromKnown ? records.known(zoneId) : undefined;
    if (known) {
      const present = known.has(keyOf(desired)) || known.has(keyOf(ownership));
      const deletedByUs = submission?.action === 'delete' && submission.state === 'sent';
      const firstLook = submission?.action === 'upsert' && submission.state === 'sent' && !submission.looked;
      const burst = this.account.holds(zoneId);
      if (submission?.state === 'sent') submission.looked = true;
      if (knownAnswers({ now, sentAt: submission?.sentAt, knownSince: records.knownSince(zoneId), neverChanged, present, deletedByUs, firstLook, burst })) return Promise.resolve(known);
    }
    return records.records(zoneId, now - ZONE_DEFAULTS.listingMaxAgeMs);
  }

  async create(resource: ManagedResource<Spec>): Promise<WriteQueued> {
    await this.submit(resource, 'upsert', false, await this.account.backend.healthChecks?.ensure(resource, resource.spec.healthCheck));
    return { queued: true };
  }

  // The reconciler also lets a resource take an unmarked thing after a create of its own that
  // crashed half-way (create-pending). Our record set and its ownership record are written in one
  // atomic batch, so an unmarked record set is never our half-done create: only adopt allows it.

  async update(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<WriteQueued> {
    if (observation.ownershipMark === undefined && !resource.spec.adopt) throw notOwned(resource);
    const checks = this.account.backend.healthChecks;
    const id = await checks?.ensure(resource, resource.spec.healthCheck);
    const named = observation.atProvider?.healthCheckId;
    await checks?.prune(resource, [id, named]);
    const { done } = await this.submit(resource, 'upsert', resource.spec.adopt, id);
    // The check the record set names now goes once the batch that stops naming it was accepted.
    if (checks && named !== undefined && named !== id) this.pruneAfter(resource, done.then(() => checks.prune(resource, [id])));
    return { queued: true };
  }

  /** Tracks a deletion of replaced checks (observe reports it pending); a failed one is retried by the next update. */
  private pruneAfter(resource: ManagedResource<Spec>, pruned: Promise<void>): void {
    const { pruning } = this.account;
    const tracked = pruned.catch(() => undefined).finally(() => {
      if (pruning.get(resource.uid) === tracked) pruning.delete(resource.uid);
    });
    pruning.set(resource.uid, tracked);
  }

  async delete(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<DeleteResult> {
    // Our health checks go once no record set of ours names them any more.
    const pruned = async () => {
      await this.account.backend.healthChecks?.prune(resource, []);
      return { done: true };
    };
    if (!observation.exists) return pruned();
    // Not ours, not adopted: nothing of ours to delete, so the resource may go and leave it.
    if (observation.ownershipMark === undefined && !resource.spec.adopt) return pruned();
    if (this.account.backend.healthChecks && !(await this.recordThere(resource))) return pruned();
    await this.submit(resource, 'delete', resource.spec.adopt);
    return { done: false, progress: 'deleting the record set and its ownership record', requeueAfterMs: DELETE_REQUEUE_MS };
  }

  /**
   * The record set or its ownership record is listed (what delete removes before the health
   * checks). "There" may come from the known listing, as observe's "present" does (what follows
   * is the DELETE, planned again on a fresh listing if it finds nothing); "not there" only from a
   * listing at most 5 s old, since the health checks go next and must not while a record set
   * names them. (Each delete pass once cost a listing of its own: 10 zones relisted each 5 s.)
   */
  private async recordThere(resource: ManagedResource<Spec>): Promise<boolean> {
    const { zone, desired, ownership } = await this.locate(resource);
    const { records, backend } = this.account;
    const now = this.account.now();
    const there = (listing: ZoneListing) => listing.has(keyOf(desired)) || listing.has(keyOf(ownership));
    const known = backend.observeFromKnown ? records.known(zone.id) : undefined;
    if (known && there(known) && (records.knownSince(zone.id) ?? -Infinity) >= now - ZONE_DEFAULTS.knownMaxAgeMs) return true;
    return there(await records.records(zone.id, now - ZONE_DEFAULTS.listingMaxAgeMs));
  }

  async disconnect(): Promise<void> {
    // The account's client and caches outlive one reconcile.
  }

  private async submit(resource: ManagedResource<Spec>, action: DnsIntent['action'], mayTakeUnowned: boolean, healthCheckId?: string): Promise<{ done: Promise<unknown> }> {
    const { zone, desired, ownership } = await this.locate(resource);
    if (healthCheckId !== undefined) desired.healthCheckId = healthCheckId;
    // Wrapped: the write is queued, not awaited (the submission reports how the batch ended).
    return { done: this.account.submit(zone.id, { action, desired, ownership, mark: resource.ownershipMark, mayTakeUnowned }) };
  }

  /** The zone, and the record set and ownership record the spec asks for in it. */
  private async locate(resource: ManagedResource<Spec>): Promise<Located> {
    const { spec } = resource;
    const { backend, zones } = this.account;
    backend.refuse?.(spec);
    if (spec.healthCheck && !backend.healthChecks) throw new TerminalError(ProviderReason.HealthCheckUnsupported, `spec.healthCheck: ${backend.label} has no health checks; remove spec.healthCheck, or use a ProviderConfig of type aws (Route 53)`);
    refuseReservedName(spec.name, backend.escapes); // before the zone look-up: no call at all for a forged name
    const zone = await zones.resolve(spec.zone);
    const name = absolute(spec.name, zone.name);
    const where = zone.id === zone.name ? zone.name : `${zone.name} (${zone.id})`;
    if (!inZone(name, zone.name)) throw new TerminalError(ProviderReason.InvalidSpec, `spec.name ${spec.name} is not in the zone ${where}`);
    if (spec.type === 'CNAME' && name === zone.name) throw new TerminalError(ProviderReason.InvalidSpec, `spec.name ${spec.name} is the apex of zone ${where}, where a CNAME cannot sit`);
    const desired = desiredRecord(spec, name);
    const ownership: DnsRecordSet = { name: ownershipName(name, spec.type, setIdentifierOf(spec)), type: 'TXT', ttl: OWNERSHIP_TTL, values: [ownershipValue(resource.ownershipMark)] };
    return { zone, desired, ownership };
  }
}

/**
 * Whether the known listing may answer an observe: for a record set whose change the backend
 * accepted within the last seconds (the listing holds that change); up to `knownMaxAgeMs` old, for
 * one it shows present, or absent and never changed by us (what follows is guarded). Two more, so
 * records arriving over a minute cost a zone one listing (ZONE_DEFAULTS):
 * - `firstLook`: the first observe after our accepted write put the record set there, within
 *   `ownWriteMaxAgeMs` (it reports that write; the next observe, a drift check, follows the rules
 *   above);
 * - `burst`: the zone's batch is held while records keep arriving; an absent record set we never
 *   changed is answered up to `knownAbsentMaxAgeMs` old, as the create that follows joins that
 *   batch, whose guarded CREATE is refused (and planned again on a fresh listing) if it exists.
 */
export interface KnownQuestion {
  now: number;
  sentAt: number | undefined;
  knownSince: number | undefined;
  neverChanged: boolean;
  present: boolean;
  deletedByUs?: boolean | undefined;
  firstLook?: boolean | undefined;
  burst?: boolean | undefined;
}

export function knownAnswers(c: KnownQuestion): boolean {
  const sentAt = c.sentAt ?? -Infinity;
  if (sentAt >= c.now - ZONE_DEFAULTS.listingMaxAgeMs) return true;
  if (c.firstLook && c.present && sentAt >= c.now - ZONE_DEFAULTS.ownWriteMaxAgeMs) return true;
  // This process's own DELETE, accepted (atomic, exact values) and applied: the record set is
  // gone, whatever the age of the listing our write went through. (A listing's age matters for
  // what others wrote; a record set this process deleted cannot come back as ours unless this
  // process writes it.)
  if (c.deletedByUs) return true;
  const knownSince = c.knownSince ?? -Infinity;
  if (c.burst && !c.present && c.neverChanged && knownSince >= c.now - ZONE_DEFAULTS.knownAbsentMaxAgeMs) return true;
  return (c.present || c.neverChanged) && knownSince >= c.now - ZONE_DEFAULTS.knownMaxAgeMs;
}

/** The observation with the health check's drift, and this DNSRecord's stale checks, in its diff. */
function withHealthChecks(seen: Observation<AtProvider>, checks: HealthCheckSeen | undefined, mark: string): Observation<AtProvider> {
  if (!checks) return seen;
  if (!seen.exists) {
    // Our checks alone still count (found by the uid, so ours): deleting must remove them, an update writes the record set.
    if (checks.id === undefined && !checks.stale.length) return seen;
    return { exists: true, upToDate: false, ownershipMark: mark, diff: [{ path: 'values', observed: undefined, desired: 'the record set' }] };
  }
  const diff = [...(seen.diff ?? []), ...checks.diff];
  if (checks.stale.length) diff.push({ path: 'healthCheck', observed: checks.stale, desired: checks.id });
  return { ...seen, upToDate: diff.length === 0, ...(diff.length ? { diff } : {}) };
}

function notOwned(resource: ManagedResource<Spec>): TerminalError {
  return new TerminalError(
    ProviderReason.NotOwned,
    `a ${resource.spec.type} record set ${resource.spec.name} exists without a mooring ownership record; it is left untouched. Set spec.adopt: true to take it over.`,
  );
}

function zoneGone(err: unknown): undefined {
  if (isZoneGone(err)) return undefined;
  throw err;
}
