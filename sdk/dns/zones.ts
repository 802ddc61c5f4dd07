// Zones and what is in them, shared by every record of one ProviderConfig: a zone named in a spec
// is looked up once (and again after it vanished), and a zone's record sets are listed once for
// all the records observing it at about the same time (Route 53 allows 5 requests a second: one
// listing of 300 record sets a page beats a read per record). Clocks are injectable for tests.
import { isAdapterError } from '../errors.ts';
import { ProviderReason } from '../reasons.ts';
import { canonical } from './names.ts';
import { keyOf, type DnsRecordSet, type ZoneListing } from './records.ts';

export const ZONE_DEFAULTS = {
  /** How long a zone's id and name are trusted before they are looked up again. */
  zoneTtlMs: 10 * 60_000,
  /**
   * With the account's zones listed at once (`DnsBackend.zones`): a listing that lacks a name asked
   * is made again when older than this, for the zones made since (shared by the names asked then).
   */
  zoneRelistMs: 5_000,
  /**
   * How old the known listing may be to answer an observe without a call (backends whose port sets
   * `observeFromKnown`), where a stale answer cannot do harm: a record set present (what follows is
   * a write guarded by our ownership record or the values read), or one we never changed, absent
   * (a guarded CREATE follows). A burst of new records, or of deletes, then costs a zone one
   * listing each 15 s, not each 5 s.
   */
  knownMaxAgeMs: 15_000,
  /**
   * While the zone's batch is held (records arriving): how old the known listing may be to say that
   * a record set we never changed is absent. The create that follows joins that batch, whose
   * guarded CREATE is refused if the record set appeared meanwhile (and then planned again on a
   * fresh listing), so records arriving over two minutes cost a zone one listing, not one each 15 s.
   */
  knownAbsentMaxAgeMs: 120_000,
  /**
   * How long after our write the backend accepted the first observe of its record set (the one that
   * reports it written) may answer from the known listing: past the pending polls that follow a
   * long-held batch. Later observes are drift checks and follow `knownMaxAgeMs`.
   */
  ownWriteMaxAgeMs: 60_000,
  /**
   * How old a listing must be at most to say that a record set we changed is gone (a delete then
   * ends; a stale "gone" could leave a record set behind), and, without `observeFromKnown`, how old
   * a listing any observe may reuse.
   */
  listingMaxAgeMs: 5_000,
  /**
   * How long this process remembers a DELETE of its own that the backend accepted, for the known
   * listing to say "gone" without a call (it is forgotten sooner, once seen gone).
   */
  ownDeleteMaxAgeMs: 10 * 60_000,
} as const;

export interface Zone {
  /** The id in the backend's API (Route 53's `Z…`, PowerDNS's `example.com.`). */
  id: string;
  /** Canonical: lowercase with the trailing dot. */
  name: string;
}

/** A zone as a spec names it: by id or by name. */
export type ZoneRef = { id?: string | undefined; name?: string | undefined };

export const isZoneGone = (err: unknown) => isAdapterError(err) && err.reason === ProviderReason.ZoneNotFound;

/**
 * Every zone of the account when one request lists them all (Route 53: one page of 100), else
 * undefined (too many: each is looked up by name).
 */
export type ListZones = () => Promise<Zone[] | undefined>;

/**
 * Finds zones by id or name, coalescing concurrent look-ups and caching answers. With `listZones`,
 * a name is first sought in one listing of the account's zones shared by every name (records in
 * ten zones cost one call, not ten); a name it holds once is that zone, and a name it lacks or
 * holds twice is looked up alone, whose answer (ZoneNotFound, two zones of one name) stands.
 */
export class ZoneDirectory {
  private readonly lookUp: (ref: { id: string } | { name: string }) => Promise<Zone>;
  private readonly listZones: ListZones | undefined;
  private readonly cache = new Map<string, { at: number; zone: Promise<Zone> }>();
  private all?: { at: number; zones: Promise<Zone[] | undefined> } | undefined;
  private readonly now: () => number;

  constructor(lookUp: (ref: { id: string } | { name: string }) => Promise<Zone>, now: () => number = Date.now, listZones?: ListZones) {
    this.lookUp = lookUp;
    this.now = now;
    this.listZones = listZones;
  }

  resolve(ref: ZoneRef): Promise<Zone> {
    const by = ref.id !== undefined ? { id: ref.id } : { name: canonical(ref.name ?? '') };
    const key = 'id' in by ? `id:${by.id}` : `name:${by.name}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < ZONE_DEFAULTS.zoneTtlMs) return hit.zone;
    const entry = { at: this.now(), zone: 'id' in by ? this.lookUp(by) : this.byName(by.name) };
    this.cache.set(key, entry);
    entry.zone.catch(() => this.cache.get(key) === entry && this.cache.delete(key));
    return entry.zone;
  }

  /** Forgets a zone found gone, so the next look-up finds one made again under its name. */
  forget(zoneId: string): void {
    this.all = undefined;
    for (const [key, entry] of this.cache) {
      void entry.zone.then((z) => z.id === zoneId && this.cache.get(key) === entry && this.cache.delete(key), () => undefined);
    }
  }

  /**
   * The zone of that name: from the account's listing when it names it once (a listing that lacks
   * it, older than `zoneRelistMs`, is made again first: a zone made since), else looked up alone.
   */
  private async byName(name: string): Promise<Zone> {
    const once = (zones: Zone[] | undefined) => zones?.filter((z) => z.name === name);
    let listed = once(await this.accountZones(-Infinity));
    if (listed?.length === 0) listed = once(await this.accountZones(this.now() - ZONE_DEFAULTS.zoneRelistMs));
    return listed?.length === 1 ? listed[0]! : this.lookUp({ name });
  }

  /**
   * The account's zones, listed once for every name asked (a listing started before `notBefore`,
   * or older than the zone TTL, is not reused); undefined without a listing.
   */
  private accountZones(notBefore: number): Promise<Zone[] | undefined> {
    if (!this.listZones) return Promise.resolve(undefined);
    const now = this.now();
    if (this.all && this.all.at >= notBefore && now - this.all.at < ZONE_DEFAULTS.zoneTtlMs) return this.all.zones;
    // A failed listing (a policy from before the permission, throttling) is kept as "too many" is,
    // for the zone TTL: the names go one by one meanwhile, as without the listing, at no extra call.
    const entry = { at: now, zones: this.listZones().catch(() => undefined) };
    this.all = entry;
    return entry.zones;
  }
}

/** What a change does to a listing: the record set written, or removed. */
export interface ListingChange {
  action: 'CREATE' | 'UPSERT' | 'DELETE';
  recordSet: DnsRecordSet;
}

interface Listing {
  epoch: number;
  /**
   * When its first request left the account limiter: what it holds is at least that fresh. Unset
   * while it waits there (seconds, under load): a listing still queued is fresher than any asked.
   */
  sentAt?: number | undefined;
  records: Promise<ZoneListing>;
  arrived?: ZoneListing | undefined;
}

interface ZoneState {
  /** Bumped when a write may or may not have happened (a lost answer): older listings are void. */
  epoch: number;
  listing?: Listing | undefined;
}

/** Lists a zone through the port; `sent` is called when its first request leaves the limiter. */
export type ListZone = (zoneId: string, sent: () => void) => Promise<DnsRecordSet[]>;

/** Every record set of a zone, by name|type|set identifier, listed once for all who ask together. */
export class ZoneRecords {
  private readonly listZone: ListZone;
  private readonly zones = new Map<string, ZoneState>();
  private readonly now: () => number;
  /** Called when a listing finds the zone gone. */
  private readonly onGone: (zoneId: string) => void;

  constructor(listZone: ListZone, onGone: (zoneId: string) => void, now: () => number = Date.now) {
    this.listZone = listZone;
    this.onGone = onGone;
    this.now = now;
  }

  /** A listing started no earlier than `notBefore` and after our last write of unknown outcome. */
  records(zoneId: string, notBefore: number): Promise<ZoneListing> {
    let zone = this.zones.get(zoneId);
    if (!zone) this.zones.set(zoneId, (zone = { epoch: 0 }));
    const current = zone.listing;
    if (current && current.epoch === zone.epoch && (current.sentAt ?? Infinity) >= notBefore) return current.records;
    const listing: Listing = { epoch: zone.epoch, records: Promise.resolve<ZoneListing>(new Map()) };
    const records = this.list(zoneId, () => (listing.sentAt ??= this.now()));
    listing.records = records;
    zone.listing = listing;
    records.then(
      (arrived) => void (listing.arrived = arrived),
      (err: unknown) => {
        if (zone.listing === listing) zone.listing = undefined;
        if (isZoneGone(err)) this.onGone(zoneId);
      },
    );
    return records;
  }

  /**
   * The zone as last listed and changed by our own accepted writes since, without a call; undefined
   * before a listing arrived or after a write of unknown outcome. Guarded plans rest on it.
   */
  known(zoneId: string): ZoneListing | undefined {
    return this.knownListing(zoneId)?.arrived;
  }

  /** When the known listing was sent, or undefined when there is none. */
  knownSince(zoneId: string): number | undefined {
    return this.knownListing(zoneId)?.sentAt;
  }

  private knownListing(zoneId: string): Listing | undefined {
    const zone = this.zones.get(zoneId);
    return zone?.listing?.epoch === zone?.epoch && zone?.listing?.arrived ? zone.listing : undefined;
  }

  /**
   * The backend applied our batch (atomically): the cached listing takes the same changes, so
   * observing after our own write needs no new listing. A listing still in flight gets them once
   * it arrives (applying twice is harmless). Others' changes are seen at the next listing.
   */
  applied(zoneId: string, changes: readonly ListingChange[]): void {
    void this.zones.get(zoneId)?.listing?.records.then(
      (records) => {
        for (const c of changes) {
          if (c.action === 'DELETE') records.delete(keyOf(c.recordSet));
          else records.set(keyOf(c.recordSet), c.recordSet);
        }
      },
      () => undefined,
    );
  }

  /** A write whose outcome is unknown (no answer): listings from before no longer count. */
  uncertain(zoneId: string): void {
    const zone = this.zones.get(zoneId);
    if (zone) zone.epoch++;
  }

  private async list(zoneId: string, sent: () => void): Promise<ZoneListing> {
    const out: ZoneListing = new Map();
    for (const rs of await this.listZone(zoneId, sent)) {
      if (out.has(keyOf(rs))) rs.duplicated = true;
      out.set(keyOf(rs), rs);
    }
    return out;
  }
}
