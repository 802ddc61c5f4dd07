// The DNSRecord adapter on PowerDNS. observe reads the live record set and its ownership record
// from a shared zone listing; create/update/delete hand an intent to the zone's batcher and return
// at once (observe reports the change as awaited until its PATCH went through, or throws its typed
// error). What is per ProviderConfig, not per record, lives in PdnsAccount: the API client, the
// zone directory and listings, the batcher and the submissions.
import {
  ConflictError,
  TerminalError,
  isAdapterError,
  type Connector,
  type DNSRecordAtProvider,
  type DNSRecordSpec,
  type DeleteResult,
  type ExternalClient,
  type ManagedResource,
  type Observation,
  type ProviderConnection,
} from '../../sdk/index.ts';
import { PdnsApi, pdnsSettings, type RRsetChange } from './api.ts';
import { pdnsBatcher, type BatchOptions, type PdnsBatcher, type Plan } from './batcher.ts';
import { absolute, inZone } from './names.ts';
import { OWNERSHIP_TTL, ownershipContent, ownershipName, parseOwnership, refuseReservedName } from './ownership.ts';
import { PdnsReason } from './reasons.ts';
import { desiredRRset, diffRRset, keyOf, type RRset } from './rrset.ts';
import { ZONE_DEFAULTS, ZoneDirectory, ZoneRecords, isZoneGone, type Zone, type ZoneListing } from './zones.ts';
import { recordConnectionDetails } from './connection.ts';

export interface RecordConnectorOptions {
  /** Per-zone batching; defaults in BATCH_DEFAULTS. */
  batch?: BatchOptions;
}

type Spec = DNSRecordSpec;
type AtProvider = DNSRecordAtProvider;

/** A change to one record set and its ownership record, as queued for a zone's PATCH. */
export interface Intent {
  action: 'replace' | 'delete';
  desired: RRset;
  ownership: RRset;
  mark: string;
  /** The resource adopts: an unmarked record set may be taken. */
  mayTakeUnowned: boolean;
}

/** The last change handed to the batcher for one record set, until observe has seen its end. */
interface Submission {
  state: 'queued' | 'failed';
  error?: unknown;
}

/** Everything shared by the records of one ProviderConfig. */
class PdnsAccount {
  readonly fingerprint: string;
  readonly zones: ZoneDirectory;
  readonly records: ZoneRecords;
  private readonly api: PdnsApi;
  private readonly batcher: PdnsBatcher<Intent>;
  /** By zone id and record set key. */
  readonly submissions = new Map<string, Submission>();

  constructor(connection: ProviderConnection, options: RecordConnectorOptions) {
    const settings = pdnsSettings(connection);
    this.fingerprint = settings.fingerprint;
    this.api = new PdnsApi(settings, connection.limiter?.('powerdns'));
    this.zones = new ZoneDirectory(this.api);
    this.records = new ZoneRecords(this.api, (zoneId) => this.zones.forget(zoneId));
    this.batcher = pdnsBatcher<Intent>({ plan: (zoneId, intents) => this.plan(zoneId, intents), send: (zoneId, changes) => this.send(zoneId, changes) }, options.batch);
  }

  /** Queues the intent; the submission records a failure for observe to report. */
  submit(zoneId: string, intent: Intent): void {
    const key = `${zoneId}|${keyOf(intent.desired)}`;
    const submission: Submission = { state: 'queued' };
    this.submissions.set(key, submission);
    this.batcher.submit(zoneId, intent).then(
      () => this.submissions.get(key) === submission && this.submissions.delete(key),
      (err: unknown) => Object.assign(submission, { state: 'failed', error: err }),
    );
  }

  /** Each intent against one fresh listing: what must change, or why it must not. */
  private async plan(zoneId: string, intents: Intent[]): Promise<Plan[]> {
    const listing = await this.records.records(zoneId, Date.now());
    return intents.map((intent) => planOne(intent, listing));
  }

  private async send(zoneId: string, changes: RRsetChange[]): Promise<void> {
    await this.api.patch(zoneId, changes).catch((err: unknown) => {
      // A refusal means nothing changed; no answer at all may mean it did.
      if (!isAdapterError(err) || err.reason === PdnsReason.ProviderUnavailable || err.reason === PdnsReason.ProviderError) this.records.uncertain(zoneId);
      throw err;
    });
    this.records.applied(zoneId, changes);
  }
}

const replace = (rs: RRset): RRsetChange => ({ name: rs.name, type: rs.type, changetype: 'REPLACE', ttl: rs.ttl, records: rs.contents.map((content) => ({ content, disabled: false })) });
const remove = (rs: RRset): RRsetChange => ({ name: rs.name, type: rs.type, changetype: 'DELETE' });

/** The changes one intent needs, given the zone as it is now. */
export function planOne(intent: Intent, listing: ZoneListing): Plan {
  const live = listing.get(keyOf(intent.desired));
  const liveOwnership = listing.get(keyOf(intent.ownership));
  const liveMark = parseOwnership(liveOwnership?.contents);
  const what = `${intent.desired.type} ${intent.desired.name}`;
  if (liveMark !== undefined && liveMark !== intent.mark) {
    return { error: new ConflictError(PdnsReason.Conflict, `the record set ${what} became owned by ${liveMark} since it was observed; observing again`) };
  }
  if (liveMark === undefined && live && !intent.mayTakeUnowned) {
    return { error: new ConflictError(PdnsReason.Conflict, `the record set ${what} appeared, without an ownership record, since it was observed; observing again`) };
  }
  if (intent.action === 'delete') {
    // PowerDNS deletes a record set by name and type; the fresh listing says it is still ours.
    return { changes: [...(live ? [remove(live)] : []), ...(liveOwnership && liveMark === intent.mark ? [remove(liveOwnership)] : [])] };
  }
  const changes: RRsetChange[] = [];
  if (diffRRset(intent.desired, live).length) changes.push(replace(intent.desired));
  if (diffRRset(intent.ownership, liveOwnership).length) changes.push(replace(intent.ownership));
  return { changes };
}

export class RecordConnector implements Connector<Spec, AtProvider> {
  private readonly options: RecordConnectorOptions;
  private readonly accounts = new Map<string, PdnsAccount>();

  constructor(options: RecordConnectorOptions = {}) {
    this.options = options;
  }

  async connect(connection: ProviderConnection): Promise<ExternalClient<Spec, AtProvider>> {
    const fingerprint = pdnsSettings(connection).fingerprint; // a bad ProviderConfig fails here, before any request
    let account = this.accounts.get(connection.name);
    // A ProviderConfig that changed endpoint or key gets a fresh account.
    if (account?.fingerprint !== fingerprint) {
      account = new PdnsAccount(connection, this.options);
      this.accounts.set(connection.name, account);
    }
    return new RecordClient(account);
  }
}

/** What observe reports while our change waits for its zone's PATCH. */
const awaiting = (message: string): Pick<Observation, 'pending'> => ({ pending: { reason: 'Waiting', message } });

class RecordClient implements ExternalClient<Spec, AtProvider> {
  private readonly account: PdnsAccount;

  constructor(account: PdnsAccount) {
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
      return { exists: false, upToDate: false, atProvider, ...awaiting(`waiting for its change to be sent to PowerDNS (changes to zone ${zone.name} go together in one PATCH)`) };
    }
    if (submission?.state === 'failed') {
      this.account.submissions.delete(key);
      throw submission.error;
    }
    const listing = await this.account.records.records(zone.id, Date.now() - ZONE_DEFAULTS.listingMaxAgeMs).catch(zoneGone);
    if (!listing) return { exists: false, upToDate: false };
    const live = listing.get(keyOf(desired));
    const mark = parseOwnership(listing.get(keyOf(ownership))?.contents);
    // Our ownership record alone still counts: deleting must remove it, updating rewrites the record.
    if (!live && mark === undefined) return { exists: false, upToDate: false, atProvider };
    const diff = diffRRset(desired, live);
    // What the zone serves now (none while only our ownership record is there).
    const connectionDetails = live ? { connectionDetails: recordConnectionDetails(live) } : {};
    return { exists: true, upToDate: diff.length === 0, ownershipMark: mark, atProvider, ...connectionDetails, ...(diff.length ? { diff } : {}) };
  }

  async create(resource: ManagedResource<Spec>): Promise<void> {
    await this.submit(resource, 'replace');
  }

  async update(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<void> {
    if (observation.ownershipMark === undefined && !resource.spec.adopt) throw notOwned(resource);
    await this.submit(resource, 'replace');
  }

  async delete(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<DeleteResult> {
    if (!observation.exists) return { done: true };
    // Not ours, not adopted: nothing of ours to delete, so the resource may go and leave it.
    if (observation.ownershipMark === undefined && !resource.spec.adopt) return { done: true };
    await this.submit(resource, 'delete');
    return { done: false, progress: 'deleting the record set and its ownership record', requeueAfterMs: 500 };
  }

  async disconnect(): Promise<void> {
    // The account's client and caches outlive one reconcile.
  }

  // Our record set and its ownership record go in one atomic PATCH, so an unmarked record set is
  // never our own half-done create: only adopt lets us take one.
  private async submit(resource: ManagedResource<Spec>, action: Intent['action']): Promise<void> {
    const { zone, desired, ownership } = await this.locate(resource);
    this.account.submit(zone.id, { action, desired, ownership, mark: resource.ownershipMark, mayTakeUnowned: resource.spec.adopt });
  }

  /** The zone, and the record set and ownership record the spec asks for in it. */
  private async locate(resource: ManagedResource<Spec>): Promise<{ zone: Zone; desired: RRset; ownership: RRset }> {
    const { spec } = resource;
    if (spec.alias !== undefined) throw unsupported('spec.alias', 'Route 53 aliases');
    if (spec.weighted !== undefined) throw unsupported('spec.weighted', 'weighted routing');
    refuseReservedName(spec.name); // before the zone look-up: no call at all for a forged name
    const zone = await this.account.zones.resolve(spec.zone);
    const name = absolute(spec.name, zone.name);
    if (!inZone(name, zone.name)) throw new TerminalError(PdnsReason.InvalidSpec, `spec.name ${spec.name} is not in the zone ${zone.name}`);
    if (spec.type === 'CNAME' && name === zone.name) throw new TerminalError(PdnsReason.InvalidSpec, `spec.name ${spec.name} is the apex of zone ${zone.name}, where a CNAME cannot sit`);
    const desired = desiredRRset(spec, name);
    const ownership: RRset = { name: ownershipName(name, spec.type), type: 'TXT', ttl: OWNERSHIP_TTL, contents: [ownershipContent(resource.ownershipMark)] };
    return { zone, desired, ownership };
  }
}

function unsupported(field: string, what: string): TerminalError {
  return new TerminalError(PdnsReason.InvalidSpec, `${field}: PowerDNS has no ${what}; remove ${field}, or use a ProviderConfig of type aws`);
}

function notOwned(resource: ManagedResource<Spec>): TerminalError {
  return new TerminalError(
    PdnsReason.NotOwned,
    `a ${resource.spec.type} record set ${resource.spec.name} exists without a mooring ownership record; it is left untouched. Set spec.adopt: true to take it over.`,
  );
}

function zoneGone(err: unknown): undefined {
  if (isZoneGone(err)) return undefined;
  throw err;
}
