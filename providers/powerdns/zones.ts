// Zones and what is in them, shared by every record of one ProviderConfig: a zone named in a spec
// is looked up once (and again after it vanished), and one GET of a zone, which returns all its
// record sets, serves every record observing it at about the same time.
import { TerminalError, isAdapterError } from '../../sdk/index.ts';
import type { PdnsApi, RRsetChange } from './api.ts';
import { canonical } from './names.ts';
import { PdnsReason } from './reasons.ts';
import { fromApi, keyOf, rrsetKey, type RRset } from './rrset.ts';

export const ZONE_DEFAULTS = {
  /** How long a zone's id and name are trusted before they are looked up again. */
  zoneTtlMs: 10 * 60_000,
  /** How old a listing an observe may reuse. Writes never rely on it: each batch reads afresh. */
  listingMaxAgeMs: 5_000,
} as const;

export interface Zone {
  /** The id in the API's paths; PowerDNS makes it from the name (`example.com.`). */
  id: string;
  name: string;
}

export const isZoneGone = (err: unknown) => isAdapterError(err) && err.reason === PdnsReason.ZoneNotFound;

/** Finds zones by name or id, coalescing concurrent look-ups and caching answers. */
export class ZoneDirectory {
  private readonly api: PdnsApi;
  private readonly cache = new Map<string, { at: number; zone: Promise<Zone> }>();

  constructor(api: PdnsApi) {
    this.api = api;
  }

  resolve(ref: { id?: string | undefined; name?: string | undefined }): Promise<Zone> {
    const key = ref.id !== undefined ? `id:${ref.id}` : `name:${canonical(ref.name ?? '')}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < ZONE_DEFAULTS.zoneTtlMs) return hit.zone;
    const zone = ref.id !== undefined ? this.byId(ref.id) : this.byName(canonical(ref.name ?? ''));
    const entry = { at: Date.now(), zone };
    this.cache.set(key, entry);
    zone.catch(() => this.cache.get(key) === entry && this.cache.delete(key));
    return zone;
  }

  /** Forgets a zone found gone, so the next look-up finds one made again under its name. */
  forget(zoneId: string): void {
    for (const [key, entry] of this.cache) {
      void entry.zone.then((z) => z.id === zoneId && this.cache.get(key) === entry && this.cache.delete(key), () => undefined);
    }
  }

  private async byId(id: string): Promise<Zone> {
    const zone = await this.api.zone(id);
    return { id: zone.id, name: canonical(zone.name) };
  }

  private async byName(name: string): Promise<Zone> {
    const match = (await this.api.zonesNamed(name)).find((z) => canonical(z.name) === name);
    if (!match) throw new TerminalError(PdnsReason.ZoneNotFound, `PowerDNS has no zone named ${name}; create it (pdnsutil create-zone ${name}), or fix spec.zone`);
    return { id: match.id, name };
  }
}

export type ZoneListing = Map<string, RRset>;

interface ZoneState {
  /** Bumped when a write may or may not have happened (no answer): older listings are void. */
  epoch: number;
  listing?: { epoch: number; startedAt: number; records: Promise<ZoneListing> } | undefined;
}

/** Every record set of a zone, by name|type, read once for all who ask together. */
export class ZoneRecords {
  private readonly api: PdnsApi;
  private readonly onGone: (zoneId: string) => void;
  private readonly zones = new Map<string, ZoneState>();

  constructor(api: PdnsApi, onGone: (zoneId: string) => void) {
    this.api = api;
    this.onGone = onGone;
  }

  /** A listing started no earlier than `notBefore` and after our last uncertain write. */
  records(zoneId: string, notBefore: number): Promise<ZoneListing> {
    let zone = this.zones.get(zoneId);
    if (!zone) this.zones.set(zoneId, (zone = { epoch: 0 }));
    const current = zone.listing;
    if (current && current.epoch === zone.epoch && current.startedAt >= notBefore) return current.records;
    const records = this.list(zoneId);
    const listing = { epoch: zone.epoch, startedAt: Date.now(), records };
    zone.listing = listing;
    records.catch((err: unknown) => {
      if (zone.listing === listing) zone.listing = undefined;
      if (isZoneGone(err)) this.onGone(zoneId);
    });
    return records;
  }

  /** PowerDNS applied our PATCH (atomically): the cached listing takes the same changes. */
  applied(zoneId: string, changes: readonly RRsetChange[]): void {
    void this.zones.get(zoneId)?.listing?.records.then(
      (records) => {
        for (const c of changes) {
          if (c.changetype === 'DELETE') records.delete(rrsetKey(c.name, c.type));
          else records.set(rrsetKey(c.name, c.type), { name: c.name, type: c.type, ttl: c.ttl ?? 0, contents: (c.records ?? []).map((r) => r.content) });
        }
      },
      () => undefined,
    );
  }

  /** A write whose outcome is unknown: listings from before no longer count. */
  uncertain(zoneId: string): void {
    const zone = this.zones.get(zoneId);
    if (zone) zone.epoch++;
  }

  private async list(zoneId: string): Promise<ZoneListing> {
    const zone = await this.api.zone(zoneId);
    return new Map((zone.rrsets ?? []).map((r) => fromApi(r)).map((rs) => [keyOf(rs), rs]));
  }
}
