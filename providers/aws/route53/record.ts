// The DNSRecord adapter on Route 53. observe reads the live record set and its ownership record
// from a shared zone listing; create/update/delete hand an intent to the zone's batcher and return
// at once (observe then reports the change as awaited until Route 53 says INSYNC, or throws its
// typed error). Everything that is per account, not per record, lives in Route53Account, one per
// ProviderConfig, kept by the long-lived connector: the zone cache, listings, batchers, changes.
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  ConflictError,
  TerminalError,
  isAdapterError,
  type Connector,
  type DeleteResult,
  type ExternalClient,
  type ManagedResource,
  type Observation,
  type ProviderConnection,
  type WriteQueued,
} from '../../../sdk/index.ts';
import { fqdn as fqdnOf, inZone, type DNSRecordAtProvider, type DNSRecordSpec } from '../../../src/api/dnsrecord.ts';
import { AwsReason } from '../common/classify.ts';
import { AwsCaller, awsClientConfig, awsSettings, sendWithCallSignal } from '../common/client.ts';
import { connectionFingerprint } from '../common/pool.ts';
import { route53Batcher, type BatchOptions, type Route53Batcher, type ChangeInfo, type Plan, type PlannedChange } from './batcher.ts';
import { ChangeTracker, bareChangeId } from './changes.ts';
import { OWNERSHIP_TTL, ownershipName, ownershipValue, parseOwnership, refuseReservedName } from './ownership.ts';
import { desiredRecord, diffRecord, keyOf, toRoute53, type RecordSet } from './state.ts';
import { ZONE_DEFAULTS, ZoneDirectory, ZoneRecords, type Zone, type ZoneListing } from './zones.ts';
import { recordConnectionDetails } from './connection.ts';

export interface RecordConnectorOptions {
  /** Per-zone batching; defaults in BATCH_DEFAULTS. */
  batch?: BatchOptions;
}

type Spec = DNSRecordSpec;
type AtProvider = DNSRecordAtProvider;

/** A change to one record set and its ownership record, as queued for a zone's batch. */
interface Intent {
  action: 'upsert' | 'delete';
  desired: RecordSet;
  ownership: RecordSet;
  mark: string;
  /** The reconciler decided an unmarked record set may be taken (adopt, or our own half-done create). */
  mayTakeUnowned: boolean;
  /** The endpoint keeps Route 53's change guards (see planOne). */
  guarded: boolean;
}

/** The last change handed to the batcher for one record set. */
interface Submission {
  action: Intent['action'];
  state: 'queued' | 'sent' | 'failed';
  change?: ChangeInfo | undefined;
  /** When Route 53 accepted it: the known listing holds the record set as of then. */
  sentAt?: number | undefined;
  error?: unknown;
}

/** Everything shared by the records of one ProviderConfig (one account, one limiter). */
class Route53Account {
  readonly fingerprint: string;
  readonly r53: Route53Client;
  readonly aws: AwsCaller;
  readonly zones: ZoneDirectory;
  readonly records: ZoneRecords;
  readonly changes: ChangeTracker;
  readonly batcher: Route53Batcher<Intent>;
  /**
   * The endpoint keeps Route 53's change guards (settings.route53ChangeGuards; default: AWS itself,
   * not an endpoint override). Without them a plan must rest on a listing made for it, and its
   * writes are UPSERTs and exact DELETEs (planOne).
   */
  readonly guarded: boolean;
  /** By zone id and record key. */
  readonly submissions = new Map<string, Submission>();

  constructor(connection: ProviderConnection, fingerprint: string, options: RecordConnectorOptions) {
    this.fingerprint = fingerprint;
    this.r53 = sendWithCallSignal(new Route53Client(awsClientConfig(connection)));
    // Every Route 53 request of the account, zone look-ups included, shares the one limiter.
    this.aws = new AwsCaller(connection.limiter?.('route53'));
    this.zones = new ZoneDirectory(this.r53, this.aws);
    this.records = new ZoneRecords(this.r53, this.aws, (zoneId) => this.zones.forget(zoneId));
    this.changes = new ChangeTracker(this.r53, this.aws);
    this.guarded = awsSettings(connection).route53ChangeGuards ?? !connection.endpoint;
    const fresh = {
      plan: (zoneId: string, intents: Intent[]) => this.plan(zoneId, intents),
      send: (zoneId: string, changes: PlannedChange[], inSlot?: boolean) => this.send(zoneId, changes, inSlot),
    };
    // With the guards, a batch may be planned on the listing our own writes kept true (issue 8):
    // the guards refuse it whole if the zone changed meanwhile. Without them, every batch is
    // planned on a listing made for it, so a record set that appeared since is seen, not written over.
    this.batcher = this.guarded
      ? route53Batcher<Intent>(
          {
            ...fresh,
            known: (zoneId: string, intents: Intent[]) => this.known(zoneId, intents),
            read: async (zoneId: string) => void (await this.records.records(zoneId, 0)),
          },
          options.batch,
          (_zoneId, write) => this.aws.reserve(write),
        )
      : route53Batcher<Intent>(fresh, options.batch);
  }

  /** Queues the intent; the submission records how it ends, for observe to report. */
  submit(zoneId: string, intent: Intent): void {
    const key = `${zoneId}|${keyOf(intent.desired)}`;
    const submission: Submission = { action: intent.action, state: 'queued' };
    this.submissions.set(key, submission);
    this.batcher.submit(zoneId, intent).then(
      ({ receipt }) => {
        submission.state = 'sent';
        submission.change = receipt;
        submission.sentAt = Date.now();
      },
      (err: unknown) => {
        submission.state = 'failed';
        submission.error = err;
      },
    );
  }

  /** Each intent against one fresh listing: what must change, or why it must not. */
  private async plan(zoneId: string, intents: Intent[]): Promise<Plan[]> {
    const listing = await this.records.records(zoneId, Date.now());
    return intents.map((intent) => planOne(intent, listing));
  }

  /** Each intent against the listing our own writes kept true, without a call; undefined when there is none. */
  private known(zoneId: string, intents: Intent[]): Plan[] | undefined {
    const listing = this.records.known(zoneId);
    return listing && intents.map((intent) => planOne(intent, listing));
  }

  private async send(zoneId: string, changes: PlannedChange[], inSlot = false): Promise<ChangeInfo> {
    const answer = await this.aws
      .call(
        `Route 53 ChangeResourceRecordSets on zone ${zoneId} (${changes.length} changes)`,
        () =>
          this.r53.send(
            new ChangeResourceRecordSetsCommand({
              HostedZoneId: zoneId,
              ChangeBatch: { Comment: 'mooring', Changes: changes.map((c) => ({ Action: c.action, ResourceRecordSet: toRoute53(c.recordSet) })) },
            }),
          ),
        undefined,
        inSlot,
      )
      .catch((err: unknown) => {
        // Refused (invalid, throttled) means nothing changed; no answer at all may mean it did.
        if (!isAdapterError(err) || err.reason === AwsReason.ProviderUnavailable || err.reason === AwsReason.ProviderError) this.records.uncertain(zoneId);
        throw err;
      });
    this.records.applied(zoneId, changes);
    const change = { id: bareChangeId(answer.ChangeInfo?.Id ?? ''), status: answer.ChangeInfo?.Status ?? 'PENDING' };
    this.changes.submitted(change.id, change.status);
    return change;
  }
}

/**
 * The changes one intent needs, given the zone as listed (perhaps a while ago: our own writes
 * since are in it, others' may not be). With Route 53's guards (`intent.guarded`), every change is
 * guarded so a stale plan fails whole and never overwrites what is not ours: a record set we think
 * absent is CREATEd (refused if it exists), one we delete is DELETEd with the values read (refused
 * if they changed), and an update DELETEs our ownership record as read and CREATEs it anew in the
 * same batch (refused if it is no longer ours). A refused batch is planned again on a fresh
 * listing (ZoneBatcher).
 *
 * Without them (moto), the plan rests on a listing made for this batch, and a write is an UPSERT:
 * moto refuses a CREATE it journalled once before, even of a record set deleted since (so our
 * ownership record's DELETE+CREATE, the same text each time, is refused for ever), and lets a
 * CREATE add a second record set beside one that exists. The ownership record is written only when
 * absent or not as wanted. Both batches are ones AWS accepts too.
 *
 * Either way a CNAME is refused beside another record set of its name, and any record set beside a
 * CNAME (DNS forbids both; Route 53 refuses them, moto does not).
 */
export function planOne(intent: Intent, listing: ZoneListing): Plan {
  const live = listing.get(keyOf(intent.desired));
  const liveOwnership = listing.get(keyOf(intent.ownership));
  const liveMark = parseOwnership(liveOwnership?.values);
  const what = `${intent.desired.type} ${intent.desired.name}`;
  if (liveMark !== undefined && liveMark !== intent.mark) {
    return { error: new ConflictError(AwsReason.Conflict, `the record set ${what} became owned by ${liveMark} since it was observed; observing again`) };
  }
  if (liveMark === undefined && live && !intent.mayTakeUnowned) {
    return { error: new ConflictError(AwsReason.Conflict, `the record set ${what} appeared, without an ownership record, since it was observed; observing again`) };
  }
  if (live?.duplicated || liveOwnership?.duplicated) {
    const which = live?.duplicated ? what : `${intent.ownership.type} ${intent.ownership.name}`;
    return { error: new TerminalError(AwsReason.Conflict, `the zone holds two record sets ${which} (an endpoint without Route 53's CREATE guard let a second one in); mooring writes and deletes neither. Remove the one that is not wanted.`) };
  }
  const changes: PlannedChange[] = [];
  if (intent.action === 'delete') {
    // DELETE must name the live values exactly, so they come from the fresh listing.
    if (live) changes.push({ action: 'DELETE', recordSet: live });
    if (liveOwnership && liveMark === intent.mark) changes.push({ action: 'DELETE', recordSet: liveOwnership });
    return { changes };
  }
  const clash = cnameClash(intent.desired, listing);
  if (clash) return { error: clash };
  const create = intent.guarded ? 'CREATE' : 'UPSERT';
  if (!live) changes.push({ action: create, recordSet: intent.desired });
  else if (diffRecord(intent.desired, live).length) changes.push({ action: 'UPSERT', recordSet: intent.desired });
  const ownershipStale = !liveOwnership || diffRecord(intent.ownership, liveOwnership).length > 0;
  if (!liveOwnership) changes.push({ action: create, recordSet: intent.ownership });
  else if (intent.guarded && (changes.length || ownershipStale)) {
    changes.push({ action: 'DELETE', recordSet: liveOwnership }, { action: 'CREATE', recordSet: intent.ownership });
  } else if (ownershipStale) changes.push({ action: 'UPSERT', recordSet: intent.ownership });
  return { changes };
}

/**
 * A CNAME shares its name with no other record set (RFC 1034 §3.6.2; Route 53 and PowerDNS refuse
 * it): the error when the listing holds one the desired record set would sit beside.
 */
export function cnameClash(desired: RecordSet, listing: ZoneListing): TerminalError | undefined {
  for (const other of listing.values()) {
    if (other.name !== desired.name || other.type === desired.type) continue;
    if (desired.type === 'CNAME') {
      return new TerminalError(AwsReason.CnameConflict, `a CNAME at ${desired.name} cannot sit beside the ${other.type} record set there (DNS allows no other record beside a CNAME); remove that record set, or choose another name`);
    }
    if (other.type === 'CNAME') {
      return new TerminalError(AwsReason.CnameConflict, `${desired.name} is a CNAME: the ${desired.type} record set cannot sit beside it (DNS allows no other record beside a CNAME); remove the CNAME, or choose another name`);
    }
  }
  return undefined;
}


export class RecordConnector implements Connector<Spec, AtProvider> {
  private readonly options: RecordConnectorOptions;
  private readonly accounts = new Map<string, Route53Account>();

  constructor(options: RecordConnectorOptions = {}) {
    this.options = options;
  }

  async connect(connection: ProviderConnection): Promise<ExternalClient<Spec, AtProvider>> {
    awsSettings(connection); // a bad ProviderConfig fails here, before any request
    const fingerprint = connectionFingerprint(connection);
    let account = this.accounts.get(connection.name);
    // A ProviderConfig that changed endpoint or credentials gets a fresh account.
    if (!account || account.fingerprint !== fingerprint) {
      account = new Route53Account(connection, fingerprint, this.options);
      this.accounts.set(connection.name, account);
    }
    return new RecordClient(account);
  }
}

class RecordClient implements ExternalClient<Spec, AtProvider> {
  private readonly account: Route53Account;

  constructor(account: Route53Account) {
    this.account = account;
  }

  async observe(resource: ManagedResource<Spec>): Promise<Observation<AtProvider>> {
    const located = await this.locate(resource).catch(zoneGone);
    // No zone, no record set: create then reports ZoneNotFound, and a delete has nothing to do.
    if (!located) return { exists: false, upToDate: false };
    const { zone, desired, ownership } = located;
    const atProvider: AtProvider = { hostedZoneId: zone.id, fqdn: desired.name };
    const key = `${zone.id}|${keyOf(desired)}`;
    const submission = this.account.submissions.get(key);
    if (submission?.state === 'queued') {
      return { exists: false, upToDate: false, atProvider, pending: { reason: 'Waiting', message: `waiting for its change to be sent to Route 53 (changes to zone ${zone.name} go together in one batch)` } };
    }
    if (submission?.state === 'failed') {
      this.account.submissions.delete(key);
      throw submission.error;
    }
    // Route 53 accepted the batch that carried our create or update (one planned with no change was never sent).
    const written = submission?.state === 'sent' && submission.action === 'upsert' && submission.change !== undefined ? { written: true } : {};
    const change = submission?.change ?? recordedChange(resource.recorded, zone.id);
    if (change) {
      const status = change.status === 'INSYNC' && !submission ? 'INSYNC' : await this.account.changes.status(change.id);
      Object.assign(atProvider, { changeId: change.id, changeStatus: status });
      if (status === 'PENDING') return { exists: false, upToDate: false, atProvider, ...written, pending: { reason: 'Waiting', message: `waiting for Route 53 change ${change.id} to be INSYNC` } };
    }
    const listing = await this.listing(zone.id, submission, change === undefined, [keyOf(desired), keyOf(ownership)]).catch(zoneGone);
    // Settled, and past the seconds the known listing answers for it: status keeps the change id
    // from here on, so the account need not hold one submission per record for ever. A delete of
    // ours is kept until it is seen gone (below): the known listing answers for it till then.
    const keptFor = submission?.action === 'delete' ? ZONE_DEFAULTS.ownDeleteMaxAgeMs : ZONE_DEFAULTS.listingMaxAgeMs;
    if (submission?.state === 'sent' && (submission.sentAt ?? 0) < Date.now() - keptFor) this.account.submissions.delete(key);
    if (!listing) return { exists: false, upToDate: false };
    const live = listing.get(keyOf(desired));
    const liveOwnership = listing.get(keyOf(ownership));
    const mark = parseOwnership(liveOwnership?.values);
    if (!live && submission?.action === 'delete') this.account.submissions.delete(key);
    // Our ownership record alone still counts: deleting must remove it, updating rewrites the record.
    if (!live && mark === undefined) return { exists: false, upToDate: false, atProvider, ...written };
    const diff = diffRecord(desired, live);
    // What the zone serves now (none while only our ownership record is there).
    const connectionDetails = live ? { connectionDetails: recordConnectionDetails(live) } : {};
    return { exists: true, upToDate: diff.length === 0, ownershipMark: mark, atProvider, ...written, ...connectionDetails, ...(diff.length ? { diff } : {}) };
  }

  /**
   * A listing a few seconds old, or the known listing (no call) where it is as good: for a record
   * set whose change Route 53 accepted within those seconds (the listing holds that change); and,
   * up to `knownMaxAgeMs` old, for one it shows present, or absent and never changed by us (what
   * follows is guarded, see ZONE_DEFAULTS).
   */
  private listing(zoneId: string, submission: Submission | undefined, neverChanged: boolean, keys: string[]): Promise<ZoneListing> {
    const now = Date.now();
    const { records } = this.account;
    const known = records.known(zoneId);
    const present = known !== undefined && keys.some((k) => known.has(k));
    const deletedByUs = submission?.action === 'delete' && submission.state === 'sent';
    if (known && knownAnswers({ now, sentAt: submission?.sentAt, knownSince: records.knownSince(zoneId), neverChanged, present, deletedByUs })) return Promise.resolve(known);
    return records.records(zoneId, now - ZONE_DEFAULTS.listingMaxAgeMs);
  }

  async create(resource: ManagedResource<Spec>): Promise<WriteQueued> {
    await this.submit(resource, 'upsert', false);
    return { queued: true };
  }

  // The reconciler also lets a resource take an unmarked thing after a create of its own that
  // crashed half-way (create-pending). Our record set and its ownership record are written in one
  // atomic batch, so an unmarked record set is never our half-done create: only adopt allows it.

  async update(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<WriteQueued> {
    if (observation.ownershipMark === undefined && !resource.spec.adopt) throw notOwned(resource);
    await this.submit(resource, 'upsert', resource.spec.adopt);
    return { queued: true };
  }

  async delete(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<DeleteResult> {
    if (!observation.exists) return { done: true };
    // Not ours, not adopted: nothing of ours to delete, so the resource may go and leave it.
    if (observation.ownershipMark === undefined && !resource.spec.adopt) return { done: true };
    await this.submit(resource, 'delete', resource.spec.adopt);
    return { done: false, progress: 'deleting the record set and its ownership record', requeueAfterMs: 1000 };
  }

  async disconnect(): Promise<void> {
    // The account's client and caches outlive one reconcile.
  }

  private async submit(resource: ManagedResource<Spec>, action: Intent['action'], mayTakeUnowned: boolean): Promise<void> {
    const { zone, desired, ownership } = await this.locate(resource);
    this.account.submit(zone.id, { action, desired, ownership, mark: resource.ownershipMark, mayTakeUnowned, guarded: this.account.guarded });
  }

  /** The zone, and the record set and ownership record the spec asks for in it. */
  private async locate(resource: ManagedResource<Spec>): Promise<{ zone: Zone; desired: RecordSet; ownership: RecordSet }> {
    const { spec } = resource;
    refuseReservedName(spec.name); // before the zone look-up: no call at all for a forged name
    const zone = await this.account.zones.resolve(spec.zone);
    const name = fqdnOf(spec.name, zone.name);
    if (!inZone(name, zone.name)) throw new TerminalError(AwsReason.InvalidSpec, `spec.name ${spec.name} is not in the zone ${zone.name} (${zone.id})`);
    if (spec.type === 'CNAME' && name === zone.name) {
      throw new TerminalError(AwsReason.InvalidSpec, `spec.name ${spec.name} is the apex of zone ${zone.name}, where a CNAME cannot sit`);
    }
    const desired = desiredRecord(spec, name);
    const ownership: RecordSet = { name: ownershipName(name, spec.type, spec.weighted?.setIdentifier), type: 'TXT', ttl: OWNERSHIP_TTL, values: [ownershipValue(resource.ownershipMark)] };
    return { zone, desired, ownership };
  }
}

/** Whether the known listing may answer an observe (see RecordClient.listing and ZONE_DEFAULTS). */
export function knownAnswers(c: { now: number; sentAt: number | undefined; knownSince: number | undefined; neverChanged: boolean; present: boolean; deletedByUs?: boolean }): boolean {
  if ((c.sentAt ?? -Infinity) >= c.now - ZONE_DEFAULTS.listingMaxAgeMs) return true;
  // This process's own DELETE, accepted by Route 53 (atomic, exact values) and INSYNC: the record
  // set is gone, whatever the age of the listing our write went through. (A listing's age matters
  // for what others wrote; a record set this process deleted cannot come back as ours unless this
  // process writes it.)
  if (c.deletedByUs) return true;
  return (c.present || c.neverChanged) && (c.knownSince ?? -Infinity) >= c.now - ZONE_DEFAULTS.knownMaxAgeMs;
}

/** A change the last pass recorded in status, when it belongs to this zone. */
function recordedChange(recorded: Record<string, unknown> | undefined, zoneId: string): ChangeInfo | undefined {
  const id = recorded?.changeId;
  if (typeof id !== 'string' || recorded?.hostedZoneId !== zoneId) return undefined;
  return { id, status: recorded.changeStatus === 'INSYNC' ? 'INSYNC' : 'PENDING' };
}

function notOwned(resource: ManagedResource<Spec>): TerminalError {
  return new TerminalError(
    AwsReason.NotOwned,
    `a ${resource.spec.type} record set ${resource.spec.name} exists without a mooring ownership record; it is left untouched. Set spec.adopt: true to take it over.`,
  );
}

function zoneGone(err: unknown): undefined {
  if (isAdapterError(err) && err.reason === AwsReason.ZoneNotFound) return undefined;
  throw err;
}
