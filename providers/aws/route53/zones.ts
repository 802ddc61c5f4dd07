// Hosted zones and what is in them, read through the account limiter and shared by every record
// of one ProviderConfig: a zone named in a spec is looked up once (and again after it vanished),
// and a zone's record sets are listed once for all the records observing it at about the same
// time. At 5 requests a second, one listing of 300 record sets a page beats a read per record.
import { GetHostedZoneCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { TerminalError, isAdapterError } from '../../../sdk/index.ts';
import { canonical } from '../../../src/api/dnsrecord.ts';
import { AwsReason } from '../common/classify.ts';
import type { AwsCaller } from '../common/client.ts';
import { fromRoute53, keyOf, type RecordSet } from './state.ts';

/** A change as sent, for keeping a listing true after our own writes. */
export interface AppliedChange {
  action: 'CREATE' | 'UPSERT' | 'DELETE';
  recordSet: RecordSet;
}

export const ZONE_DEFAULTS = {
  /** How long a zone's id and name are trusted before they are looked up again. */
  zoneTtlMs: 10 * 60_000,
  /**
   * How old the known listing may be to answer an observe without a call, where a stale answer
   * cannot do harm: a record set present (what follows is an UPSERT guarded by our ownership
   * record, or a DELETE of the values read, both refused if the zone changed; only drift made in
   * these seconds waits for the next look), or one we never changed, absent (a CREATE follows,
   * refused if it exists). A burst of new records, or of deletes, then costs a zone one listing
   * each 15 s, not each 5 s.
   */
  knownMaxAgeMs: 15_000,
  /**
   * How old a listing must be at most to say that a record set we changed is gone (a delete then
   * ends; a stale "gone" could leave a record set behind). Writes do not rely on it: they are
   * planned on the known listing and guarded (CREATE, exact DELETE) against the rest.
   */
  listingMaxAgeMs: 5_000,
  /**
   * How long this process remembers a DELETE of its own that Route 53 accepted, for the known
   * listing to say "gone" without a call (it is forgotten sooner, once seen gone).
   */
  ownDeleteMaxAgeMs: 10 * 60_000,
} as const;

export interface Zone {
  id: string;
  name: string;
}

export const bareZoneId = (id: string) => id.replace(/^\/hostedzone\//, '');

const isZoneGone = (err: unknown) => isAdapterError(err) && err.reason === AwsReason.ZoneNotFound;

/** Finds zones by id or name, coalescing concurrent look-ups and caching answers. */
export class ZoneDirectory {
  private readonly r53: Route53Client;
  private readonly aws: AwsCaller;
  private readonly cache = new Map<string, { at: number; zone: Promise<Zone> }>();
  private readonly now: () => number;

  constructor(r53: Route53Client, aws: AwsCaller, now: () => number = Date.now) {
    this.r53 = r53;
    this.aws = aws;
    this.now = now;
  }

  resolve(ref: { id?: string | undefined; name?: string | undefined }): Promise<Zone> {
    const key = ref.id !== undefined ? `id:${bareZoneId(ref.id)}` : `name:${canonical(ref.name!)}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < ZONE_DEFAULTS.zoneTtlMs) return hit.zone;
    const zone = ref.id !== undefined ? this.byId(bareZoneId(ref.id)) : this.byName(canonical(ref.name!));
    this.cache.set(key, { at: this.now(), zone });
    zone.catch(() => this.cache.get(key)?.zone === zone && this.cache.delete(key));
    return zone;
  }

  /** Forget a zone that turned out gone, so the next look-up finds one recreated under its name. */
  forget(zoneId: string): void {
    for (const [key, entry] of this.cache) {
      void entry.zone.then((z) => z.id === zoneId && this.cache.get(key) === entry && this.cache.delete(key), () => undefined);
    }
  }

  private async byId(id: string): Promise<Zone> {
    const answer = await this.aws.call(`Route 53 GetHostedZone ${id}`, () => this.r53.send(new GetHostedZoneCommand({ Id: id })));
    return { id, name: canonical(answer.HostedZone?.Name ?? '') };
  }

  private async byName(name: string): Promise<Zone> {
    const answer = await this.aws.call(`Route 53 ListHostedZonesByName ${name}`, () => this.r53.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 10 })));
    const matches = (answer.HostedZones ?? []).filter((z) => canonical(z.Name ?? '') === name);
    if (matches.length === 0) throw new TerminalError(AwsReason.ZoneNotFound, `no hosted zone is named ${name}; create it, or fix spec.zone`);
    if (matches.length > 1) {
      const ids = matches.map((z) => bareZoneId(z.Id ?? '')).join(', ');
      throw new TerminalError(AwsReason.InvalidSpec, `${matches.length} hosted zones are named ${name} (${ids}), a public and a private one perhaps; name one with spec.zone.id`);
    }
    return { id: bareZoneId(matches[0]!.Id ?? ''), name };
  }
}

export type ZoneListing = Map<string, RecordSet>;

interface ZoneState {
  /** Bumped when a write may or may not have happened (a lost answer): older listings are void. */
  epoch: number;
  listing?: Listing | undefined;
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

/** Every record set of a zone, by name|type|set identifier, listed once for all who ask together. */
export class ZoneRecords {
  private readonly r53: Route53Client;
  private readonly aws: AwsCaller;
  private readonly zones = new Map<string, ZoneState>();
  private readonly now: () => number;
  /** Called when a listing finds the zone gone. */
  private readonly onGone: (zoneId: string) => void;

  constructor(r53: Route53Client, aws: AwsCaller, onGone: (zoneId: string) => void, now: () => number = Date.now) {
    this.r53 = r53;
    this.aws = aws;
    this.onGone = onGone;
    this.now = now;
  }

  /** A listing started no earlier than `notBefore` and after our last change to the zone. */
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
   * before a listing arrived or after a write of unknown outcome. Plans rest on it; their guards
   * (CREATE, exact DELETE) refuse what someone else changed meanwhile.
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
   * Route 53 accepted our batch (atomically): the cached listing takes the same changes, so
   * observing after our own write needs no new listing. A listing still in flight gets them once
   * it arrives (applying twice is harmless). Others' changes are seen at the next listing.
   */
  applied(zoneId: string, changes: readonly AppliedChange[]): void {
    const listing = this.zones.get(zoneId)?.listing;
    void listing?.records.then(
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
    type Start = { name?: string | undefined; type?: string | undefined; id?: string | undefined };
    let next: Start | undefined = {};
    while (next) {
      const start: Start = next;
      const page = await this.aws.call(`Route 53 ListResourceRecordSets on zone ${zoneId}`, () => {
        sent();
        return this.r53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            MaxItems: 300,
            ...(start.name ? { StartRecordName: start.name } : {}),
            ...(start.type ? { StartRecordType: start.type as never } : {}),
            ...(start.id ? { StartRecordIdentifier: start.id } : {}),
          }),
        );
      });
      for (const rrset of page.ResourceRecordSets ?? []) {
        const rs = fromRoute53(rrset);
        if (out.has(keyOf(rs))) rs.duplicated = true;
        out.set(keyOf(rs), rs);
      }
      next = page.IsTruncated ? { name: page.NextRecordName, type: page.NextRecordType, id: page.NextRecordIdentifier } : undefined;
    }
    return out;
  }
}
